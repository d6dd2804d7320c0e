/* keysweep incident report: sort the secrets table by any column (click or Enter/Space on a header button). */
(function () {
  "use strict";
  var table = document.getElementById("secrets-table");
  var status = document.getElementById("sort-status");
  if (table && table.tBodies.length) {
    var buttons = Array.prototype.slice.call(table.querySelectorAll("thead button[data-column]"));
    var key = function (row, column, type) {
      var cell = row.cells[column];
      var value = cell.getAttribute("data-sort");
      if (value === null) { value = cell.textContent.trim(); }
      return type === "number" ? parseFloat(value) : value.toLowerCase();
    };
    var sortBy = function (button) {
      var column = Number(button.getAttribute("data-column"));
      var type = button.getAttribute("data-type") || "text";
      var header = button.parentNode;
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a, column, type);
        var y = key(b, column, type);
        var order = x < y ? -1 : x > y ? 1 : 0;
        if (order === 0) {
          return Number(a.getAttribute("data-index")) - Number(b.getAttribute("data-index"));
        }
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      buttons.forEach(function (other) { other.parentNode.setAttribute("aria-sort", "none"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      if (status) {
        status.textContent = "Sorted by " + button.textContent + ", " + (ascending ? "ascending" : "descending") + ".";
      }
    };
    buttons.forEach(function (button) {
      button.addEventListener("click", function () { sortBy(button); });
    });
  }
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
})();
