/* Swagger UI (/api/docs/) as everyone can use it: what its own markup leaves out, added as it draws
   (an operation's details are drawn when it is opened). */
(function () {
  "use strict";
  // A select needs a name a screen reader can say: its parameter's, or what it chooses.
  function nameSelects(root) {
    root.querySelectorAll("select:not([aria-label]):not([aria-labelledby])").forEach(function (s) {
      if (s.id && document.querySelector('label[for="' + s.id + '"]')) return;
      var row = s.closest("tr[data-param-name]");
      var name = row ? row.dataset.paramName
        : s.classList.contains("examples-select-element") ? "Examples"
        : s.closest(".content-type-wrapper, .response-control-media-type") ? "Media type" : "Choice";
      s.setAttribute("aria-label", name);
    });
  }
  // A block that scrolls sideways on a phone must be reachable by keyboard to be scrolled.
  function focusScrollers(root) {
    root.querySelectorAll(".highlight-code pre, .responses-inner, .table-container, .renderedMarkdown pre")
      .forEach(function (el) { if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0"); });
  }
  function mend() {
    nameSelects(document);
    focusScrollers(document);
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; mend(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
  mend();
})();
