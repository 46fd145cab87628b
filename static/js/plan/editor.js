/* The draft editor (/plan/drafts/<id>): the entry module.
 *
 * Loaded by app/plan/editor.py after Leaflet and Leaflet.draw; folium's map script (a module, run
 * after this one) calls GridMapPlan.init(map, settings). Its layers are GridMap.remoteGeoJson layers
 * of two kinds registered here (layers.js), so loading and load errors work as on every map page.
 * Each concern is a module of its own: drawing.js and snapping.js (reshape, split, corners),
 * modes.js (merge, move), buildings.js (move buildings), saving.js (every edit, undo and redo),
 * totals.js (live totals while an edit is prepared), validation.js, operations.js (the edit log),
 * impact.js, publish.js, import.js, rebase.js.
 *
 * A version that is scheduled or was published is opened read-only (settings.readOnly).
 *
 * State is exposed as window.gridmapPlan (state.js) for tests and the console.
 */
import { byId, esc, fmt } from "../core.js";
import { buildingLayerOf, drawBuildings, initBuildings, startMoveBuildings } from "./buildings.js";
import { drawingDone, editedLayer, finishDrawing, startDraw, startVertices, translateDrawing } from "./drawing.js";
import { hideImpact, impactLayerOf, previewImpact } from "./impact.js";
import { importFile } from "./import.js";
import { featureName, registerLayerKinds, restyle } from "./layers.js";
import { chooseMoveTarget, resetMode, startMerge, startMove, togglePicked } from "./modes.js";
import { loadOperations } from "./operations.js";
import { initTabs, on, showError, update } from "./panel.js";
import { publish, unschedule } from "./publish.js";
import { rebase } from "./rebase.js";
import { initRefusedLayer, refresh, save } from "./saving.js";
import { snappedPolygon } from "./snapping.js";
import { configure, pickedBuildingIds, pickedCodes, settings, state, t } from "./state.js";
import { refreshTotals } from "./totals.js";
import { initValidation, validate } from "./validation.js";

/* A click on a grid of the edited level ("grid") or of the level below ("child"). */
function onFeatureClick(which, p) {
  if (state.busy || state.published) return;
  if (state.mode === "idle" && which === "grid") {
    state.selected = { code: p.code, name: p.name };
    restyle();
    update();
  } else if ((state.mode === "merge" && which === "grid") || (state.mode === "move-pick" && which === "child")) {
    togglePicked(p);
  } else if (state.mode === "move-target" && which === "grid") {
    save("move", { codes: pickedCodes(), target: p.code });
  } else if (state.mode === "building-target") {
    // A grid of the edited level (the plot goes to its child next to it) or, when the planner
    // switched them on, a unit of the level below: the API decides whether it can take the plot.
    save("move-buildings", { address_ids: pickedBuildingIds(), target: p.code });
  }
}

/* The pointer over a grid while choosing where units or buildings go: the totals if they went there. */
function onFeatureHover(which, p) {
  if (state.busy || which !== "grid") return;
  if (state.mode === "move-target" || state.mode === "building-target") {
    if (!state.totals || !state.totals.body || state.totals.body.target !== p.code) refreshTotals({ target: p.code });
  }
}

registerLayerKinds(onFeatureClick, onFeatureHover);

function leftover() {
  var box = byId("plan-leftover");
  return box && box.checked ? "neighbours" : "refuse";
}

/* The "save" button: save the dragged corners or the merge, or go on from picking to the target. */
function onSave() {
  if (state.mode === "vertices" && editedLayer()) {
    save("reshape", { code: state.selected.code, geometry: snappedPolygon(editedLayer()), leftover: leftover() });
  } else if (state.mode === "merge") {
    var codes = pickedCodes();
    if (codes.length < 2) { showError(t("need_two")); return; }
    save("merge", { codes: codes });
  } else if (state.mode === "move-pick") {
    if (!pickedCodes().length) { showError(t("need_one")); return; }
    chooseMoveTarget();
  } else if (state.mode === "building-pick") {
    if (!pickedBuildingIds().length) { showError(t("need_building")); return; }
    showError("");
    state.mode = "building-target";
    drawBuildings();
    update();
  }
}

/* Leaflet.draw finished a shape: a new outline (reshape, saved at once) or a cutting line (split: its
 * parts, their totals and their names are shown first; the planner names them and saves). */
function onDrawn(event) {
  var geometry = state.mode === "reshape" ? snappedPolygon(event.layer) : event.layer.toGeoJSON(false).geometry;
  var code = state.selected && state.selected.code;
  drawingDone();
  if (!code) return;
  if (state.mode === "reshape") save("reshape", { code: code, geometry: geometry, leftover: leftover() });
  else if (state.mode === "split") confirmSplit(code, geometry);
}

/* While the split line is drawn: the totals of the parts it would make so far. */
function onVertex(event) {
  if (state.mode !== "split" || !event.layers) return;
  var coords = event.layers.getLayers().map(function (m) { var ll = m.getLatLng(); return [ll.lng, ll.lat]; });
  if (coords.length >= 2) refreshTotals({ line: { type: "LineString", coordinates: coords } });
}

