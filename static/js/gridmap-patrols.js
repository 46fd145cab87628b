/* GridMap patrol map: density cells, grids with patrol figures, a worker's track with playback.
 *
 * An ES module (app/patrols/map.py). Registers three layer kinds with
 * gridmap-maps.js (density, patrolGrids, track); the layers themselves are
 * GridMap.remoteGeoJson layers, so loading, errors and window.gridmapLayers
 * work as on every map page. folium's map script calls GridMapPatrols.init;
 * the page's filter form calls GridMapPatrols.apply(query). Playback state is
 * exposed as window.gridmapPatrols.playback for tests and the console.
 */
import { beijingClock, byId, esc, fmt, row, textsOf } from "./core.js";
import { kinds, layers, setQuery } from "./gridmap-maps.js";

var state = (window.gridmapPatrols = { playback: { index: 0, count: 0, playing: false, time: null } });
var settings = { densityColors: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"] };
var t = textsOf(settings);
var map = null;
var marker = null;
var points = []; // [{t, latlng}] of the loaded track, in time order
var timer = null;

function pct(x) {
  return x === null || x === undefined ? "" : (Math.round(x * 1000) / 10).toFixed(1) + "%";
}

// ---- layer kinds ---------------------------------------------------------

kinds.density = function (opts) {
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

kinds.patrolGrids = function (opts) {
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

kinds.track = function (opts) {
  var base = (opts.style && opts.style.base) || {};
  return {
    style: function () { return L.extend({}, base); },
    pointToLayer: function (feature, latlng) {
      return L.circleMarker(latlng, { radius: 4, color: base.color, fillOpacity: 0.8 });
    },
    onEachFeature: function (feature, layer) {
      var p = feature.properties || {};
      layer.bindTooltip("<div class=\"gm-tip\"><table>" +
        row(t("session"), p.session) + row(t("from"), beijingClock(p.start)) +
        row(t("to"), beijingClock(p.end)) + row(t("fixes"), p.fixes) +
        row(t("distance"), Math.round(p.distance_m) + " m") + "</table></div>", { sticky: true });
    },
  };
};

// ---- playback ------------------------------------------------------------

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
  if (label) label.textContent = beijingClock(points[index].t) + " (" + (index + 1) + "/" + points.length + ")";
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

function init(leafletMap, options) {
  map = leafletMap;
  L.extend(settings, options || {});
  document.addEventListener("gridmap:loaded", function (event) {
    if (event.detail && event.detail.key === "track") {
      stop();
      collect(layers.track);
      show(0);
    }
  });
  wireControls();
  show(0);
}

/* New filters: period (and cell shape) for density, period and level for grids, worker and day for the track. */
function apply(query) {
  setQuery("density", { from: query.from, to: query.to, shape: query.shape || "hex" });
  setQuery("patrolGrids", { from: query.from, to: query.to, level: query.level });
  setQuery("track", { worker: query.worker, date: query.date });
}

/* What folium's map script and the page's filter form call, and the console. */
window.GridMapPatrols = { init: init, apply: apply, play: play, stop: stop, show: show };
