// The plan's cockpit: charts of the chosen indicator from the data embedded in the page
// (json_script "cockpit-data"): over the periods, across the sub-regions (bar with the target
// line) and, on the city's page, the county map coloured by the indicator.
(function () {
  "use strict";
  var charts = {};
  var geoReady = null;

  function fmt(template, vars) {
    return template.replace(/%\((\w+)\)s/g, function (_m, k) { return vars[k] == null ? "" : vars[k]; });
  }

  function round(v) { return v == null ? null : Math.round(v * 100) / 100; }

  function byCode(data, code) {
    for (var i = 0; i < data.indicators.length; i++) if (data.indicators[i].code === code) return data.indicators[i];
    return null;
  }

  function chartFor(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    if (!charts[id]) charts[id] = echarts.init(el);
    return charts[id];
  }

  function targetLine(ind, labels) {
    return {
      silent: true, symbol: "none",
      lineStyle: { color: "#1a7f45", type: "dashed" },
      label: { formatter: labels.target + "\n" + ind.comparator_sign + " " + ind.target, position: "end", color: "#1a7f45" },
      data: [{ yAxis: ind.target }]
    };
  }

  function drawTrend(data, ind) {
    var chart = chartFor("chart-trend");
    if (!chart) return;
    var L = data.labels, series = data.series[ind.code] || {}, periods;
    if (ind.monthly && data.months.length) {
      periods = data.months.slice();
    } else {
      var years = {};
      data.years.forEach(function (y) { years[y] = 1; });
      Object.keys(ind.plan_line).forEach(function (y) { years[y] = 1; });
      periods = Object.keys(years).sort();
    }
    var values = periods.map(function (p) {  // the page's period stands out
      var v = p in series ? round(series[p]) : null;
      return p === data.period ? { value: v, symbolSize: 12, itemStyle: { color: "#b4402a" } } : v;
    });
    var plan = periods.map(function (p) { return p in ind.plan_line ? ind.plan_line[p] : null; });
    var list = [{
      name: L.value, type: "line", data: values, connectNulls: true, symbolSize: 7,
      itemStyle: { color: "#2a6fb4" }, markLine: targetLine(ind, L)
    }];
    if (!ind.monthly && Object.keys(ind.plan_line).length) {
      list.push({ name: L.plan, type: "line", data: plan, connectNulls: true, symbol: "none",
        lineStyle: { type: "dotted", color: "#b7791f" }, itemStyle: { color: "#b7791f" } });
    }
    chart.setOption({
      title: { text: fmt(L.over_periods, { name: ind.code + " " + ind.name }), left: "center", textStyle: { fontSize: 13, fontWeight: "normal", width: 360, overflow: "truncate" } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? L.no_value : v + " " + ind.unit; } },
      legend: { bottom: 0 },
      grid: { left: 50, right: 70, top: 56, bottom: 50 },
      xAxis: { type: "category", data: periods },
      yAxis: { type: "value", name: ind.unit, scale: true,  // keep the target line in view
        min: function (v) { return Math.floor(Math.min(v.min, ind.target)); },
        max: function (v) { return Math.ceil(Math.max(v.max, ind.target)); } },
      series: list
    }, true);
  }

  function drawChildren(data, ind) {
    var chart = chartFor("chart-children");
    if (!chart) return;
    var L = data.labels, values = data.by_child[ind.code] || {};
    var names = data.children.map(function (r) { return r.name; });
    var bars = data.children.map(function (r) { return r.code in values ? round(values[r.code]) : null; });
    var series = { name: L.value, type: "bar", data: bars, itemStyle: { color: "#2a6fb4" },
      label: { show: true, position: "top", fontSize: 11 } };
    if (!ind.count) series.markLine = targetLine(ind, L);  // counts: the target is the whole city's
    chart.setOption({
      title: { text: fmt(L.across, { name: ind.code + " " + ind.name, period: data.period }), left: "center", textStyle: { fontSize: 13, fontWeight: "normal", width: 360, overflow: "truncate" } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? L.no_value : v + " " + ind.unit; } },
      grid: { left: 50, right: 70, top: 56, bottom: 60 },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 35 : 0 } },
      yAxis: { type: "value", name: ind.unit },
      graphic: bars.some(function (v) { return v != null; }) ? [] : [{
        type: "text", left: "center", top: "middle", style: { text: L.no_child_values, fill: "#6b7280", fontSize: 13 }
      }],
      series: [series]
    }, true);
    chart.getDom().dataset.indicator = ind.code;
  }

  function drawMap(data, ind) {
    var el = document.getElementById("chart-map");
    if (!el || !data.geo) return;
    if (!geoReady) {
      geoReady = fetch(data.geo, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (geo) { echarts.registerMap("cockpit-city", geo); });
    }
    geoReady.then(function () {
      var chart = chartFor("chart-map"), L = data.labels, values = data.by_child[ind.code] || {};
      var points = data.children.map(function (r) { return { name: r.name, value: r.code in values ? round(values[r.code]) : null, code: r.code }; });
      var known = points.map(function (p) { return p.value; }).filter(function (v) { return v != null; });
      var lo = known.length ? Math.floor(Math.min.apply(null, known)) : 0, hi = known.length ? Math.ceil(Math.max.apply(null, known)) : 1;
      if (lo === hi) { lo = lo - 1; hi = hi + 1; }
      chart.setOption({
        title: { text: fmt(L.map, { name: ind.code + " " + ind.name, period: data.period }), left: "center", textStyle: { fontSize: 13, fontWeight: "normal", width: 360, overflow: "truncate" } },
        tooltip: { trigger: "item", formatter: function (p) {
          var enc = echarts.format.encodeHTML;  // region names and labels are data: never HTML
          var v = p.data && p.data.value != null ? p.data.value + " " + ind.unit : L.no_value;
          return enc(p.name) + "<br>" + enc(ind.code + ": " + v) + (ind.count ? "" : "<br>" + enc(L.target + " " + ind.comparator_sign + " " + ind.target));
        } },
        visualMap: { min: lo, max: hi, left: 10, bottom: 10, calculable: true,
          inRange: { color: ["#fde9e4", "#b4402a"] } },
        series: [{ type: "map", map: "cockpit-city", roam: false, layoutCenter: ["58%", "55%"], layoutSize: "88%",
          label: { show: true, fontSize: 11 }, data: points }]
      }, true);
      el.dataset.indicator = ind.code;
      el.dataset.values = JSON.stringify(values);
    });
  }

  function select(data, code, push) {
    var ind = byCode(data, code);
    if (!ind) return;
    drawTrend(data, ind);
    drawChildren(data, ind);
    drawMap(data, ind);
    document.querySelectorAll(".kpi.selected").forEach(function (k) { k.classList.remove("selected"); });
    var card = document.getElementById("card-" + code);
    if (card) card.classList.add("selected");
    var hidden = document.getElementById("period-indicator");
    if (hidden) hidden.value = code;
    if (push && window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      url.searchParams.set("indicator", code);
      window.history.replaceState(null, "", url.toString());
    }
  }

  function init() {
    var dataEl = document.getElementById("cockpit-data");
    if (!dataEl || !window.echarts) return;
    var data = JSON.parse(dataEl.textContent);
    var box = document.getElementById("chart-indicator");
    if (box) box.addEventListener("change", function () { select(data, box.value, true); });
    document.querySelectorAll(".show-chart").forEach(function (b) {
      b.addEventListener("click", function () {
        if (box) box.value = b.dataset.code;
        select(data, b.dataset.code, true);
        document.getElementById("charts").scrollIntoView({ behavior: "smooth" });
      });
    });
    if (data.selected) select(data, data.selected, false);
    window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
