/* Sending an edit to the draft API, and what follows its answer.
 *
 * Every edit goes with the draft's row_version (and, as every write, the session's CSRF token: see
 * core.api). After a saved edit the layers, the validation and the edit log are fetched again. A
 * refused edit (422 invalid_edit) leaves the draft unchanged: its message and, when the API sends
 * one, the geometry at fault are shown. A 409 on row_version means someone else changed the draft:
 * it is reloaded. Undo and redo are edits too (save("undo"), save("redo")).
 *
 * An edit refused because it would leave grids in pieces (not_contiguous) offers, under its message, to
 * allow those grids as exclaves and make the same edit again: a choice the planner makes knowingly.
 * The answer of a saved edit says what checking again the grids it touched found (validation.js).
 */
import { byId, errorOf, fmt } from "../core.js";
import { setQuery } from "../gridmap-maps.js";
import { stopDrawing } from "./drawing.js";
import { markImpactStale } from "./impact.js";
import { resetMode } from "./modes.js";
import { loadOperations } from "./operations.js";
import { setStatus, showError, showNetworkError, update } from "./panel.js";
import { layerEntry, map, planApi, settings, state, t } from "./state.js";
import { hideTotals } from "./totals.js";
import { showValidationChanges, validate } from "./validation.js";

var refusedLayer = null;   // the geometry a refused edit points at
var lastBody = null;       // the body of the last edit sent (to make it again)

export function initRefusedLayer() {
  refusedLayer = L.geoJSON(null, {
    style: function () { return Object.assign({}, settings.styles.error, { dashArray: "8 4", fillOpacity: 0.6 }); },
    interactive: false,
  }).addTo(map);
}

function clearRefused() {
  if (refusedLayer) refusedLayer.clearLayers();
}

/* Draw the geometry a refusal points at (a gap, an overlap, a feature of a file). */
export function showRefused(geometry, toFront) {
  if (!geometry || !refusedLayer) return;
  refusedLayer.addData({ type: "Feature", geometry: geometry, properties: {} });
  if (toFront) refusedLayer.bringToFront();
}

/* A write to the draft begins: the page is busy, the last error and refusal are forgotten. */
export function beginWrite() {
  state.busy = true;
  showError("");
  clearRefused();
  state.lastRefused = null;
}

function opLabel(action, op) {
  var kindLabel = t("op_" + ((op && op.kind) || action));
  if (action === "undo" || action === "redo") return fmt(t("op_" + action), { what: kindLabel });
  return kindLabel;
}

/* POST drafts/<id>/<action>; resolves once the page shows the outcome. */
export function save(action, body) {
  if (state.busy) return Promise.resolve(null);
  beginWrite();
  setStatus(t("saving"), true);
  update();
  lastBody = body;
  var payload = Object.assign({ row_version: state.draft.row_version }, body);
  return planApi("POST", "drafts/" + state.draft.id + "/" + action, payload)
    .then(function (res) {
      if (res.ok) {
        state.draft = res.body.draft;
        state.saved += 1;
        showValidationChanges(res.body.validation);
        hideTotals();
        var done = fmt(t("saved"), { what: opLabel(action, res.body.operation) });
        if (action === "split" || action === "merge" || action === "move") state.selected = null;
        state.split = null;
        stopDrawing();
        state.mode = "idle";
        resetMode();
        return refresh(done);
      }
      return failed(res, action);
    }, function (err) {
      setStatus("", false);
      showNetworkError(err);
    })
    .then(function () {
      state.busy = false;
      update();
    });
}

/* What a refused write (edit, import, publish) shows; a stale row_version reloads the draft. */
export function failed(res, action) {
  var err = errorOf(res);
  if (res.status === 409 && err.details.field === "row_version") {
    // Someone else saved first: show their draft, the user redoes the edit on it.
    if (err.details.draft) state.draft = err.details.draft;
    resetMode();
    showError(t("stale"));
    return refresh("");
  }
  if (res.status === 422 && (err.code === "invalid_edit" || err.details.field !== undefined)) {
    state.lastRefused = err;
    showError(fmt(t("refused"), { message: err.message }));
    showRefused(err.details.geometry, true);
    if (err.details.reason === "not_contiguous" && action !== "exclave") offerExclave(err, action, lastBody);
    stopDrawing();
    if (["reshape", "split", "split-confirm", "vertices"].indexOf(state.mode) >= 0) resetMode();
    setStatus("", false);
    if (err.code === "draft_invalid") return validate();
    return null;
  }
  showError(fmt(t("failed"), { message: err.message }));
  setStatus("", false);
  if (res.status === 409) return reloadDraft();
  return null;
}

function reloadDraft() {
  return planApi("GET", "drafts/" + state.draft.id).then(function (res) {
    if (res.ok) state.draft = res.body;
    update();
  });
}

/* Fetch the layers, the validation and the edit log of the draft as it is now. */
export function refresh(done) {
  var query = { rv: state.draft.row_version };
  ["planGrids", "planChildren", "planParents"].forEach(function (key) {
    if (layerEntry(key)) setQuery(key, query);
  });
  markImpactStale();
  return Promise.all([loadOperations(), validate()]).then(function () {
    setStatus(done || "", false);
  });
}

/* Under a not_contiguous refusal: allow the grids it names as exclaves, then send the same edit again. */
function offerExclave(err, action, body) {
  var el = byId("plan-error");
  var codes = (err.details.params && err.details.params.codes) || [];
  if (!el || !codes.length || !body) return;
  var button = document.createElement("button");
  button.type = "button";
  button.id = "plan-exclave-retry";
  button.className = "btn btn-sm btn-outline-dark mt-1 d-block";
  button.textContent = fmt(t("exclave_retry"), { grids: codes.join("、") });
  button.addEventListener("click", function () {
    button.disabled = true;
    var chain = Promise.resolve(true);
    codes.forEach(function (code) {
      chain = chain.then(function (ok) { return ok && save("exclave", { code: code, allowed: true }).then(function () {
        return !state.lastRefused && !state.lastError;
      }); });
    });
    chain.then(function (ok) { if (ok) save(action, body); });
  });
  el.appendChild(button);
}
