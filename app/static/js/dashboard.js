/* The home page's charts (Apache ECharts, served from the app): the numbers and links come from the page's
   <script type="application/json" id="dashboard-data">, the same ones its tables show; a click opens the list. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }

  // colour per review state, readable on white and distinct for common colour-vision deficiencies
  var COLOURS = { secondary: "#1f77b4", central: "#9467bd", complete: "#2ca02c", rejected: "#d62728",
                  draft: "#7f7f7f" };

  function openLink(params) {
    var link = params.data && params.data.link;
    if (link) { window.location.href = link; }
  }

  function progressChart(el, data) {
    var chart = window.echarts.init(el);
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "item" },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.progress.map(function (p) { return p.name; }) },
      series: [{ type: "bar", label: { show: true, position: "right" },
                 data: data.progress.map(function (p) {
                   return { value: p.value, link: p.link, itemStyle: { color: COLOURS[p.key] } };
                 }) }]
    });
    chart.on("click", openLink);
    return chart;
  }

  function collegeChart(el, data) {
    var chart = window.echarts.init(el);
    chart.setOption({
      animation: false,
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.colleges },
      series: data.by_college.map(function (s) {
        return { name: s.name, type: "bar", stack: "total", data: s.data,
                 itemStyle: { color: COLOURS[s.key] } };
      })
    });
    chart.on("click", openLink);
    return chart;
  }

  ready(function () {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent || "null");
    if (!data) { return; }
    var charts = [];
    var progress = document.getElementById("chart-progress");
    if (progress && data.progress.length) { charts.push(progressChart(progress, data)); }
    var colleges = document.getElementById("chart-colleges");
    if (colleges && data.colleges.length) { charts.push(collegeChart(colleges, data)); }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    document.body.setAttribute("data-charts-ready", String(charts.length));
  });
})();
