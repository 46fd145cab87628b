/* GridMap patrol map: density cells, grids with patrol figures, a worker's track with playback.
 *
 * Loaded after gridmap-maps.js (app/patrols/map.py). Registers three layer
 * kinds with GridMap.kinds (density, patrolGrids, track); the layers
 * themselves are GridMap.remoteGeoJson layers, so loading, errors and
 * window.gridmapLayers work as on every map page. The page's filter form
 * calls GridMapPatrols.apply(query). Playback state is exposed as
 * window.gridmapPatrols.playback for tests and the console.
 */
(function () {
  "use strict";

  var GM = (window.GridMap = window.GridMap || {});
  GM.kinds = GM.kinds || {};
  var P = (window.GridMapPatrols = window.GridMapPatrols || {});
  var state = (window.gridmapPatrols = { playback: { index: 0, count: 0, playing: false, time: null } });
  var settings = { densityColors: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"] };
  var map = null;
  var marker = null;
  var points = []; // [{t, latlng}] of the loaded track, in time order
  var timer = null;

  function t(key) {
    return (settings.texts && settings.texts[key]) || key;
  }

  // gridmap-maps.js's (loaded on every map page); looked up when called, whatever the load order.
  function fmt(template, values) { return window.GridMap.fmt(String(template), values); }
  function esc(value) { return window.GridMap.esc(value); }

  function row(label, value) {
    if (value === undefined || value === null || value === "") return "";
    return "<tr><th>" + esc(label) + "</th><td>" + esc(value) + "</td></tr>";
  }

  function pct(x) {
    return x === null || x === undefined ? "" : (Math.round(x * 1000) / 10).toFixed(1) + "%";
  }

  // ---- layer kinds ---------------------------------------------------------

  GM.kinds.density = function (opts) {
    var colors = (opts.style && opts.style.colors) || settings.densityColors;
    return {
      interactive: true,
      style: function (feature) {
        var share = (feature.properties && feature.properties.share) || 0;
        var i = Math.min(colors.length - 1, Math.floor(Math.sqrt(share) * colors.length));
        return { stroke: false, fillColor: colors[i], fillOpacity: 0.65 };
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(fmt(t("density_tip"), { n: feature.properties.fixes }), { sticky: true });
      },
    };
  };

  GM.kinds.patrolGrids = function (opts) {
    var style = opts.style || {};
    return {
      style: function (feature) {
        var s = L.extend({}, style.base || {});
        if (feature.properties && feature.properties.under_patrolled) s = L.extend(s, style.under || {});
        return s;
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        var reasons = (p.under_reasons || []).map(function (r) { return t("under_" + r); }).join(", ");
        var html = "<div class=\"gm-tip\"><strong>" + esc(p.name) + "</strong><table>" +
          row(t("code"), p.code) +
          row(t("patrol_hours"), p.hours + " / " + Math.round((p.target_seconds || 0) / 360) / 10) +
          row(t("visited_share"), pct(p.visited_share) + " (" + p.visited_cells + "/" +
            (p.total_cells === null || p.total_cells === undefined ? "–" : p.total_cells) + ")") +
          row(t("distance"), Math.round(p.distance_m) + " m") +
          row(t("workers"), p.workers) +
          (p.places ? row(t("places"), p.places_visited + "/" + p.places) : "") +
          (p.under_patrolled ? "<tr><th>" + esc(t("under")) + "</th><td class=\"gm-no-worker\">" + esc(reasons) + "</td></tr>" : "") +
          "</table></div>";
        layer.bindTooltip(html, { sticky: true });
      },
    };
  };

  GM.kinds.track = function (opts) {
    var base = (opts.style && opts.style.base) || {};
    return {
      style: function () { return L.extend({}, base); },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 4, color: base.color, fillOpacity: 0.8 });
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        layer.bindTooltip("<div class=\"gm-tip\"><table>" +
          row(t("session"), p.session) + row(t("from"), (p.start || "").slice(11, 19)) +
          row(t("to"), (p.end || "").slice(11, 19)) + row(t("fixes"), p.fixes) +
          row(t("distance"), Math.round(p.distance_m) + " m") + "</table></div>", { sticky: true });
      },
    };
  };

  // ---- playback ------------------------------------------------------------

  function byId(id) { return document.getElementById(id); }

  function clock(ms) {
    var d = new Date(ms + 8 * 3600 * 1000); // Beijing time, whatever the browser's zone
    return d.toISOString().slice(11, 19);
  }

  function collect(entry) {
    points = [];
    entry.layer.eachLayer(function (layer) {
      var f = layer.feature;
      if (!f || !f.geometry) return;
      var times = (f.properties && f.properties.times) || [];
      var coords = f.geometry.type === "Point" ? [f.geometry.coordinates] : f.geometry.coordinates;
      coords.forEach(function (c, i) {
        points.push({ t: times[i], latlng: L.latLng(c[1], c[0]) });
      });
    });
    points.sort(function (a, b) { return a.t - b.t; });
  }

  function show(index) {
    var pb = state.playback;
    pb.count = points.length;
    var slider = byId("patrol-slider");
    var label = byId("patrol-time");
    if (!points.length) {
      pb.index = 0;
      pb.time = null;
      if (marker) { map.removeLayer(marker); marker = null; }
      if (slider) { slider.max = 0; slider.value = 0; slider.disabled = true; }
      if (label) label.textContent = t("no_track");
      return;
    }
    index = Math.max(0, Math.min(points.length - 1, index));
    pb.index = index;
    pb.time = points[index].t;
    var at = points[index].latlng;
    if (!marker) {
      marker = L.circleMarker(at, { radius: 7, color: "#fff", weight: 2, fillColor: "#e31a1c", fillOpacity: 1 });
      marker.addTo(map);
    } else {
      marker.setLatLng(at);
    }
    marker.bringToFront();
    if (slider) { slider.disabled = false; slider.max = points.length - 1; slider.value = index; }
    if (label) label.textContent = clock(points[index].t) + " (" + (index + 1) + "/" + points.length + ")";
  }

  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    state.playback.playing = false;
    var button = byId("patrol-play");
    if (button) button.textContent = t("play");
  }

  function play() {
    if (!points.length) return;
    if (state.playback.index >= points.length - 1) show(0);
    state.playback.playing = true;
    var button = byId("patrol-play");
    if (button) button.textContent = t("pause");
    // About 20 fixes a second: a 10 s fix interval plays 200 times faster than real time.
    timer = setInterval(function () {
      if (state.playback.index >= points.length - 1) { stop(); return; }
      show(state.playback.index + 1);
    }, 50);
  }

  function wireControls() {
    var button = byId("patrol-play");
    var slider = byId("patrol-slider");
    if (button) button.addEventListener("click", function () { if (timer) stop(); else play(); });
    if (slider) slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10) || 0); });
  }

  // ---- public --------------------------------------------------------------

  P.init = function (leafletMap, options) {
    map = leafletMap;
    settings = L.extend(settings, options || {});
    document.addEventListener("gridmap:loaded", function (event) {
      if (event.detail && event.detail.key === "track") {
        stop();
        collect(window.gridmapLayers.track);
        show(0);
      }
    });
    wireControls();
    show(0);
  };

  /* New filters: period (and cell shape) for density, period and level for grids, worker and day for the track. */
  P.apply = function (query) {
    GM.setQuery("density", { from: query.from, to: query.to, shape: query.shape || "hex" });
    GM.setQuery("patrolGrids", { from: query.from, to: query.to, level: query.level });
    GM.setQuery("track", { worker: query.worker, date: query.date });
  };

  P.play = play;
  P.stop = stop;
  P.show = show;
})();
