// The provider map: <div id="provider-map" data-geo data-points data-detail data-form> + json_script "provider-kind-labels".
// Boundaries (GeoJSON, registered as an ECharts map) are fetched once; points are refetched when the
// filter form changes, without reloading the page.
(function () {
  var ELDERCARE = ["eldercare_home", "community_centre", "meal_point"];

  function params(form) {
    var out = new URLSearchParams();
    if (!form) return out;
    new FormData(form).forEach(function (value, key) {
      if (value === "") return;
      if (key === "vacancy") { out.set("has_vacancy", value === "yes" ? "true" : "false"); return; }
      if (key === "inclusive") { out.set("inclusive", value === "yes" ? "true" : "false"); return; }
      if (key === "page") return;
      out.set(key, value);
    });
    return out;
  }

  function draw() {
    var el = document.getElementById("provider-map");
    if (!el || !window.echarts) return;
    var d = el.dataset;
    var form = document.getElementById(d.form);
    var countEl = document.getElementById("provider-map-count");
    var labelsEl = document.getElementById("provider-kind-labels");
    var kindLabels = labelsEl ? JSON.parse(labelsEl.textContent) : {};
    var chart = echarts.init(el);
    chart.showLoading();

    function size(p) {
      var n = ELDERCARE.indexOf(p.kind) >= 0 ? p.beds : p.slots;
      return Math.max(6, Math.min(28, 4 + Math.sqrt(n || 0) * 1.6));
    }

    function point(p) {
      return {
        name: p.name,
        value: [p.lon, p.lat, p.vacancies],
        symbol: p.inclusive ? "diamond" : "circle",
        symbolSize: size(p),
        raw: p
      };
    }

    function tooltip(params) {
      var p = params.data && params.data.raw;
      if (!p) return echarts.format.encodeHTML(params.name || "");
      var care = ELDERCARE.indexOf(p.kind) >= 0;
      var lines = ["<strong>" + echarts.format.encodeHTML(p.name) + "</strong>", echarts.format.encodeHTML(String(kindLabels[p.kind] || p.kind))];
      lines.push(care ? d.labelBeds + ": " + p.beds : d.labelSlots + ": " + p.slots);
      lines.push(d.labelVacancies + ": " + p.vacancies);
      if (p.inclusive) lines.push(d.labelInclusive + (p.inclusive_slots ? ": " + p.inclusive_slots : ""));
      if (p.grade) lines.push(d.labelGrade + ": " + echarts.format.encodeHTML(String(p.grade)));
      if (p.credit_level) lines.push(d.labelCredit + ": " + echarts.format.encodeHTML(String(p.credit_level)));
      return lines.join("<br>");
    }

    function load() {
      var q = params(form).toString();
      chart.showLoading();
      return fetch(d.points + (q ? "?" + q : ""), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          var items = body.items || [];
          var care = [], child = [];
          items.forEach(function (p) { (ELDERCARE.indexOf(p.kind) >= 0 ? care : child).push(point(p)); });
          chart.setOption({
            series: [
              { id: "eldercare", name: d.labelEldercare, data: care },
              { id: "childcare", name: d.labelChildcare, data: child }
            ]
          });
          if (countEl) countEl.textContent = body.count + " · " + d.labelEldercare + " " + care.length + " · " + d.labelChildcare + " " + child.length;
          chart.hideLoading();
        });
    }

    fetch(d.geo, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (geo) {
        echarts.registerMap("providers-city", geo);
        chart.setOption({
          tooltip: { trigger: "item", formatter: tooltip },
          legend: { top: 6, left: "center" },
          geo: {
            map: "providers-city", roam: true, label: { show: true, color: "#64748b", fontSize: 11 },
            itemStyle: { areaColor: "#f8fafc", borderColor: "#94a3b8" },
            emphasis: { itemStyle: { areaColor: "#eef2f7" }, label: { show: true } }
          },
          series: [
            { id: "eldercare", name: d.labelEldercare, type: "scatter", coordinateSystem: "geo", data: [],
              itemStyle: { color: "#b4402a", opacity: 0.8, borderColor: "#fff", borderWidth: 0.5 } },
            { id: "childcare", name: d.labelChildcare, type: "scatter", coordinateSystem: "geo", data: [],
              itemStyle: { color: "#2a6fb4", opacity: 0.8, borderColor: "#fff", borderWidth: 0.5 } }
          ]
        });
        return load();
      });

    chart.on("click", function (params) {
      if (params.data && params.data.raw && d.detail) window.location.href = d.detail.replace("USCC", params.data.raw.uscc);
    });
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var q = new URLSearchParams(new FormData(form));
        Array.from(q.keys()).forEach(function (k) { if (!q.get(k)) q.delete(k); });
        history.replaceState(null, "", "?" + q.toString());
        load();
      });
      form.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
    }
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
