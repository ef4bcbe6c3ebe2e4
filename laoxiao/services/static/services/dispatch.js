// The dispatch board's map: <div id="dispatch-map" data-geo data-detail> + json_script "dispatch-points"
// ({id, name, item, time, status, status_label, lon, lat}). Boundaries are the city's counties.
(function () {
  var COLORS = { requested: "#b4402a", accepted: "#d98c1f", assigned: "#2a6fb4", in_service: "#6b4fb4", done: "#2a8f4f", confirmed: "#2a8f4f", cancelled: "#94a3b8", disputed: "#7f1d1d" };

  function draw() {
    var el = document.getElementById("dispatch-map");
    var dataEl = document.getElementById("dispatch-points");
    if (!el || !window.echarts || !dataEl) return;
    var points = JSON.parse(dataEl.textContent);
    var countEl = document.getElementById("dispatch-map-count");
    var chart = echarts.init(el);
    chart.showLoading();
    var enc = echarts.format.encodeHTML;
    var data = points.map(function (p) {
      return { name: p.name, value: [p.lon, p.lat], raw: p, itemStyle: { color: COLORS[p.status] || "#334155" } };
    });
    fetch(el.dataset.geo, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (geo) {
        echarts.registerMap("dispatch-city", geo);
        chart.setOption({
          tooltip: {
            trigger: "item",
            formatter: function (params) {
              var p = params.data && params.data.raw;
              if (!p) return enc(params.name || "");
              return "<strong>" + enc(p.time + " " + p.name) + "</strong><br>" + enc(p.item) + "<br>" + enc(p.status_label);
            }
          },
          geo: {
            map: "dispatch-city", roam: true,
            itemStyle: { areaColor: "#f8fafc", borderColor: "#94a3b8" },
            label: { show: false }
          },
          series: [{ id: "orders", type: "scatter", coordinateSystem: "geo", symbolSize: 10, data: data }]
        });
        chart.hideLoading();
        if (countEl) countEl.textContent = String(points.length);
        el.setAttribute("data-ready", "1");
      });
    chart.on("click", function (params) {
      if (params.data && params.data.raw) window.location.href = el.dataset.detail.replace("/0/", "/" + params.data.raw.id + "/");
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
