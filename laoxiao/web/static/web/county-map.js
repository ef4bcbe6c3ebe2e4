// A county map coloured by one figure: <div id="county-map" data-geo="URL"> + json_script "county-map-data".
(function () {
  function draw() {
    var el = document.getElementById("county-map");
    var dataEl = document.getElementById("county-map-data");
    if (!el || !dataEl || !window.echarts) return;
    var data = JSON.parse(dataEl.textContent);
    fetch(el.dataset.geo, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (geo) {
        echarts.registerMap("city", geo);
        var values = data.values.map(function (v) { return v.value; });
        var chart = echarts.init(el);
        chart.setOption({
          title: { text: data.title, left: "center", textStyle: { fontSize: 13, fontWeight: "normal" } },
          tooltip: { trigger: "item", formatter: function (p) { return echarts.format.encodeHTML(p.name) + (p.value ? ": " + p.value + "%" : ""); } },
          visualMap: {
            min: values.length ? Math.floor(Math.min.apply(null, values)) : 0,
            max: values.length ? Math.ceil(Math.max.apply(null, values)) : 1,
            left: 10, bottom: 10, calculable: true, inRange: { color: ["#fde9e4", "#b4402a"] }
          },
          series: [{ type: "map", map: "city", roam: false, label: { show: true, fontSize: 11 }, data: data.values }]
        });
        window.addEventListener("resize", function () { chart.resize(); });
      });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
