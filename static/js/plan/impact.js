/* The impact preview: what publishing the draft would change, against the published version or one
 * the planner picks: the summary in the panel, the old and new outlines on the map as one overlay of
 * the layer control. */
import { byId, fmt } from "../core.js";
import { setStatus, show, showError, showFailure, showNetworkError, update } from "./panel.js";
import { map, planApi, settings, state, t } from "./state.js";

var layerControl = null;   // the map's L.control.layers (folium creates it after this module runs)
var impactLayer = null;    // old (dashed red) and new (solid blue) outlines

if (window.L && L.Control && L.Control.Layers) {
  L.Control.Layers.addInitHook(function () { layerControl = this; });
}

/* The outlines drawn (for tests and the console: GridMapPlan.impactLayer()). */
export function impactLayerOf() {
  return impactLayer;
}

function againstChoice() {
  var select = byId("plan-impact-against");
  var option = select && select.selectedOptions && select.selectedOptions[0];
  if (!option || !option.value) return { id: "", name: t("published_version") };
  return { id: option.value, name: option.dataset.name || option.value };
}

function impactPath(against, geojson) {
  var q = [];
  if (against.id) q.push("against=" + encodeURIComponent(against.id));
  if (geojson) q.push("format=geojson");
  return "versions/" + state.draft.id + "/impact" + (q.length ? "?" + q.join("&") : "");
}

export function previewImpact() {
  if (state.impactBusy) return;
  var against = againstChoice();
  state.impactBusy = true;
  showError("");
  setStatus(t("impact_loading"), true);
  update();
  Promise.all([planApi("GET", impactPath(against, false)), planApi("GET", impactPath(against, true))])
    .then(function (answers) {
      var bad = answers.filter(function (res) { return !res.ok; })[0];
      if (bad) {
        setStatus("", false);
        showFailure(bad);
        return;
      }
      state.impact = answers[0].body;
      renderImpact(answers[0].body);
      var n = drawImpact(answers[1].body);
      setStatus(fmt(t(n ? "impact_shown" : "impact_none"), { name: against.name, n: n }), false);
    }, function (err) {
      setStatus("", false);
      showNetworkError(err);
    })
    .then(function () {
      state.impactBusy = false;
      update();
    });
}

function summaryRow(list, key, label, value) {
  var dt = document.createElement("dt");
  dt.textContent = label;
  var dd = document.createElement("dd");
  dd.dataset.key = key;
  dd.textContent = value;
  list.appendChild(dt);
  list.appendChild(dd);
}

function renderImpact(body) {
  var s = body.summary || {};
  var workers = body.workers || [];
  var losing = workers.filter(function (w) { return (w.loses || []).length > 0; });
  var gaining = workers.filter(function (w) { return (w.suggested || []).length > 0; });
  var dl = byId("plan-impact-summary");
  dl.innerHTML = "";
  summaryRow(dl, "grids_changed", t("impact_grids"), s.grids_changed + " (" + fmt(t("impact_kinds"), s) + ")");
  summaryRow(dl, "reports_moved", t("impact_reports"),
    s.reports_moved + " (" + t("impact_open") + " " + s.open_reports_moved + ")");
  summaryRow(dl, "addresses_moved", t("impact_addresses"), s.addresses_moved);
  summaryRow(dl, "buildings_moved", t("impact_buildings"), s.buildings_moved);
  summaryRow(dl, "households_moved", t("impact_households"), s.households_moved);
  summaryRow(dl, "workers_losing", t("impact_workers_losing"), losing.length);
  summaryRow(dl, "workers_gaining", t("impact_workers_gaining"), gaining.length);
  dl.dataset.gridsChanged = s.grids_changed;

  var people = byId("plan-impact-workers");
  people.innerHTML = "";
  workers.forEach(function (w) {
    var parts = [];
    if ((w.loses || []).length) parts.push(fmt(t("impact_worker_loses"), { codes: w.loses.join(", ") }));
    if ((w.changes || []).length) {
      parts.push(fmt(t("impact_worker_changes"), { codes: w.changes.map(function (c) { return c.code; }).join(", ") }));
    }
    if ((w.suggested || []).length) parts.push(fmt(t("impact_worker_gains"), { codes: w.suggested.join(", ") }));
    var li = document.createElement("li");
    li.dataset.staffId = w.staff_id;
    li.textContent = (w.name || "") + ": " + parts.join("; ");
    people.appendChild(li);
  });

  var list = byId("plan-impact-grids");
  list.innerHTML = "";
  (body.grids || []).forEach(function (g) {
    var li = document.createElement("li");
    li.dataset.code = g.code;
    li.dataset.change = g.change;
    var name = g.name_after || g.name_before || "";
    li.textContent = g.code + " " + name + " · " + t("impact_change_" + g.change) + " · " +
      fmt(t("impact_area"), { gained: Math.round(g.area_gained_m2).toLocaleString(),
                              lost: Math.round(g.area_lost_m2).toLocaleString() });
    li.addEventListener("click", function () { focusImpact(g.code); });
    list.appendChild(li);
  });
  byId("plan-impact-stale").hidden = true;
  byId("plan-impact-panel").hidden = false;
}

function impactStyle(feature) {
  return Object.assign({}, settings.styles[feature.properties.side === "old" ? "old" : "new"]);
}

/* Draw the diff; returns the number of outlines drawn. */
function drawImpact(collection) {
  clearImpactLayer();
  var feats = (collection && collection.features) || [];
  // New outlines first, old ones on top: a dashed old border stays visible over a new fill.
  feats = feats.filter(function (f) { return f.properties.side === "new"; })
    .concat(feats.filter(function (f) { return f.properties.side === "old"; }));
  impactLayer = L.geoJSON({ type: "FeatureCollection", features: feats }, {
    style: impactStyle,
    interactive: false,
  });
  impactLayer.addTo(map);
  if (layerControl) layerControl.addOverlay(impactLayer, t("impact_layer"));
  state.impactDrawn = { old: 0, "new": 0 };
  impactLayer.eachLayer(function (l) { state.impactDrawn[l.feature.properties.side] += 1; });
  var bounds = impactLayer.getBounds();
  if (feats.length && bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17, padding: [30, 30] });
  show("plan-impact-hide", true);
  return feats.length;
}

function focusImpact(code) {
  if (!impactLayer) return;
  var bounds = null;
  impactLayer.eachLayer(function (l) {
    if (l.feature.properties.code !== code) return;
    bounds = bounds ? bounds.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(),
                                                                     l.getBounds().getNorthEast());
  });
  if (bounds && bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17, padding: [30, 30] });
}

function clearImpactLayer() {
  if (!impactLayer) return;
  if (layerControl) layerControl.removeLayer(impactLayer);
  map.removeLayer(impactLayer);
  impactLayer = null;
  state.impactDrawn = { old: 0, "new": 0 };
}

export function hideImpact() {
  clearImpactLayer();
  state.impact = null;
  byId("plan-impact-panel").hidden = true;
  show("plan-impact-hide", false);
  setStatus("", false);
  update();
}

/* After an edit the preview shown no longer matches the draft: say so rather than show stale numbers silently. */
export function markImpactStale() {
  if (!state.impact) return;
  var el = byId("plan-impact-stale");
  el.textContent = t("impact_stale");
  el.hidden = false;
}
