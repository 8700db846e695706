// A step that cannot be undone (reject, unlink) asks first, in the page's <dialog id="confirm-dialog">.
// A form, or one of its submit buttons, names what to ask: data-confirm-title, data-confirm-text (where
// "{count}" is the number of items ticked in the form) and data-confirm-button. Without this script the
// forms submit as they are.
(function () {
  "use strict";

  var confirmed = null; // the form submitted again once the person said yes

  function asking(form, submitter) {
    if (submitter && submitter.hasAttribute("data-confirm-title")) return submitter;
    if (form.hasAttribute("data-confirm-title")) return form;
    return null;
  }

  // Listened to while capturing, on the document: before the form's own listeners (htmx's), which must not
  // see a submission until it is confirmed.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var submitter = event.submitter || null;
      var source = asking(form, submitter);
      if (!source) return;
      if (confirmed === form) {
        confirmed = null;
        return;
      }
      var dialog = document.getElementById("confirm-dialog");
      if (!dialog || typeof dialog.showModal !== "function") return;
      event.preventDefault();
      event.stopImmediatePropagation();

      var count = form.querySelectorAll('input[name="ids"]:checked').length;
      var fill = function (text) {
        return (text || "").replace(/\{count\}/g, String(count)).replace(/\{items\}/g, count === 1 ? "item" : "items");
      };
      dialog.querySelector("[data-dialog-title]").textContent = fill(source.getAttribute("data-confirm-title"));
      dialog.querySelector("[data-dialog-text]").textContent = fill(source.getAttribute("data-confirm-text"));
      dialog.querySelector("[data-dialog-button]").textContent =
        fill(source.getAttribute("data-confirm-button")) || "Confirm";
      dialog.returnValue = "";
      dialog.addEventListener(
        "close",
        function () {
          if (dialog.returnValue !== "confirm") return;
          confirmed = form;
          // htmx sends the value of the button last focused: the one that asked.
          if (submitter) submitter.focus();
          form.requestSubmit(submitter);
        },
        { once: true }
      );
      dialog.showModal();
    },
    true
  );
})();
