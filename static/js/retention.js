// The lines of an invoice (a subcontractor's pay application, or the owner's progress billing) hold a
// retention percentage of the work completed and the materials stored: one for every line (the form's
// data-retention-percent, the commitment's), or the percentage of the line each bills (the form's
// data-retention-percents: {"line-1": "10.00", "pcco-4": "5.00"}, by the value of the line's
// [data-retention-target]). As either amount is typed, or the billed line changes, a line's retention held
// follows, unless its value was typed over (then it is the person's). Amounts are counted in cents as
// BigInt, so the result is exact and rounds half up as the server does. Without this script an empty
// retention is filled in when the invoice is saved.
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
    return value / 100n + "." + String(value % 100n).padStart(2, "0");
  }

  // percent (in hundredths: 10.00 % -> 1000n) of an amount in cents, half up; none of a credit.
  function held(amount, percent) {
    if (amount <= 0n) return 0n;
    return (amount * percent + 5000n) / 10000n;
  }

  // percents: a percentage for every line (a string), or one per billed line (an object).
  function percentOf(row, percents) {
    if (typeof percents === "string") return cents(percents);
    var select = row.querySelector("[data-retention-target]");
    if (!select || !percents[select.value]) return null;
    return cents(percents[select.value]);
  }

  function expected(row, percents) {
    var percent = percentOf(row, percents);
    if (percent === null) return null;
    var total = 0n;
    var parts = row.querySelectorAll("[data-retention-part]");
    for (var index = 0; index < parts.length; index += 1) {
      var value = parts[index].value.trim() === "" ? 0n : cents(parts[index].value);
      if (value === null) return null;
      total += value;
    }
    return held(total, percent);
  }

  function update(row, percents) {
    var input = row.querySelector("[data-retention-held]");
    if (!input || input.disabled || input.hasAttribute("data-typed")) return;
    var anything = Array.prototype.some.call(row.querySelectorAll("[data-retention-part]"), function (part) {
      return part.value.trim() !== "";
    });
    var value = anything ? expected(row, percents) : null;
    if (value !== null) input.value = text(value);
  }

  function init(form) {
    var percents = form.getAttribute("data-retention-percent");
    if (percents === null) {
      try {
        percents = JSON.parse(form.getAttribute("data-retention-percents") || "{}");
      } catch (ignored) {
        return;
      }
    }
    // A saved line whose retention differs from its percentage was set by someone: it is theirs.
    form.querySelectorAll("tr.line-row").forEach(function (row) {
      var input = row.querySelector("[data-retention-held]");
      if (!input || input.value.trim() === "") return;
      var value = expected(row, percents);
      if (value === null || cents(input.value) !== value) input.setAttribute("data-typed", "");
    });
    function follow(event) {
      var target = event.target;
      var row = target.closest && target.closest("tr.line-row");
      if (!row) return;
      if (target.hasAttribute("data-retention-held")) {
        if (target.value.trim() === "") target.removeAttribute("data-typed");
        else target.setAttribute("data-typed", "");
        return;
      }
      if (target.hasAttribute("data-retention-part") || target.hasAttribute("data-retention-target")) {
        update(row, percents);
      }
    }
    form.addEventListener("input", follow);
    form.addEventListener("change", follow);
    // Said on the form, so that what waits for it (a test, a person's helper script) knows it follows now.
    form.setAttribute("data-retention-ready", "");
  }

  function start() {
    document.querySelectorAll("form[data-retention-percent], form[data-retention-percents]").forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
