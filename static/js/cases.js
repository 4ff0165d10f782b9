/* Processing and case pages: show what the chosen classification allows (the server checks). */
(function () {
  "use strict";

  function checked(name) {
    var input = document.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : null;
  }

  // Processing a petition: outcomes allowed by the classification, reasons, case choice.
  var outcome = document.querySelector("select[data-allowed]");
  if (outcome) {
    var allowed = JSON.parse(outcome.getAttribute("data-allowed"));
    var refresh = function () {
      var eligible = checked("eligible");
      var competent = checked("competent");
      var list = eligible && competent ? allowed[eligible + "-" + competent] : null;
      Array.prototype.forEach.call(outcome.options, function (option) {
        if (!option.value) { return; }
        var off = list !== null && list.indexOf(option.value) < 0;
        option.hidden = off;
        option.disabled = off;
      });
      if (outcome.selectedIndex > 0 && outcome.options[outcome.selectedIndex].disabled) {
        outcome.value = "";
      }
      document.querySelectorAll("[data-when-eligible]").forEach(function (el) {
        el.hidden = eligible !== el.getAttribute("data-when-eligible");
      });
      document.querySelectorAll("[data-when-outcome]").forEach(function (el) {
        // one outcome, or several separated by spaces ("transfer urge")
        el.hidden = el.getAttribute("data-when-outcome").split(" ").indexOf(outcome.value) < 0;
      });
    };
    document.querySelectorAll('input[name="eligible"], input[name="competent"]').forEach(
      function (input) { input.addEventListener("change", refresh); }
    );
    outcome.addEventListener("change", refresh);
    refresh();
  }

  // Assigning a case: only the handlers of the chosen unit (and its sub-units).
  var unit = document.querySelector("#assign-form select[name=unit_id]");
  var handler = document.querySelector("#assign-form select[name=assignee_id]");
  if (unit && handler) {
    var filter = function () {
      var chosen = unit.options[unit.selectedIndex];
      var path = chosen ? chosen.getAttribute("data-path") : null;
      Array.prototype.forEach.call(handler.options, function (option) {
        var own = option.getAttribute("data-unit-path");
        var off = Boolean(path && own && own.indexOf(path) !== 0);
        option.hidden = off;
        option.disabled = off;
      });
      if (handler.options[handler.selectedIndex].disabled) { handler.value = "0"; }
    };
    unit.addEventListener("change", filter);
    filter();
  }
})();
