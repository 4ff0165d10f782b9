/* Register import pages: the progress bar follows the job by polling its progress endpoint
   (the state lives in the database, so any server process answers), and confirmations before
   importing or cancelling. Every page works without this file (it then refreshes itself). */
(function () {
  "use strict";

  var POLL_MS = 1000;

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  function setupConfirm() {
    each("form[data-confirm]", function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  function setupProgress() {
    var box = document.querySelector("[data-progress-url]");
    if (!box) { return; }
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("progress");
    var percent = box.querySelector("[data-percent]");
    var text = box.querySelector("[data-progress-text]");
    var failures = 0;

    function show(data) {
      if (data.percent === null || data.percent === undefined) {
        bar.removeAttribute("value");  // indeterminate until the total is known
        percent.textContent = "";
      } else {
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
        percent.textContent = data.percent + "%";
      }
      text.textContent = data.text;
    }

    function poll() {
      var request = new XMLHttpRequest();
      request.open("GET", url);
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status !== 200) { retry(); return; }
        failures = 0;
        var data = JSON.parse(request.responseText);
        show(data);
        if (!data.active) {
          bar.value = 100;
          percent.textContent = "100%";
          // The phase ended: the page shows its outcome (the dry run or the import's result).
          window.setTimeout(function () { window.location.reload(); }, 600);
          return;
        }
        if (data.stale) {
          // The runner stopped reporting: the page (reloaded) offers to continue the job.
          if (!document.querySelector("[data-stale]")) { window.location.reload(); }
          return;
        }
        window.setTimeout(poll, POLL_MS);
      };
      request.onerror = retry;
      request.send();
    }

    function retry() {
      failures += 1;
      window.setTimeout(poll, Math.min(POLL_MS * Math.pow(2, failures), 30000));
    }

    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupConfirm();
    setupProgress();
  });
}());
