/* GEMS: draw FAB chart data (Google DataTable JSON: {cols: [...], rows: [{c: [{v}, ...]}]}) with Apache ECharts,
   served from the app itself (app/static/vendor/echarts). */
(function () {
  "use strict";
  if (!window.echarts) { return; }

  function option(el, table) {
    var cols = table.cols || [], rows = table.rows || [];
    var categories = rows.map(function (r) { return String(r.c[0].v); });
    var kind = el.getAttribute("data-chart-type") || "bar";
    var title = {text: el.getAttribute("data-chart-title") || "", left: "center", textStyle: {fontSize: 15}};
    if (kind === "pie") {
      return {title: title, tooltip: {trigger: "item"}, series: [{type: "pie", radius: "60%", top: 30,
        data: rows.map(function (r) { return {name: String(r.c[0].v), value: r.c[1].v}; })}]};
    }
    var series = cols.slice(1).map(function (col, i) {
      return {name: col.label, type: kind, data: rows.map(function (r) { return r.c[i + 1].v; })};
    });
    return {
      title: title, tooltip: {trigger: "axis"}, legend: {top: 28},
      grid: {left: 16, right: 24, top: 64, bottom: 16, containLabel: true},
      xAxis: {type: "category", data: categories, axisLabel: {rotate: categories.length > 8 ? 40 : 0}},
      yAxis: {type: "value", minInterval: 1}, series: series
    };
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-gems-chart]"), function (el) {
    var chart = window.echarts.init(el);
    chart.setOption(option(el, JSON.parse(el.getAttribute("data-gems-chart"))));
    window.addEventListener("resize", function () { chart.resize(); });
    if (window.jQuery) {  // a chart drawn in a closed tab or accordion has no size until it opens
      window.jQuery(document).on("shown.bs.tab shown.bs.collapse", function () { chart.resize(); });
    }
  });
}());
