// QuickBooks Bridge: the little the pages need beyond HTML and htmx. Everything works without it.
(function () {
  "use strict";

  // --- bulk selection in the ERP Integrations lists ----------------------------------------------------
  function updateBulk(form) {
    if (!form) return;
    var boxes = form.querySelectorAll('input[name="ids"]');
    var checked = form.querySelectorAll('input[name="ids"]:checked').length;
    var counter = form.querySelector("[data-selected-count]");
    if (counter) counter.textContent = checked === 0 ? "None selected" : checked + " selected";
    form.querySelectorAll("[data-bulk-action]").forEach(function (button) {
      button.disabled = checked === 0;
    });
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target.closest && target.closest("[data-bulk-form]");
    if (!form) return;
    if (target.matches("[data-select-all]")) {
      form.querySelectorAll('input[name="ids"]').forEach(function (box) {
        box.checked = target.checked;
      });
    }
    updateBulk(form);
  });

  function initBulk(root) {
    (root || document).querySelectorAll("[data-bulk-form]").forEach(updateBulk);
  }

  // --- "Add a line" in the record forms ----------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-line]");
    if (!button) return;
    var prefix = button.getAttribute("data-add-line");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById(prefix + "-template");
    var body = document.querySelector('[data-lines="' + prefix + '"]');
    if (!total || !template || !body) return;
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/line new\b/g, "line " + (index + 1));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var rows = body.querySelectorAll("tr.line-row");
    var first = rows[rows.length - 1].querySelector("input:not([type=hidden]), select");
    if (first) first.focus();
  });

  // --- a form that cannot be undone asks first ---------------------------------------------------------
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // --- htmx: refusals shown as messages rather than lost ------------------------------------------------
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = "The server refused this (" + xhr.status + ").";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var message = doc.querySelector("[data-error-message]");
      if (message) text = message.textContent.trim();
    } catch (ignored) { /* keep the generic text */ }
    showMessage(text, "error");
  });

  document.addEventListener("htmx:sendError", function () {
    showMessage("The server could not be reached. Check the connection and try again.", "error");
  });

  function showMessage(text, level) {
    var region = document.getElementById("messages");
    if (!region) return;
    var box = document.createElement("div");
    box.className = "callout callout--" + level;
    box.setAttribute("role", "alert");
    box.textContent = text;
    region.replaceChildren(box);
  }

  // --- htmx: a page being left takes no more swaps --------------------------------------------------------
  // A list swap that lands after the reader has clicked an ordinary link would push its URL onto the
  // history, and pushing history cancels the navigation the reader asked for: the click would be lost.
  // Only reads are abandoned: a step posted (accept, reject...) is left to finish and report.
  var inFlight = [];
  document.addEventListener("htmx:beforeRequest", function (event) {
    var config = event.detail.requestConfig;
    if (config && config.verb === "get") inFlight.push(event.detail.xhr);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var index = inFlight.indexOf(event.detail.xhr);
    if (index !== -1) inFlight.splice(index, 1);
  });
  window.addEventListener("beforeunload", function () {
    inFlight.slice().forEach(function (xhr) {
      xhr.abort();
    });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    initBulk(event.detail.elt);
  });
  document.addEventListener("DOMContentLoaded", function () {
    initBulk(document);
  });
})();
