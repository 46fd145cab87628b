/* GridMap map helpers: layers whose GeoJSON the browser fetches from the API.
 *
 * An ES module, loaded by every map page after Leaflet (see app/maps/assets.py).
 * The folium elements in app/maps/elements.py call GridMap.init,
 * GridMap.remoteGeoJson and GridMap.legend from the page's map script (a
 * module too, so it runs after this one); the page modules (dispatch,
 * patrols, plan) import from here instead. Every layer is also exposed as
 * window.gridmapLayers[key] = {layer, target, count, loaded, error, url}
 * so pages, tests and the console can inspect it.
 */
import { api, beijingTime, byId, errorOf, esc, fmt, row, textsOf } from "./core.js";
import { gcjTileLayer, gcjToWgs, wgsToGcj } from "./gcj.js";

export var layers = (window.gridmapLayers = window.gridmapLayers || {});
/* Other modules register extra layer kinds here: kinds[kind] = function (opts) { return L.geoJSON options; } */
export var kinds = {};
var settings = { texts: {} };
var t = textsOf(settings);
var pending = 0;
var order = []; // draw order: later entries stay on top
// Bottom to top: filled levels, smallest last, then the outline-only levels.
// Coarser levels stay on top: their boundaries coincide with finer ones and must stay visible.
var LEVEL_ORDER = ["communities", "micro", "grid", "community", "dedicated", "subdistrict", "district"];

function setStatus() {
  var el = byId("gridmap-status");
  if (!el) return;
  el.textContent = pending > 0 ? t("loading") : "";
  el.hidden = pending === 0;
}

function showError(message) {
  var el = byId("gridmap-error");
  if (!el) return;
  el.textContent = message;
  el.hidden = !message;
}

/* The map's notice overlay ("zoom in to see ..."): each writer keeps its text under a key of its
 * own and the overlay shows them all. */
export function hint(key, message) {
  var el = byId("gridmap-hint");
  if (!el) return;
  el.dataset[key] = message || "";
  var parts = [];
  Object.keys(el.dataset).forEach(function (k) {
    if (el.dataset[k]) parts.push(el.dataset[k]);
  });
  el.textContent = parts.join(" ");
  el.hidden = parts.length === 0;
}

// ---- grids ---------------------------------------------------------------

function gridTooltip(p) {
  var html = "<div class=\"gm-tip\"><strong>" + esc(p.name) + "</strong>";
  if (p.level_label || p.level) html += " <span class=\"gm-tip-level\">" + esc(p.level_label || t("level_" + p.level)) + "</span>";
  html += "<table>" + row(t("code"), p.code);
  if (p.staffed === false) {
    html += "<tr><th>" + esc(t("worker")) + "</th><td class=\"gm-no-worker\">" + esc(t("no_worker")) + "</td></tr>";
  } else {
    html += row(t("worker"), p.worker) + row(t("phone"), p.phone);
  }
  html += row(t("households"), p.households) + row(t("population"), p.population);
  return html + "</table></div>";
}

function gridOptions(opts) {
  var style = opts.style || {};
  return {
    interactive: opts.interactive !== false,
    style: function (feature) {
      var s = L.extend({}, style.base || {});
      if (style.unstaffed && feature.properties && feature.properties.staffed === false) {
        s = L.extend(s, style.unstaffed);
      }
      return s;
    },
    onEachFeature: function (feature, layer) {
      if (opts.kind === "outline" || opts.interactive === false) return;
      layer.bindTooltip(gridTooltip(feature.properties || {}), { sticky: true });
    },
  };
}

// ---- reports -------------------------------------------------------------

function age(hours) {
  if (hours === undefined || hours === null) return "";
  if (hours < 48) return fmt(t("age_hours"), { n: Math.round(hours) });
  return fmt(t("age_days"), { n: Math.round(hours / 24) });
}

// Long free text would swamp the popup; the full text is in the report itself.
function clip(text, n) {
  text = text || "";
  return text.length > n ? text.slice(0, n) + "…" : text;
}

function reportPopup(p) {
  var grid = p.out_of_coverage ? t("out_of_coverage") : (p.grid_name ? p.grid_name + " (" + p.grid_code + ")" : p.grid_code);
  return (
    "<div class=\"gm-popup\"><strong>" + esc(p.ticket || p.id) + "</strong><table>" +
    row(t("category"), p.category_label || p.category) +
    row(t("description"), clip(p.description, 80)) +
    (p.address ? row(t("address"), clip(p.address, 60)) : "") +
    row(t("status"), p.status_label || p.status) +
    row(t("channel"), p.channel_label || p.channel) +
    row(t("grid"), grid) +
    row(t("age"), age(p.age_hours)) +
    (p.deadline ? row(t("deadline"), beijingTime(p.deadline) +
      (p.deadline_state ? " · " + (t("deadline_" + p.deadline_state) || p.deadline_state) : "")) : "") +
    "</table></div>"
  );
}