var splitLine = null;   // the line drawn, kept on the map while its parts are named

function showSplitLine(line) {
  if (splitLine) { GridMapPlan.map.removeLayer(splitLine); splitLine = null; }
  if (!line) return;
  splitLine = L.geoJSON(line, {
    style: function () { return Object.assign({}, settings.styles.selected, { dashArray: "6 4", weight: 3 }); },
    interactive: false,
  }).addTo(GridMapPlan.map);
}

function confirmSplit(code, line) {
  state.mode = "split-confirm";
  state.split = { code: code, line: line, parts: [] };
  showSplitLine(line);
  update();
  refreshTotals({ line: line }).then(function (answer) {
    if (!answer || state.mode !== "split-confirm") return;
    if (answer.refused) {
      showError(fmt(t("refused"), { message: answer.refused.message }));
      return;
    }
    var parts = (answer.created || []).filter(function (c) { return c.code.length === code.length; });
    state.split.parts = parts;
    var holder = byId("plan-split-names");
    holder.innerHTML = parts.map(function (part, i) {
      var id = "plan-split-name-" + i;
      return "<label for=\"" + id + "\" class=\"form-label mb-0\">" +
        esc(fmt(t("split_part_name"), { n: i + 1, code: part.code })) + "</label>" +
        "<input id=\"" + id + "\" class=\"form-control form-control-sm gm-split-name\" maxlength=\"100\" " +
        "data-code=\"" + esc(part.code) + "\" value=\"" + esc(part.name) + "\">";
    }).join("");
    update();
  });
}

function saveSplit() {
  if (state.mode !== "split-confirm" || !state.split) return;
  var names = Array.prototype.map.call(document.querySelectorAll("#plan-split-names .gm-split-name"),
    function (input) { return input.value.trim(); });
  var body = { code: state.split.code, line: state.split.line };
  if (names.length && names.every(function (n) { return n; })) body.names = names;
  save("split", body);
}

/* The selected grid's exclave allowance, given or withdrawn (an edit like the others). */
function toggleExclave() {
  var code = state.selected && state.selected.code;
  if (!code) return;
  save("exclave", { code: code, allowed: !state.exclaves[code] });
}

function rebaseDraft() {
  if (state.busy) return;
  state.busy = true;
  update();
  rebase(state.draft.id, state.draft.row_version).then(function (body) {
    if (!body) return null;
    state.draft = body.draft;
    var stale = byId("plan-stale");
    if (stale) stale.hidden = true;
    return refresh("");
  }).then(function () {
    state.busy = false;
    update();
  });
}

function init(leafletMap, options) {
  configure(options, leafletMap);
  GridMapPlan.map = leafletMap;
  state.draft = settings.draft;
  // Scheduled, published or retired: shown, not edited.
  state.published = !!settings.readOnly;
  document.body.dataset.planStatus = state.draft.status;
  initTabs();
  initValidation();
  initRefusedLayer();
  leafletMap.on(L.Draw.Event.CREATED, onDrawn);
  leafletMap.on(L.Draw.Event.DRAWVERTEX, onVertex);
  initBuildings();
  translateDrawing();
  on("plan-reshape", function () { startDraw("reshape"); });
  on("plan-split", function () { startDraw("split"); });
  on("plan-vertices", startVertices);
  on("plan-merge", startMerge);
  on("plan-move", startMove);
  on("plan-move-buildings", startMoveBuildings);
  on("plan-save", onSave);
  on("plan-finish", finishDrawing);
  on("plan-cancel", function () { showError(""); resetMode(); });
  on("plan-split-save", saveSplit);
  on("plan-exclave", toggleExclave);
  var unscheduleButton = byId("plan-unschedule");
  if (unscheduleButton) unscheduleButton.addEventListener("click", function () { unschedule(unscheduleButton); });
  on("plan-undo", function () { save("undo", {}); });
  on("plan-redo", function () { save("redo", {}); });
  on("plan-publish", publish);
  on("plan-rebase", rebaseDraft);
  on("plan-impact", previewImpact);
  on("plan-impact-hide", hideImpact);
  var importForm = byId("plan-import-form");
  if (importForm) importForm.addEventListener("submit", importFile);

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && state.mode !== "idle") resetMode();
  });
  // The split line goes with its mode (saved, cancelled, refused).
  document.addEventListener("gridmap:plan-mode", function () {
    if (state.mode !== "split-confirm") showSplitLine(null);
  });
  // Reloaded layers drop a selection whose grid is gone (split, merged, recoded).
  document.addEventListener("gridmap:loaded", function (event) {
    if (event.detail.key !== "planGrids") return;
    if (state.selected && !featureName(state.selected.code)) state.selected = null;
    update();
  });
  update();
  loadOperations();
  validate();
}

/* What folium's map script calls, and tests and the console. */
var GridMapPlan = (window.GridMapPlan = {
  init: init, state: state, map: null, buildingLayer: buildingLayerOf, impactLayer: impactLayerOf,
});
