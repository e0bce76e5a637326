/* Charts for /insights/ and the home page map: ECharts (vendored, static/vendor/) drawn as SVG.
   Every bar and region carries the URL of the list it counts; the tables beside hold the same
   numbers for screen readers and copying. */
(function () {
  "use strict";
  if (!window.echarts) return;
  window.insightCharts = {};
  var NONE = "#e8e8e8";
  var RAMP = ["#d6e6f5", "#9ecae1", "#4292c6", "#08519c"];

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function follow(params) {
    if (params.data && params.data.url) window.location.href = params.data.url;
  }

  /* ---- the map ---- */
  /* A province with cities in the data drills in place: its city map fills the same panel, the
     table beside lists its cities, and a button goes back to the country. */
  function cityTable(el, layer, province, cities) {
    var table = el.parentNode.querySelector("table.city-table");
    if (!table) return;
    table.querySelector("caption").textContent = (el.dataset.cityCaption || "{province}: {metric}")
      .replace("{province}", province.label).replace("{metric}", layer.label);
    table.querySelector("thead th.num").textContent = layer.label;
    var body = table.querySelector("tbody");
    body.textContent = "";
    cities.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.dataset.code = c.code;
      var name = document.createElement("td");
      name.textContent = c.name;
      var num = document.createElement("td");
      num.className = "num";
      var a = document.createElement("a");
      a.href = c.url;
      a.textContent = c.value;
      num.appendChild(a);
      tr.append(name, num);
      body.appendChild(tr);
    });
    el.parentNode.querySelectorAll("table[data-metric]").forEach(function (t) { t.hidden = true; });
    table.hidden = false;
  }

  function setupMap(el) {
    var layers = data(el.dataset.source);
    if (!layers) return;
    var chart = echarts.init(el, null, { renderer: "svg" });
    window.insightCharts[el.id] = chart;
    var metric = Object.keys(layers)[0];
    // The drill bar sits above the panel (outside its grid) so the map keeps its column.
    var bar = el.dataset.drill ? document.getElementById(el.dataset.drill) : null;
    var geoCache = {};

    function load(key, url) {
      if (geoCache[key]) return Promise.resolve(key);
      return fetch(url).then(function (r) {
        if (!r.ok) throw new Error(url);
        return r.json();
      }).then(function (geo) {
        echarts.registerMap(key, geo);
        geoCache[key] = true;
        return key;
      });
    }

    function draw(mapKey, items) {
      var peak = items.reduce(function (m, d) { return Math.max(m, d.value); }, 1);
      chart.setOption({
        tooltip: {
          trigger: "item",
          formatter: function (p) { return p.data ? p.data.label + ": " + p.data.value : ""; },
        },
        visualMap: { min: 1, max: Math.max(peak, 2), inRange: { color: RAMP }, calculable: false, left: 0, bottom: 0,
                     outOfRange: { color: NONE } },
        series: [{
          type: "map", map: mapKey, nameProperty: "code", roam: false,
          itemStyle: { areaColor: NONE, borderColor: "#fff", borderWidth: 0.6 },
          emphasis: { label: { show: false }, itemStyle: { areaColor: "#fdae6b" } },
          select: { disabled: true },
          label: { show: false },
          data: items.map(function (d) {
            return { name: d.code, value: d.value, url: d.url, label: d.name, code: d.code };
          }),
        }],
      }, true);
      el.dataset.drawn = mapKey;
    }

    function showChina() {
      if (bar) { bar.textContent = ""; bar.hidden = true; }
      el.parentNode.querySelectorAll("table[data-metric]").forEach(function (t) {
        t.hidden = t.dataset.metric !== metric;
      });
      var cityT = el.parentNode.querySelector("table.city-table");
      if (cityT) cityT.hidden = true;
      return load("china", el.dataset.geo).then(function () { draw("china", layers[metric].provinces); });
    }

    function drillBar(p) {
      if (!bar) return;
      bar.textContent = "";
      var link = document.createElement("a");
      link.href = p.data.url;
      link.className = "province-list";
      link.textContent = p.data.label + " · " + layers[metric].label + " " + p.data.value;
      var here = document.createElement("a");
      var query = new URLSearchParams(window.location.search);
      query.set("province", p.data.code);
      query.delete("city");
      here.href = "?" + query.toString();
      here.textContent = el.dataset.provinceInsights || "";
      var back = document.createElement("button");
      back.type = "button";
      back.className = "map-back";
      back.textContent = el.dataset.back || "China";
      back.addEventListener("click", showChina);
      bar.append(back, " ", link, " · ", here);
      bar.hidden = false;
    }

    function drill(p) {
      var cities = (layers[metric].cities || {})[p.data.code];
      if (!cities || !cities.length || !el.dataset.provinceGeo) {
        follow(p);
        return;
      }
      var key = "province-" + p.data.code;
      load(key, el.dataset.provinceGeo + p.data.code + ".json").then(function () {
        drillBar(p);
        draw(key, cities);
        cityTable(el, layers[metric], p.data, cities);
      }).catch(function () { follow(p); });
    }

    chart.on("click", function (p) {
      if (!p.data) return;
      if (p.data.code && p.data.code.slice(2) === "0000") drill(p);
      else follow(p);
    });
    document.querySelectorAll(".map-switch button").forEach(function (b) {
      b.addEventListener("click", function () {
        metric = b.dataset.metric;
        document.querySelectorAll(".map-switch button").forEach(function (o) {
          o.setAttribute("aria-pressed", String(o === b));
        });
        showChina();
      });
    });
    // Opened for one province (?province=…): start drilled into it, once the country is drawn.
    var start = el.dataset.startProvince && layers[metric].provinces.filter(function (d) {
      return d.code === el.dataset.startProvince;
    })[0];
    showChina().then(function () {
      if (start) drill({ data: { code: start.code, label: start.name, value: start.value, url: start.url } });
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  /* ---- bars ---- */
  function setupBars() {
    var all = data("chart-data");
    if (!all) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var c = all[el.dataset.chart];
      if (!c) return;
      var chart = echarts.init(el, null, { renderer: "svg" });
      window.insightCharts[el.id] = chart;
      var option;
      if (c.kind === "stacked" || c.kind === "grouped") {
        // "grouped": keys that overlap (a notice with several topics) stand side by side; only
        // keys that split the records (a case has one category) are stacked into a total.
        option = {
          tooltip: { trigger: "item" },
          legend: { type: "scroll", top: 0 },
          grid: { left: 10, right: 10, top: 40, bottom: 10, containLabel: true },
          xAxis: { type: "category", data: c.categories },
          yAxis: { type: "value", minInterval: 1 },
          series: c.series.map(function (s) {
            var one = { name: s.name, type: "bar", data: s.data };
            if (c.kind === "stacked") one.stack = "all";
            return one;
          }),
        };
      } else {
        var labels = c.rows.map(function (r) { return String(r[0]); }).reverse();
        var values = c.rows.map(function (r, i) { return { value: r[c.value_index], url: c.urls[i] }; });
        option = {
          tooltip: { trigger: "item" },
          grid: { left: 10, right: 30, top: 10, bottom: 20, containLabel: true },
          xAxis: { type: "value" },
          yAxis: { type: "category", data: labels, axisLabel: { width: 220, overflow: "truncate" } },
          series: [{ type: "bar", data: values.reverse() }],
        };
      }
      chart.setOption(option);
      chart.on("click", follow);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function start() {
    document.querySelectorAll("[data-source]").forEach(setupMap);
    setupBars();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
