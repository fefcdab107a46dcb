// Small page behaviours, as data attributes instead of inline scripts and handlers
// (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";

  function clearDrafts(root) {
    // A saved session ends its autosaved draft: <span data-clear-draft="KEY" hidden>.
    root.querySelectorAll("[data-clear-draft]").forEach(function (el) {
      try { window.localStorage.removeItem(el.getAttribute("data-clear-draft")); } catch (e) { /* storage off */ }
    });
  }

  // A read-only field whose whole value is to be copied: select it on click.
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-select-on-click")) {
      target.select();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { clearDrafts(document); });
  } else {
    clearDrafts(document);
  }
})();
