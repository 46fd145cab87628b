/* Drawing with Leaflet.draw: a new outline (reshape), a cutting line (split), or the corners of the
 * selected grid dragged in place (vertices). What is drawn is saved by the editor (editor.js). */
import { collectRings } from "./snapping.js";
import { showError, showFailure, showNetworkError, update } from "./panel.js";
import { map, planApi, settings, state, t } from "./state.js";

var drawHandler = null;
var editLayer = null;      // the polygon whose corners are being dragged

/* The polygon being edited in "vertices" mode, or null. */
export function editedLayer() {
  return editLayer;
}

export function stopDrawing() {
  if (drawHandler) {
    drawHandler.disable();
    drawHandler = null;
  }
  if (editLayer) {
    if (editLayer.editing) editLayer.editing.disable();
    map.removeLayer(editLayer);
    editLayer = null;
  }
}

/* Leaflet.draw is done with its shape (L.Draw.Event.CREATED). */
export function drawingDone() {
  drawHandler = null;
}

/* The "finish" button: end the line (or polygon) being drawn. */
export function finishDrawing() {
  if (drawHandler) drawHandler.completeShape();
}

export function startDraw(mode) {
  if (!state.selected) { showError(t("select_first")); return; }
  stopDrawing();
  state.mode = mode;
  var shape = Object.assign({}, settings.styles.selected, { fill: mode === "reshape" });
  drawHandler = mode === "split"
    ? new L.Draw.Polyline(map, { shapeOptions: shape, showLength: false })
    : new L.Draw.Polygon(map, { shapeOptions: shape, showArea: false, allowIntersection: false });
  drawHandler.enable();
  update();
}

export function startVertices() {
  if (!state.selected) { showError(t("select_first")); return; }
  var code = state.selected.code;
  state.busy = true;
  update();
  // The exact shape, not the one simplified for the view.
  planApi("GET", "grids/" + encodeURIComponent(code) + "?version=" + state.draft.id).then(function (res) {
    state.busy = false;
    if (!res.ok) { showFailure(res); update(); return; }
    var layers = L.geoJSON(res.body).getLayers();
    if (!layers.length || !layers[0].editing) { update(); return; }
    stopDrawing();
    editLayer = layers[0];
    editLayer.setStyle(Object.assign({}, settings.styles.selected, { fillOpacity: 0.15 }));
    editLayer.addTo(map);
    // Leaflet.draw gives a polygon one vertex handler, for its first ring only; a grid in
    // several parts (or with a hole) has more. One handler per ring, all on the same layer:
    // each edits its ring in place, so the saved shape keeps every part.
    var rings = [];
    collectRings(editLayer.getLatLngs(), rings);
    editLayer.editing.latlngs = rings;
    editLayer.editing.enable();
    state.mode = "vertices";
    update();
  }, function (err) {
    state.busy = false;
    showNetworkError(err);
    update();
  });
}

/* Leaflet.draw's own tooltips, in the page's language. */
export function translateDrawing() {
  if (!L.drawLocal) return;
  var h = L.drawLocal.draw.handlers;
  h.polygon.tooltip = { start: t("draw_start"), cont: t("draw_cont"), end: t("draw_polygon_end") };
  h.polyline.tooltip = { start: t("draw_start"), cont: t("draw_cont"), end: t("draw_line_end") };
  h.polyline.error = t("draw_crossing");
}
