// A subcontractor invoice's lines hold the commitment's retainage percentage of the work completed and the
// materials stored: the form's data-retainage-percent. As either amount is typed, a line's "Retainage held"
// follows, unless its value was typed over (then it is the person's). Amounts are counted in cents as
// BigInt, so the result is exact and rounds half up as the server does. Without this script an empty
// retainage is filled in when the invoice is saved.
(function () {
  "use strict";

  var AMOUNT = /^\s*(-?)(\d*)(?:[.,](\d*))?\s*$/;

  // "1234.5" -> 123450n; null for what is not an amount.
  function cents(text) {
    var match = AMOUNT.exec(text || "");
    if (!match || (match[2] === "" && !match[3])) return null;
    var fraction = (match[3] || "").padEnd(2, "0");
    if (fraction.length > 2) return null;
    var value = BigInt(match[2] || "0") * 100n + BigInt(fraction);
    return match[1] === "-" ? -value : value;
  }

  function text(value) {
    var whole = value / 100n;
    var part = String(value % 100n).padStart(2, "0");
    return whole + "." + part;
  }

  // percent (in hundredths: 10.00 % -> 1000n) of an amount in cents, half up; none of a credit.
  function held(amount, percent) {
    if (amount <= 0n) return 0n;
    return (amount * percent + 5000n) / 10000n;
  }

  function percentOf(form) {
    return cents(form.getAttribute("data-retainage-percent"));
  }

  function expected(row, percent) {
    var total = 0n;
    var parts = row.querySelectorAll("[data-retainage-part]");
    for (var index = 0; index < parts.length; index += 1) {
      var value = parts[index].value.trim() === "" ? 0n : cents(parts[index].value);
      if (value === null) return null;
      total += value;
    }
    return held(total, percent);
  }

  function update(row, percent) {
    var input = row.querySelector("[data-retainage-held]");
    if (!input || input.disabled || input.hasAttribute("data-typed")) return;
    var anything = Array.prototype.some.call(row.querySelectorAll("[data-retainage-part]"), function (part) {
      return part.value.trim() !== "";
    });
    var value = anything ? expected(row, percent) : null;
    if (value === null) return;
    input.value = text(value);
  }

  function init(form) {
    var percent = percentOf(form);
    if (percent === null) return;
    // A saved line whose retainage differs from the percentage was set by someone: it is theirs.
    form.querySelectorAll("tr.line-row").forEach(function (row) {
      var input = row.querySelector("[data-retainage-held]");
      if (!input || input.value.trim() === "") return;
      var value = expected(row, percent);
      if (value === null || cents(input.value) !== value) input.setAttribute("data-typed", "");
    });
    form.addEventListener("input", function (event) {
      var target = event.target;
      var row = target.closest && target.closest("tr.line-row");
      if (!row) return;
      if (target.hasAttribute("data-retainage-held")) {
        if (target.value.trim() === "") target.removeAttribute("data-typed");
        else target.setAttribute("data-typed", "");
        return;
      }
      if (target.hasAttribute("data-retainage-part")) update(row, percent);
    });
  }

  function start() {
    document.querySelectorAll("form[data-retainage-percent]").forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
