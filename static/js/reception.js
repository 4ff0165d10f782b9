/* Reception pages: extra person rows, fields shown by outcome and kind, print buttons.
   Every page works without this file; it only saves clicks. */
(function () {
  "use strict";

  var MAX_PERSON_ROWS = 60;

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  function showWhen(selector, visible) {
    each(selector, function (el) {
      // A field with an error stays visible, whatever the choice.
      el.hidden = !visible && !el.classList.contains("has-error");
    });
  }

  function setupPrint() {
    each("[data-print]", function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function setupPersonRows() {
    var add = document.querySelector("[data-add-person]");
    var container = document.querySelector("[data-person-rows]");
    if (!add || !container) { return; }
    add.hidden = false;
    add.addEventListener("click", function () {
      var rows = container.querySelectorAll("[data-person-row]");
      if (rows.length >= MAX_PERSON_ROWS) { add.disabled = true; return; }
      var clone = rows[rows.length - 1].cloneNode(true);
      var index = rows.length;
      each("input, label", function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/^persons-\d+-/, "persons-" + index + "-")); }
        });
        if (el.tagName === "INPUT") {
          if (el.type === "checkbox") { el.checked = false; } else { el.value = ""; }
        }
      }, clone);
      each(".error", function (el) { el.parentNode.removeChild(el); }, clone);
      each(".has-error", function (el) { el.classList.remove("has-error"); }, clone);
      container.appendChild(clone);
      var first = clone.querySelector("input");
      if (first) { first.focus(); }
    });
  }

  function setupVisitForm() {
    var outcome = document.getElementById("outcome");
    if (outcome) {
      var sync = function () {
        var v = outcome.value;
        showWhen(".outcome-body", v === "guided" || v === "transferred");
        showWhen(".outcome-refused", v === "refused");
      };
      outcome.addEventListener("change", sync);
      sync();
    }
    var count = document.getElementById("people_count");
    var delegation = document.getElementById("is_delegation");
    if (count && delegation) {
      // The box follows the number of people (5 or more with one content is a delegation):
      // ticked as the number is typed, and a click that would contradict the number is undone,
      // so that the click which takes the focus out of the number cannot untick what the
      // number just ticked (the server refuses a box that disagrees with the number).
      var rule = function () {
        var n = parseInt(count.value, 10);
        return isNaN(n) ? null : n >= 5;
      };
      var follow = function () {
        var r = rule();
        if (r !== null) { delegation.checked = r; }
      };
      count.addEventListener("input", follow);
      count.addEventListener("change", follow);
      delegation.addEventListener("click", follow);
    }
  }

  function setupSessionForm() {
    var form = document.getElementById("session-form");
    var kind = document.getElementById("kind");
    if (!form || !kind) { return; }
    var sync = function () { showWhen(".leader-only", kind.value !== "regular"); };
    kind.addEventListener("change", sync);
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupPrint();
    setupPersonRows();
    setupVisitForm();
    setupSessionForm();
  });
}());
