/* Upload size, checked in the browser before sending (issue 14, item 10): each chosen file
   against its field's limit (data-max-bytes), all the form's files against the limit of one
   request (data-max-request). The messages come from the server in the page's language
   (data-too-large, data-too-large-total); sizes are written as core/numbers.fmt_size writes
   them: megabytes with one decimal, rounded up. Without this file the server refuses the
   request and gives the form back with the real size. */
(function () {
  "use strict";

  var MIB = 1024 * 1024;

  function group(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function fmtSize(size) {
    if (size >= MIB) {
      if (size % MIB === 0) { return group(size / MIB) + " MB"; }
      var tenths = Math.ceil(size * 10 / MIB);
      return group(Math.floor(tenths / 10)) + "," + (tenths % 10) + " MB";
    }
    if (size >= 1024) { return group(Math.ceil(size / 1024)) + " KB"; }
    return group(size) + " byte";
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }

  function inputs(form) {
    return Array.prototype.slice.call(form.querySelectorAll("input[type=file][data-max-bytes]"));
  }

  function problems(form) {
    var found = [];
    var total = 0;
    var last = null;
    inputs(form).forEach(function (input) {
      var max = Number(input.getAttribute("data-max-bytes"));
      Array.prototype.forEach.call(input.files || [], function (file) {
        total += file.size;
        last = input;
        if (file.size > max) {
          found.push([input, fill(input.getAttribute("data-too-large"), {
            name: file.name, size: fmtSize(file.size), limit: input.getAttribute("data-max-label")
          })]);
        }
      });
    });
    if (last && !found.length && total > Number(last.getAttribute("data-max-request"))) {
      found.push([last, fill(last.getAttribute("data-too-large-total"), {
        size: fmtSize(total), limit: last.getAttribute("data-max-request-label")
      })]);
    }
    return found;
  }

  function show(form) {
    var found = problems(form);
    inputs(form).forEach(function (input) {
      var box = input.parentNode.querySelector("[data-upload-error]");
      var mine = found.filter(function (p) { return p[0] === input; });
      if (!mine.length) {
        if (box) { box.parentNode.removeChild(box); }
        input.removeAttribute("aria-invalid");
        return;
      }
      if (!box) {
        box = document.createElement("div");
        box.className = "error";
        box.setAttribute("role", "alert");
        box.setAttribute("data-upload-error", "");
        input.parentNode.insertBefore(box, input.nextSibling);
      }
      box.textContent = mine.map(function (p) { return p[1]; }).join(" ");
      input.setAttribute("aria-invalid", "true");
    });
    return found;
  }

  Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
    if (!inputs(form).length) { return; }
    inputs(form).forEach(function (input) {
      input.addEventListener("change", function () { show(form); });
    });
    form.addEventListener("submit", function (event) {
      var found = show(form);
      if (found.length) {
        event.preventDefault();
        found[0][0].focus();
      }
    });
  });
}());
