/* GEMS statistics (PLAN-3): the rate per college against the school's, the destination mix and the rate through the
   season, drawn with the vendored ECharts from JSON the page carries (no inline script, nothing from elsewhere). */
(function () {
  "use strict";
  var source = document.getElementById("gems-stats-data");
  if (!window.echarts || !source) { return; }
  var data = JSON.parse(source.textContent || "{}");
  var charts = [];

  function draw(id, option, count) {
    var el = document.getElementById(id);
    if (!el) { return; }
    if (!count) {  // nothing to draw yet: say so instead of an empty frame
      option.graphic = {type: "text", left: "center", top: "middle",
        style: {text: el.getAttribute("data-empty") || "", fontSize: 14, fill: "#595959"}};
    }
    var chart = window.echarts.init(el);
    chart.setOption(option);
    charts.push(chart);
  }

  function title(id) {
    var el = document.getElementById(id);
    return {text: el ? el.getAttribute("data-title") : "", left: "center", textStyle: {fontSize: 15}};
  }

  var colleges = document.getElementById("chart-colleges");
  if (colleges) {
    var school = data.school;
    draw("chart-colleges", {
      title: title("chart-colleges"), tooltip: {trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; }},
      grid: {left: 16, right: 90, top: 48, bottom: 16, containLabel: true},  // room for the school line's label
      xAxis: {type: "category", data: data.colleges || [], axisLabel: {rotate: (data.colleges || []).length > 5 ? 35 : 0}},
      yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
      series: [{name: colleges.getAttribute("data-series"), type: "bar", data: data.rates || [],
        markLine: school == null ? undefined : {symbol: "none", data: [{yAxis: school,
          name: colleges.getAttribute("data-school")}], label: {formatter: colleges.getAttribute("data-school") + " {c}%"}}}]
    }, (data.colleges || []).length);
  }
  draw("chart-mix", {
    title: title("chart-mix"), tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
    series: [{type: "pie", radius: ["30%", "60%"], top: 30, data: data.mix || []}]
  }, (data.mix || []).length);
  var season = document.getElementById("chart-season");
  if (season) {
    var points = data.season || [];
    draw("chart-season", {
      title: title("chart-season"), tooltip: {trigger: "axis", valueFormatter: function (v) { return v + "%"; }},
      grid: {left: 16, right: 24, top: 48, bottom: 16, containLabel: true},
      xAxis: {type: "category", data: points.map(function (p) { return p[0]; })},
      yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
      series: [{name: season.getAttribute("data-series"), type: "line", smooth: true, areaStyle: {},
        data: points.map(function (p) { return p[1]; })}]
    }, points.length);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
