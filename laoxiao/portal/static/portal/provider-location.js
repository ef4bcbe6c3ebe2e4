// One provider's location over the county boundaries: <div id="provider-location" data-geo> + json_script "provider-point".
(function () {
  function draw() {
    var el = document.getElementById("provider-location");
    var pointEl = document.getElementById("provider-point");
    if (!el || !pointEl || !window.echarts) return;
    var p = JSON.parse(pointEl.textContent);
    fetch(el.dataset.geo).then(function (r) { return r.json(); }).then(function (geo) {
      echarts.registerMap("provider-city", geo);
      var chart = echarts.init(el);
      chart.setOption({
        geo: { map: "provider-city", roam: true, label: { show: true, color: "#64748b", fontSize: 11 },
               itemStyle: { areaColor: "#f8fafc", borderColor: "#94a3b8" } },
        series: [{ type: "effectScatter", coordinateSystem: "geo", symbolSize: 12, itemStyle: { color: "#b4402a" },
                   data: [{ name: p.name, value: [p.lon, p.lat] }] }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