function reportOptions(opts) {
  var style = opts.style || {};
  var colors = style.colors || {};
  return {
    pointToLayer: function (feature, latlng) {
      var p = feature.properties || {};
      var out = !!p.out_of_coverage;
      var color = out ? (style.outOfCoverage || {}).fillColor || "#fff" : colors[p.category] || "#3388ff";
      // Overdue events get a red ring whatever their category colour: the map's first question.
      var icon = L.divIcon({
        className: "gm-report" + (out ? " gm-report-out" : "") + (p.deadline_state === "overdue" ? " gm-report-overdue" : ""),
        html: "<span class=\"gm-dot\" style=\"background:" + esc(color) + "\"></span>",
        iconSize: [18, 18],
        iconAnchor: [9, 9],
        popupAnchor: [0, -8],
      });
      return L.marker(latlng, { icon: icon, title: p.ticket || "" });
    },
    onEachFeature: function (feature, layer) {
      layer.bindPopup(reportPopup(feature.properties || {}));
    },
  };
}

// ---- loading -------------------------------------------------------------

function queryString(params) {
  var q = new URLSearchParams();
  Object.keys(params).forEach(function (k) {
    var v = params[k];
    if (v !== undefined && v !== null && v !== "") q.set(k, v);
  });
  return q.toString();
}

function restack(map) {
  order.forEach(function (entry) {
    if (entry.layer.bringToFront && map.hasLayer(entry.layer)) entry.layer.bringToFront();
  });
}

function load(map, entry, force) {
  var opts = entry.opts;
  var params = L.extend({}, opts.params, entry.query);
  if (opts.bbox) {
    if (opts.minZoom && map.getZoom() < opts.minZoom) {
      entry.seq += 1; // drop any answer still on its way
      entry.layer.clearLayers();
      entry.count = 0;
      hint(opts.key, fmt(t("zoom_in"), { name: opts.name, zoom: opts.minZoom }));
      return;
    }
    hint(opts.key, "");
    var b = map.getBounds();
    params.bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map(function (x) { return x.toFixed(6); })
      .join(",");
    params.zoom = map.getZoom();
  } else if (entry.loaded && !force) {
    return;
  }
  var url = opts.url + (opts.url.indexOf("?") < 0 ? "?" : "&") + queryString(params);
  var seq = (entry.seq += 1);
  entry.url = url;
  pending += 1;
  setStatus();
  api("GET", url, undefined, { accept: "application/geo+json, application/json" })
    .then(function (res) {
      if (!res.ok) throw new Error(errorOf(res).message);
      return res.body;
    })
    .then(function (data) {
      if (seq !== entry.seq) return; // a newer request superseded this one
      entry.layer.clearLayers();
      entry.layer.addData(data);
      if (entry.target !== entry.layer) {
        entry.target.clearLayers();
        entry.target.addLayers(entry.layer.getLayers());
      }
      entry.count = (data.features || []).length;
      entry.loaded = true;
      entry.error = null;
      if (opts.fit && !entry.fitted && entry.count > 0) {
        entry.fitted = true;
        map.fitBounds(entry.layer.getBounds(), { padding: [10, 10], animate: false });
      }
      restack(map);
      var counter = byId("gridmap-count-" + opts.key);
      if (counter) counter.textContent = fmt(t("count_" + opts.key) || "%(n)s", { n: entry.count });
      document.dispatchEvent(new CustomEvent("gridmap:loaded", { detail: { key: opts.key, count: entry.count } }));
    })
    .catch(function (err) {
      if (seq !== entry.seq) return;
      entry.error = String(err && err.message ? err.message : err);
      showError(fmt(t("load_failed"), { name: opts.name, error: entry.error }));
      document.dispatchEvent(new CustomEvent("gridmap:error", { detail: { key: opts.key, error: entry.error } }));
    })
    .then(function () {
      pending -= 1;
      setStatus();
    });
}

