/* "Move buildings": the buildings of the draft in the map view, picked one by one; the picked ones
 * then move, each with its plot of land, into the grid clicked next (editor.js sends the edit).
 *
 * Each building is one circle marker (from /drafts/<id>/buildings, fetched again after each pan or
 * zoom while they are being picked) in a pane of its own above the grids: the grid layers are
 * brought to the front whenever they reload, which would otherwise cover the points. While the
 * target is chosen only the picked buildings stay, not clickable, so a click on a grid under one
 * still reaches the grid.
 */
import { errorOf, esc, fmt } from "../core.js";
import { hint } from "../gridmap-maps.js";
import { showError, showNetworkError, update } from "./panel.js";
import { map, planApi, state, t } from "./state.js";
import { refreshTotals } from "./totals.js";

var BUILDING_PANE = "gmPlanBuildings";
var BUILDING_STYLE = { radius: 6, color: "#1d3557", weight: 2, fillColor: "#ffffff", fillOpacity: 0.9 };
// The green of the grids picked for a move or merge (editor.py PICKED_STYLE), bigger and filled.
var BUILDING_PICKED_STYLE = { radius: 8, color: "#008744", weight: 3, fillColor: "#008744", fillOpacity: 0.9 };
var buildingLayer = null;    // the buildings shown while "move buildings" is on
var buildingFeatures = [];   // the buildings of the last answer (the current view)
var buildingSeq = 0;         // numbers the building fetches: only the latest answer is drawn

/* The layer of building markers (for tests and the console: GridMapPlan.buildingLayer()). */
export function buildingLayerOf() {
  return buildingLayer;
}

/* The map's notice overlay, shared with gridmap-maps.js ("zoom in to see ..."). */
function mapHint(message) {
  hint("planBuildings", message);
}

function buildingTooltip(p) {
  var html = "<div class=\"gm-tip\"><strong>" + esc(p.label) + "</strong><table>";
  html += "<tr><th>" + esc(t("households")) + "</th><td>" + esc(p.households) + "</td></tr>";
  html += "<tr><th>" + esc(t("grid")) + "</th><td>" + esc(p.grid || t("out_of_coverage")) + "</td></tr>";
  return html + "</table></div>";
}

function buildingStyle(picked) {
  return Object.assign({}, picked ? BUILDING_PICKED_STYLE : BUILDING_STYLE);
}

function markBuilding(marker, picked) {
  marker.setStyle(buildingStyle(picked));  // a circle marker's setStyle takes the radius too
  var el = marker.getElement && marker.getElement();
  if (el) el.classList.toggle("gm-plan-building-picked", picked);
}

function toggleBuilding(feature, marker) {
  if (state.busy || state.mode !== "building-pick") return;
  var id = feature.properties.address_id;
  if (state.pickedBuildings[id]) delete state.pickedBuildings[id];
  else state.pickedBuildings[id] = feature;
  markBuilding(marker, !!state.pickedBuildings[id]);
  update();
  refreshTotals();
}

/* Draw the buildings of the view (picking) or the picked ones only (choosing the target). */
export function drawBuildings() {
  if (!buildingLayer) return;
  buildingLayer.clearLayers();
  var targeting = state.mode === "building-target";
  var feats = targeting
    ? Object.keys(state.pickedBuildings).map(function (id) { return state.pickedBuildings[id]; })
    : buildingFeatures;
  feats.forEach(function (f) {
    var xy = f.geometry.coordinates;
    var picked = !!state.pickedBuildings[f.properties.address_id];
    var marker = L.circleMarker([xy[1], xy[0]], Object.assign(buildingStyle(picked), {
      pane: BUILDING_PANE, interactive: !targeting,
      className: "gm-plan-building" + (picked ? " gm-plan-building-picked" : ""),
    }));
    marker.feature = f;
    if (!targeting) {
      marker.bindTooltip(buildingTooltip(f.properties), { direction: "top" });
      marker.on("click", function (event) {
        L.DomEvent.stopPropagation(event);
        toggleBuilding(f, marker);
      });
    }
    buildingLayer.addLayer(marker);
  });
}

/* Fetch the buildings of the map view; a picked building keeps its pick when it comes back into view. */
function loadBuildings() {
  if (state.mode !== "building-pick" || !buildingLayer) return;
  var b = map.getBounds();
  var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
    .map(function (x) { return x.toFixed(6); }).join(",");
  var seq = (buildingSeq += 1);
  state.buildings.loading = true;
  planApi("GET", "drafts/" + state.draft.id + "/buildings?bbox=" + bbox).then(function (res) {
    if (seq !== buildingSeq) return; // panned again, or the mode ended, meanwhile
    state.buildings.loading = false;
    state.buildings.loads += 1;
    if (!res.ok) {
      state.buildings.error = errorOf(res).message;
      buildingFeatures = [];
      state.buildings.count = 0;
      showError(fmt(t("failed"), { message: state.buildings.error }));
      mapHint("");
    } else {
      state.buildings.error = "";
      state.buildings.truncated = !!res.body.truncated;
      buildingFeatures = res.body.features || [];
      state.buildings.count = buildingFeatures.length;
      // A view with too many buildings sends none: say why the map is empty.
      mapHint(state.buildings.truncated ? fmt(t("buildings_zoom_in"), { limit: res.body.limit })
        : buildingFeatures.length ? "" : t("no_buildings"));
    }
    drawBuildings();
    update();
  }, function (err) {
    if (seq !== buildingSeq) return;
    state.buildings.loading = false;
    state.buildings.loads += 1;
    state.buildings.error = err.message;
    showNetworkError(err);
  });
}

export function startMoveBuildings() {
  if (state.busy || state.published || state.mode !== "idle" || !buildingLayer) return;
  showError("");
  state.mode = "building-pick";
  state.pickedBuildings = {};
  state.buildings = { loads: 0, count: 0, truncated: false, error: "", loading: false };
  buildingFeatures = [];
  buildingLayer.addTo(map);
  loadBuildings();
  update();
}

export function hideBuildings() {
  buildingSeq += 1; // an answer still on its way is not drawn
  buildingFeatures = [];
  state.pickedBuildings = {};
  state.buildings.loading = false;
  if (buildingLayer) {
    buildingLayer.clearLayers();
    if (map.hasLayer(buildingLayer)) map.removeLayer(buildingLayer);
  }
  mapHint("");
}

/* The buildings' pane and layer; the view's buildings are fetched again after each pan or zoom. */
export function initBuildings() {
  if (!map.getPane(BUILDING_PANE)) {
    // Above the grids (overlay pane, 400), under Leaflet's markers, tooltips and popups.
    map.createPane(BUILDING_PANE).style.zIndex = 450;
  }
  buildingLayer = L.featureGroup();
  map.on("moveend", function () { if (state.mode === "building-pick") loadBuildings(); });
}
