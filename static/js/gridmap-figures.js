/* The event figures page (/figures/events): bar charts of the rates and the
 * counts per unit, drawn with the vendored Chart.js from the JSON the page
 * carries (#figures-chart-data). No inline script: the page's CSP allows
 * none without a nonce. window.gridmapFigures exposes the charts for tests. */
(function () {
  "use strict";

  var dataNode = document.getElementById("figures-chart-data");
  if (!dataNode || typeof Chart === "undefined") return;
  var data = JSON.parse(dataNode.textContent);
  var T = data.texts;
  var COLORS = {
    disposal_rate: "#1f77b4", closing_rate: "#2ca02c", on_time_rate: "#ff7f0e", rework_rate: "#d62728",
    reported: "#7f7f7f", handled: "#1f77b4", closed: "#2ca02c"
  };
  // The page's font stack, so Chinese labels do not fall back to a missing default font.
  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily || Chart.defaults.font.family;
  Chart.defaults.animation = false;

  function datasets(series) {
    return series.map(function (s) {
      return { label: T[s.key], data: s.values, backgroundColor: COLORS[s.key] };
    });
  }

  function bar(canvasId, values, options) {
    var canvas = document.getElementById(canvasId);
    if (!canvas) return null;
    return new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets(values) },
      options: Object.assign({
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom" } }
      }, options)
    });
  }

  var rates = bar("figures-rates-chart", data.rates, {
    scales: { y: { min: 0, max: 100, title: { display: true, text: T.percent_axis } } },
    plugins: {
      legend: { position: "bottom" },
      tooltip: {
        callbacks: {
          label: function (ctx) {
            return ctx.dataset.label + ": " + (ctx.raw === null ? "–" : ctx.raw.toFixed(1) + "%");
          }
        }
      }
    }
  });
  var counts = bar("figures-counts-chart", data.counts, {
    scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: T.count_axis } } }
  });

  window.gridmapFigures = { rates: rates, counts: counts, units: data.labels.length };
})();
