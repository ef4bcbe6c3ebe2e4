// The budget-use bar chart: data embedded in the page (#budget-data), drawn with ECharts.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("budget-chart");
    var src = document.getElementById("budget-data");
    if (!el || !src || typeof echarts === "undefined") return;
    var data = JSON.parse(src.textContent);
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: data.unit },
      yAxis: { type: "category", data: data.categories, inverse: true },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "use", data: s.data, emphasis: { focus: "series" } };
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
