// Charts of the projection and demand pages (ECharts). Data come from json_script elements:
// "demand-projection-data" (pyramid and trends), "demand-need-data" (needed, existing, gap by
// year) and "demand-map-data" (the gap per county, drawn on the county outlines at data-geo).
(function () {
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function chart(id) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    var c = echarts.init(el);
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }
  function fmt(v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString(); }

  function pyramid(d) {
    var c = chart("demand-pyramid");
    if (!c) return;
    var years = Object.keys(d.pyramids);
    var first = d.pyramids[years[0]], last = d.pyramids[years[years.length - 1]];
    var series = [
      { name: d.labels.male + " " + years[0], type: "bar", stack: "a", data: first.male.map(function (v) { return -v; }), itemStyle: { color: "#9db6d8" } },
      { name: d.labels.female + " " + years[0], type: "bar", stack: "a", data: first.female, itemStyle: { color: "#e8b4a6" } }
    ];
    if (years.length > 1) {
      series.push({ name: d.labels.male + " " + years[1], type: "line", step: "middle", data: last.male.map(function (v) { return -v; }), itemStyle: { color: "#2b5b9a" }, symbol: "none" });
      series.push({ name: d.labels.female + " " + years[1], type: "line", step: "middle", data: last.female, itemStyle: { color: "#b4402a" }, symbol: "none" });
    }
    c.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return fmt(Math.abs(v)); } },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 50, bottom: 30 },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return fmt(Math.abs(v)); } } },
      yAxis: { type: "category", data: first.groups },
      series: series
    });
  }

  function trends(d) {
    var c = chart("demand-trends");
    if (!c) return;
    var series = Object.keys(d.groups).map(function (k) {
      return { name: d.group_labels[k], type: "line", data: d.groups[k] };
    });
    c.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: fmt },
      legend: { top: 0 },
      grid: { left: 70, right: 20, top: 60, bottom: 30 },
      xAxis: { type: "category", data: d.years },
      yAxis: { type: "value", axisLabel: { formatter: fmt } },
      series: series
    });
  }

  function need(d) {
    var c = chart("demand-need");
    if (!c) return;
    c.setOption({
      animation: false,
      title: { text: d.title, left: "center", top: 0, textStyle: { fontSize: 13, fontWeight: "normal" } },
      tooltip: { trigger: "axis", valueFormatter: fmt },
      legend: { top: 28 },
      grid: { left: 70, right: 20, top: 70, bottom: 30 },
      xAxis: { type: "category", data: d.years },
      yAxis: { type: "value", axisLabel: { formatter: fmt } },
      series: [
        { name: d.labels.need, type: "line", data: d.need, itemStyle: { color: "#b4402a" } },
        { name: d.labels.supply, type: "line", step: "end", data: d.supply, itemStyle: { color: "#2b5b9a" } },
        { name: d.labels.gap, type: "bar", data: d.gap, itemStyle: { color: "#e8b4a6" } }
      ]
    });
  }

  function map(d) {
    var el = document.getElementById("demand-map");
    if (!el || !window.echarts || !d) return;
    fetch(el.dataset.geo, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (geo) {
        echarts.registerMap("city", geo);
        var values = d.values.map(function (v) { return v.value; });
        var lo = values.length ? Math.min.apply(null, values.concat([0])) : 0;
        var hi = values.length ? Math.max.apply(null, values.concat([1])) : 1;
        var c = echarts.init(el);
        c.setOption({
          title: { text: d.title, left: "center", textStyle: { fontSize: 13, fontWeight: "normal" } },
          tooltip: { trigger: "item", formatter: function (p) { return echarts.format.encodeHTML(p.name) + (p.value !== undefined && !isNaN(p.value) ? ": " + fmt(p.value) : ""); } },
          visualMap: { min: lo, max: hi, left: 10, bottom: 10, calculable: true, inRange: { color: ["#e3efe0", "#fde9e4", "#b4402a"] } },
          series: [{ type: "map", map: "city", roam: false, label: { show: true, fontSize: 11 }, data: d.values }]
        });
        window.addEventListener("resize", function () { c.resize(); });
      });
  }

  function draw() {
    var p = data("demand-projection-data");
    if (p) { pyramid(p); trends(p); }
    var n = data("demand-need-data");
    if (n) need(n);
    map(data("demand-map-data"));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