// A filter form that changes what the layers fetch instead of reloading the page: on submit,
// apply(query) with the named fields, and the query kept in the URL (bookmarks, reloads);
// a changed select submits at once.
export function bindFilters(formId, fields, apply) {
  var form = document.getElementById(formId);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var query = {};
    fields.forEach(function (k) { query[k] = data.get(k) || ""; });
    apply(query);
    var url = new URL(window.location.href);
    fields.forEach(function (k) {
      if (query[k]) url.searchParams.set(k, query[k]); else url.searchParams.delete(k);
    });
    window.history.replaceState(null, "", url.toString());
  });
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () { form.requestSubmit(); });
  });
}

export function init(map, options) {
  L.extend(settings, options || {});
  GridMap.map = map;
  map.on("overlayadd", function () { restack(map); });
}

export function remoteGeoJson(map, opts, target) {
  var custom = kinds[opts.kind];
  var featureOpts = custom ? custom(opts) : opts.kind === "reports" ? reportOptions(opts) : gridOptions(opts);
  var layer = L.geoJSON(null, featureOpts);
  var entry = {
    opts: opts, layer: layer, target: target || layer, query: {},
    count: 0, loaded: false, error: null, seq: 0, url: null,
    map: map,
  };
  layers[opts.key] = entry;
  if (opts.kind !== "reports") {
    order.push(entry);
    order.sort(function (a, b) {
      return LEVEL_ORDER.indexOf(a.opts.key) - LEVEL_ORDER.indexOf(b.opts.key);
    });
  }
  entry.target.on("add", function () { load(map, entry, false); });
  entry.target.on("remove", function () { if (opts.bbox) hint(opts.key, ""); });
  if (opts.bbox) {
    map.on("moveend", function () {
      if (map.hasLayer(entry.target)) load(map, entry, true);
    });
  }
  if (target && map.hasLayer(target)) load(map, entry, false);
  return layer;
}

/* Change a layer's query (e.g. the issues filters) and fetch again. */
export function setQuery(key, query) {
  var entry = layers[key];
  if (!entry) return;
  entry.query = L.extend({}, query);
  showError("");
  if (entry.map.hasLayer(entry.target)) load(entry.map, entry, true);
  else entry.loaded = false;
}

/* The legend folds (a <details>): on a phone it starts folded to its title, so it does not
 * cover the map; a tap on the title opens it. */
var NARROW = "(max-width: 767.98px)";

export function legend(map, title, items) {
  var control = L.control({ position: "bottomright" });
  control.onAdd = function () {
    var div = L.DomUtil.create("div", "gm-legend leaflet-control");
    var narrow = window.matchMedia && window.matchMedia(NARROW).matches;
    var html = "";
    items.forEach(function (item) {
      var swatch;
      if (item.marker) {
        swatch = "<span class=\"gm-legend-dot" + (item.out ? " gm-legend-out" : "") + (item.overdue ? " gm-legend-overdue" : "") +
          "\" style=\"background:" + esc(item.marker) + "\"></span>";
      } else {
        var fill = item.fillColor || item.color;
        var opacity = Math.max(item.fillOpacity || 0, 0.02);
        swatch = "<svg class=\"gm-legend-swatch\" width=\"26\" height=\"16\"><rect x=\"2\" y=\"2\" width=\"22\" height=\"12\"" +
          " fill=\"" + (item.hatch ? "url(#gm-hatch)" : esc(fill)) + "\" fill-opacity=\"" + (item.hatch ? 1 : opacity) + "\"" +
          " stroke=\"" + esc(item.color) + "\" stroke-width=\"" + Math.min(item.weight || 2, 3) + "\"" +
          (item.dashArray ? " stroke-dasharray=\"" + esc(item.dashArray) + "\"" : "") + "/></svg>";
      }
      html += "<div class=\"gm-legend-item\">" + swatch + "<span>" + esc(item.label) + "</span></div>";
    });
    div.innerHTML = "<details class=\"gm-legend-box\"" + (narrow ? "" : " open") + "><summary class=\"gm-legend-title\">" +
      esc(title) + "</summary><div class=\"gm-legend-items\">" + html + "</div></details>";
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  control.addTo(map);
  return control;
}

// folium's map script runs as a module (after this one), so its `var map_...` is no global, as it
// is on other folium pages: the console and tests still find each map as window[<its div's id>].
L.Map.addInitHook(function () {
  window[this.getContainer().id] = this;
});

/* What folium's map script calls (app/maps/elements.py), and the console. */
var GridMap = (window.GridMap = {
  init: init, remoteGeoJson: remoteGeoJson, setQuery: setQuery, legend: legend, bindFilters: bindFilters,
  kinds: kinds, gcjTileLayer: gcjTileLayer, wgsToGcj: wgsToGcj, gcjToWgs: gcjToWgs, map: null,
});
