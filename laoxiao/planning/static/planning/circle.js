// The planning maps: <div id="circle-map" data-mode="coverage|access|siting" data-geo data-label-*>
// + json_script "circle-data" (the report the page was rendered with). County outlines come from
// data-geo (GeoJSON registered as an ECharts map); the view is fitted to the region's points.
(function () {
  function bounds(points) {
    var lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
    points.forEach(function (p) {
      lo[0] = Math.min(lo[0], p[0]); lo[1] = Math.min(lo[1], p[1]);
      hi[0] = Math.max(hi[0], p[0]); hi[1] = Math.max(hi[1], p[1]);
    });
    return [lo, hi];
  }

  function geoPoints(geo) {
    var out = [];
    (function walk(c) {
      if (typeof c[0] === "number") { out.push(c); return; }
      c.forEach(walk);
    })((geo.features || []).map(function (f) { return f.geometry ? f.geometry.coordinates : []; }));
    return out;
  }

  // centre and zoom that fit the region's points in the chart (ECharts draws the map with its
  // width/height ratio = lon span / lat span × aspectScale 0.75, as large as the chart allows)
  function fit(geo, points, el) {
    var city = bounds(geoPoints(geo)), box = bounds(points);
    var W = el.clientWidth || 600, H = Math.max((el.clientHeight || 460) - 40, 100);
    var scale = function (lon, lat) { return Math.min(W / (lon * 0.75), H / lat); };
    var w = Math.max(box[1][0] - box[0][0], 0.02), h = Math.max(box[1][1] - box[0][1], 0.02);
    var zoom = scale(w, h) / scale(city[1][0] - city[0][0], city[1][1] - city[0][1]) * 0.85;
    return { center: [(box[0][0] + box[1][0]) / 2, (box[0][1] + box[1][1]) / 2], zoom: Math.max(1, Math.min(zoom, 40)) };
  }

  function percentile(values, q) {
    var v = values.slice().sort(function (a, b) { return a - b; });
    return v.length ? v[Math.min(v.length - 1, Math.floor(q * (v.length - 1)))] : 0;
  }

  function size(weight, max) {
    return 4 + 14 * Math.sqrt((weight || 0) / (max || 1));
  }

  function draw() {
    var el = document.getElementById("circle-map");
    var dataEl = document.getElementById("circle-data");
    if (!el || !dataEl || !window.echarts) return;
    var d = el.dataset;
    var report = JSON.parse(dataEl.textContent);
    var demand = report.demand || [], supply = report.supply || [];
    if (!demand.length) return;
    var maxW = Math.max.apply(null, demand.map(function (p) { return p.weight; }).concat([1]));
    var enc = function (s) { return echarts.format.encodeHTML(String(s)); };
    var chart = echarts.init(el);
    chart.showLoading();

    function demandPoint(p, extra) {
      return Object.assign({ name: p.name, value: [p.lon, p.lat, p.weight], symbolSize: size(p.weight, maxW), raw: p }, extra || {});
    }
    function supplyPoint(p) {
      return { name: p.name, value: [p.lon, p.lat, p.weight], raw: p };
    }
    function tooltip(params) {
      var p = params.data && params.data.raw;
      if (!p) return params.name ? enc(params.name) : "";
      var lines = ["<strong>" + enc(p.name) + "</strong>"];
      if (p.order) {
        lines.push(d.labelOrder + ": " + p.order);
        lines.push(d.labelAdded + ": " + p.added_weight);
        return lines.join("<br>");
      }
      if (p.kind !== undefined) {
        if (p.weight) lines.push(d.labelCapacity + ": " + p.weight);
        return lines.join("<br>");
      }
      lines.push(d.labelPeople + ": " + p.weight);
      if (p.distance !== undefined && p.distance !== null) lines.push(d.labelDistance + ": " + Math.round(p.distance));
      if (p.per_1000 !== undefined) lines.push(d.labelScore + ": " + p.per_1000);
      return lines.join("<br>");
    }

    var series = [], visualMap = null, mode = d.mode;
    if (mode === "coverage" || mode === "siting") {
      var covered = [], uncovered = [], newly = [];
      demand.forEach(function (p) {
        if (p.covered) covered.push(demandPoint(p));
        else if (p.covered_after) newly.push(demandPoint(p));
        else uncovered.push(demandPoint(p));
      });
      series.push({ id: "covered", name: d.labelCovered, type: "scatter", coordinateSystem: "geo", data: covered,
        itemStyle: { color: "#2f8f5b", opacity: 0.75 } });
      series.push({ id: "uncovered", name: d.labelUncovered, type: "scatter", coordinateSystem: "geo", data: uncovered,
        itemStyle: { color: "#c0392b", opacity: 0.8 } });
      if (mode === "siting") {
        series.push({ id: "newly", name: d.labelNewly, type: "scatter", coordinateSystem: "geo", data: newly,
          itemStyle: { color: "#e6a23c", opacity: 0.85 } });
      }
    } else {
      var scores = demand.map(function (p) { return p.per_1000; });
      visualMap = {
        seriesIndex: 0, dimension: 3, min: 0, max: Math.max(1, Math.ceil(percentile(scores, 0.95))),
        left: 10, bottom: 10, calculable: true, text: [d.labelScore, ""],
        inRange: { color: ["#c0392b", "#f1c40f", "#2f8f5b"] }
      };
      series.push({ id: "scores", name: d.labelScore, type: "scatter", coordinateSystem: "geo",
        data: demand.map(function (p) { return { name: p.name, value: [p.lon, p.lat, p.weight, p.per_1000], symbolSize: size(p.weight, maxW), raw: p }; }),
        itemStyle: { opacity: 0.85 } });
    }
    series.push({ id: "providers", name: d.labelProviders, type: "scatter", coordinateSystem: "geo", symbol: "rect",
      symbolSize: 7, data: supply.map(supplyPoint), itemStyle: { color: "#2a6fb4", opacity: 0.9 } });
    if (mode === "siting") {
      series.push({ id: "chosen", name: d.labelChosen, type: "scatter", coordinateSystem: "geo", symbol: "pin", symbolSize: 26,
        data: (report.chosen || []).map(function (c) { return { name: c.name, value: [c.lon, c.lat, c.order], raw: c, label: { show: true, formatter: String(c.order), fontSize: 10, color: "#fff" } }; }),
        itemStyle: { color: "#7b3fb4" } });
    }

    fetch(d.geo, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (geo) {
        echarts.registerMap("circle-city", geo);
        var view = fit(geo, demand.concat(report.chosen || []).map(function (p) { return [p.lon, p.lat]; }), el);
        var option = {
          tooltip: { trigger: "item", formatter: tooltip },
          legend: { top: 4, left: "center" },
          geo: {
            map: "circle-city", roam: true, center: view.center, zoom: view.zoom,
            label: { show: true, color: "#94a3b8", fontSize: 11 },
            itemStyle: { areaColor: "#f8fafc", borderColor: "#94a3b8" },
            emphasis: { itemStyle: { areaColor: "#eef2f7" }, label: { show: true } }
          },
          series: series
        };
        if (visualMap) option.visualMap = visualMap;
        chart.setOption(option);
        chart.hideLoading();
      });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
