// Progressive enhancement only: every page works without this file.
document.addEventListener("change", function (event) {
  // Sorting and page-size selects apply at once instead of waiting for the button.
  var el = event.target;
  if (el.matches && el.matches("select[data-autosubmit]")) {
    el.form.submit();
  }
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-js-hide]").forEach(function (b) { b.hidden = true; });
  document.querySelectorAll("a[data-print]").forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
  });
});
