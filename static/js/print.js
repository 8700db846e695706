// A page's Print button prints it. The button is hidden until this script can make it work; the browser's
// own Print does the same.
(function () {
  "use strict";

  function start() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
