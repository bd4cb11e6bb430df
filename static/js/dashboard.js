// The discipline dashboard's charts (Apache ECharts from static/vendor). The figures come from
// the page as JSON; no inline script, no eval (the Content-Security-Policy forbids both).
(function () {
  "use strict";
  const RISK = { red: "#d32f2f", yellow: "#f9a825", green: "#2e7d32" };
  const WARNING = { red: "#c62828", yellow: "#f9a825", blue: "#1565c0" };
  const RATING = { pending: "#90a4ae", counted: "#2e7d32", held: "#f9a825", rejected: "#9e9e9e" };
  // HTML tooltips would carry inline styles the policy refuses; draw them on the canvas.
  const tooltip = (trigger) => ({ trigger: trigger, renderMode: "richText" });

  function pie(rows, colours) {
    return {
      tooltip: tooltip("item"),
      legend: { bottom: 0, type: "scroll" },
      series: [{
        type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
        label: { formatter: "{b}: {c}" },
        data: rows.map((r) => ({
          name: r.name, value: r.value,
          itemStyle: colours && colours[r.key] ? { color: colours[r.key] } : undefined,
        })),
      }],
    };
  }

  function bars(rows, horizontal) {
    const names = rows.map((r) => r.name);
    const category = { type: "category", data: names, axisLabel: { interval: 0, rotate: horizontal ? 0 : 30 } };
    const value = { type: "value", minInterval: 1 };
    return {
      tooltip: tooltip("axis"),
      grid: { left: horizontal ? 110 : 50, right: 20, top: 20, bottom: horizontal ? 30 : 70 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({}, category, { axisLabel: { interval: 0 } }) : value,
      series: [{ type: "bar", data: rows.map((r) => r.value), itemStyle: { color: "#1f4e8c" } }],
    };
  }

  const BUILD = {
    street: (d) => bars(d.street, false),
    status: (d) => bars(d.status, true),
    tier: (d) => pie(d.tier),
    category: (d) => pie(d.category),
    risk: (d) => pie(d.risk, RISK),
    ratings: (d) => pie(d.ratings, RATING),
    warnings: (d) => pie(d.warnings, WARNING),
    open_warnings: (d) => pie(d.open_warnings, WARNING),
    month: (d) => ({
      tooltip: tooltip("axis"),
      legend: { bottom: 0 },
      grid: { left: 50, right: 70, top: 20, bottom: 60 },
      xAxis: { type: "category", data: d.month.map((r) => r.name) },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value" }],
      series: [
        { name: d.labels.count, type: "bar", data: d.month.map((r) => r.value), itemStyle: { color: "#1f4e8c" } },
        { name: d.labels.budget, type: "line", yAxisIndex: 1, data: d.month.map((r) => r.amount) },
      ],
    }),
    investment: (d) => ({
      tooltip: tooltip("axis"),
      legend: { bottom: 0 },
      grid: { left: 80, right: 20, top: 20, bottom: 70 },
      xAxis: { type: "category", data: d.investment.map((r) => r.street), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value" },
      series: ["filed", "contracted", "paid"].map((key) => ({
        name: d.labels[key], type: "bar", data: d.investment.map((r) => r[key]),
      })),
    }),
  };

  function draw() {
    const source = document.getElementById("chart-data");
    if (!source || typeof echarts === "undefined") return;
    const data = JSON.parse(source.textContent);
    const charts = [];
    document.querySelectorAll("[data-chart]").forEach((el) => {
      const build = BUILD[el.dataset.chart];
      if (!build) return;
      const chart = echarts.init(el, null, { renderer: "canvas" });
      // Browser tests and people alike can tell a chart has been drawn.
      chart.on("finished", () => { el.dataset.drawn = "true"; });
      chart.setOption(build(data));
      charts.push(chart);
    });
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
