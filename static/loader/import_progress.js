// Report imports in the admin: while an import waits or runs, ask its progress endpoint every two
// seconds and show rows done of all rows; when it finishes, reload so the page shows its counts,
// log and reasons. A static file because the CSP allows scripts from our origin only.
(function () {
  "use strict";
  var FINAL = { done: true, attention: true, failed: true };

  function follow(el) {
    var url = el.getAttribute("data-url");
    var status = el.getAttribute("data-status");
    if (!url || FINAL[status]) return;
    var timer = window.setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          el.textContent = data.text;
          if (data.final || data.status !== status) {
            window.clearInterval(timer);
            window.location.reload();
          }
        })
        .catch(function () { /* the next tick tries again */ });
    }, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var els = document.querySelectorAll(".import-progress[data-url]");
    for (var i = 0; i < els.length; i++) follow(els[i]);
  });
})();
