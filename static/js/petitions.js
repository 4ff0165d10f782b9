// Petition form: show the "forwarded by" box only for forwarded sources. The page works
// without this script (the box is then always shown; the server checks the rule).
(function () {
  "use strict";
  var form = document.getElementById("petition-form");
  if (!form) { return; }
  var forwarded = (form.getAttribute("data-forwarded") || "").split(" ");
  var source = form.querySelector("select[name=source]");
  var box = document.getElementById("forwarded-box");
  if (!source || !box) { return; }
  function hasContent() {
    var inputs = box.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].value.trim() !== "") { return true; }
    }
    return box.querySelector(".has-error") !== null;
  }
  function sync() {
    box.hidden = forwarded.indexOf(source.value) < 0 && !hasContent();
  }
  source.addEventListener("change", sync);
  sync();
}());
