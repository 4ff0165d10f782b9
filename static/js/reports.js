/* Report pages: the print button, a confirmation before closing a period, and only the
   period and convention fields that matter for the chosen kind. Every page works without this file. */
(function () {
  "use strict";

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  function setupPrint() {
    each("[data-print]", function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function setupConfirm() {
    each("form[data-confirm]", function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  function setupPeriodFields() {
    var form = document.querySelector("[data-report-form]");
    if (!form) { return; }
    var kind = form.querySelector("select[name=period]");
    if (!kind) { return; }
    function show(selector, visible) {
      each(selector, function (el) {
        // A field with an error stays visible, whatever the choice.
        el.hidden = !visible && !el.classList.contains("has-error");
      }, form);
    }
    function update() {
      var value = kind.value;
      show(".when-month", value === "month");
      show(".when-range", value === "range");
      show(".when-standard", value !== "range");
    }
    kind.addEventListener("change", update);
    update();
  }

  // A kind's own rounding matters only with each kind apart; hidden, it is not sent (the
  // server refuses it with another choice of kinds).
  function setupConventionFields() {
    var form = document.querySelector("[data-report-form]");
    var kinds = form && form.querySelector("select[name=kinds]");
    if (!kinds) { return; }
    function update() {
      each(".when-each", function (el) {
        var hide = kinds.value !== "each" && !el.classList.contains("has-error");
        el.hidden = hide;
        each("select", function (select) { select.disabled = hide; }, el);
      }, form);
    }
    kinds.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupPrint();
    setupConfirm();
    setupPeriodFields();
    setupConventionFields();
  });
}());
