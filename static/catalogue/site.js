// Progressive enhancement only: every page works without this file.
document.addEventListener("change", function (event) {
  // Sorting and page-size selects apply at once instead of waiting for the button.
  var el = event.target;
  if (el.matches && el.matches("select[data-autosubmit]")) {
    el.form.submit();
  }
  if (el.matches && el.matches("select[data-new-list]")) showNewListName(el);
});
// The name box of a new shortlist shows only while "new…" is chosen (an existing list is the default).
function showNewListName(select) {
  var input = document.getElementById(select.dataset.newList);
  if (input) input.hidden = select.value !== "";
}
document.addEventListener("DOMContentLoaded", function () {
  // On a phone the filters start folded so the results come first.
  if (window.matchMedia("(max-width: 760px)").matches) {
    document.querySelectorAll("details.facet-panel").forEach(function (d) { d.open = false; });
  }
  document.querySelectorAll("button[data-js-hide]").forEach(function (b) { b.hidden = true; });
  document.querySelectorAll("select[data-new-list]").forEach(showNewListName);
  document.querySelectorAll("a[data-print]").forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
  });
});
