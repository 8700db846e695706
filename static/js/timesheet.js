// The timesheet grid: row, day and week totals follow the hours as they are typed, and a new row's payroll
// item shows the chosen employee's default. The form works without it; this only keeps the sums in view.
(function () {
  "use strict";

  function hours(text) {
    var value = (text || "").trim().replace(",", ".");
    if (!value) return 0;
    var clock = value.match(/^(\d+):([0-5]\d)$/);
    if (clock) return Number(clock[1]) + Number(clock[2]) / 60;
    var number = Number(value);
    return isFinite(number) ? number : 0;
  }

  function shown(value) {
    return (Math.round(value * 100) / 100).toFixed(2);
  }

  function init(form) {
    function update() {
      var days = {};
      var week = 0;
      form.querySelectorAll("tr[data-row]").forEach(function (row) {
        var total = 0;
        row.querySelectorAll("input.timesheet__hours").forEach(function (input) {
          var value = hours(input.value);
          total += value;
          days[input.dataset.day] = (days[input.dataset.day] || 0) + value;
        });
        week += total;
        var output = row.querySelector("[data-row-total]");
        if (output) output.textContent = shown(total);
      });
      form.querySelectorAll("[data-day-total]").forEach(function (output) {
        output.textContent = shown(days[output.dataset.dayTotal] || 0);
      });
      var weekOutput = form.querySelector("[data-week-total]");
      if (weekOutput) weekOutput.textContent = shown(week);
    }

    function employeeChosen(event) {
      var select = event.target;
      if (!select.name || select.name.indexOf("employee-") !== 0) return;
      var item = form.querySelector("#payroll_item-" + select.name.slice("employee-".length));
      var option = select.options[select.selectedIndex];
      if (item) item.placeholder = (option && option.dataset.payrollItem) || "Employee's default";
    }

    form.addEventListener("input", update);
    form.addEventListener("change", employeeChosen);
    update();
    // Said on the form, so that what waits for it (a test, a person's helper script) knows it follows now.
    form.setAttribute("data-timesheet-ready", "");
  }

  function start() {
    document.querySelectorAll("form[data-timesheet]").forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
