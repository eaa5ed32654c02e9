/* Charts as progressive enhancement: each chart is drawn from the <table data-chart> it stands
   beside. The table stays the source of the figures (screen readers, printing, no JavaScript);
   exact values are read from the cells' data-value attributes, never from formatted text.
   Needs static/vendor/chartjs/chart.umd.js (Chart.js 4, MIT). No inline script: CSP-safe. */
(function () {
  "use strict";
  if (!window.Chart) { return; }
  var BRAND = "#1f5e3b";
  var lang = document.documentElement.lang || "en";
  var format = new Intl.NumberFormat(lang, { maximumFractionDigits: 3 });
  Chart.defaults.animation = false;          /* nothing to wait for when printing */
  Chart.defaults.color = "#1b1f24";
  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;

  function shorten(label) {
    return label.length > 28 ? label.slice(0, 27) + "…" : label;   /* the table keeps the full name */
  }

  function columnOf(table) {
    return parseInt(table.getAttribute("data-chart-column") || "1", 10);
  }

  function series(table) {
    var column = columnOf(table), labels = [], values = [];
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var cell = row.cells[column];
      if (!cell || !cell.hasAttribute("data-value")) { return; }
      labels.push(row.cells[0].textContent.trim());
      values.push(parseFloat(cell.getAttribute("data-value")));
    });
    return { labels: labels, values: values };
  }

  function draw(table) {
    var data = series(table);
    if (!data.values.length) { return; }
    var line = table.getAttribute("data-chart") === "line";
    var horizontal = !line && data.labels.length > 5;
    var heading = table.tHead.rows[0].cells[columnOf(table)].textContent.trim();
    var caption = table.caption ? table.caption.textContent.trim() : "";
    var box = document.createElement("div");
    box.className = "chart";
    if (horizontal) { box.style.height = (data.labels.length * 1.75 + 4) + "rem"; }
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", caption + ": " + heading + " (" + (table.getAttribute("data-chart-note") || "") + ")");
    box.appendChild(canvas);
    var anchor = table.parentNode.classList.contains("table-scroll") ? table.parentNode : table;
    anchor.parentNode.insertBefore(box, anchor);
    var valueAxis = horizontal ? "x" : "y";
    var labelAxis = horizontal ? "y" : "x";
    var scales = {};
    scales[valueAxis] = { beginAtZero: true, ticks: { callback: function (v) { return format.format(v); } } };
    scales[labelAxis] = { ticks: { autoSkip: line, callback: function (v) { return shorten(this.getLabelForValue(v)); } } };
    new window.Chart(canvas, {
      type: line ? "line" : "bar",
      data: { labels: data.labels, datasets: [{ label: heading, data: data.values, backgroundColor: BRAND,
                                                borderColor: BRAND, pointRadius: 4, tension: 0 }] },
      options: {
        indexAxis: horizontal ? "y" : "x", responsive: true, maintainAspectRatio: false, scales: scales,
        plugins: { legend: { display: false },
                   tooltip: { callbacks: { label: function (c) { return heading + ": " + format.format(c.parsed[valueAxis]); } } } }
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table[data-chart]"), draw);
})();
