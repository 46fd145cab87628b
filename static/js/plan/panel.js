/* The editor's panel: the status line, the alert area, the hint, the tabs, and which buttons are on. */
import { byId, errorOf, fmt } from "../core.js";
import { layerEntry, pickedBuildingIds, pickedCodes, state, t } from "./state.js";

/* A status line (hidden when empty; "busy" shows that something is under way). */
export function writeStatus(id, message, busy) {
  var el = byId(id);
  if (!el) return;
  el.textContent = message || "";
  el.hidden = !message;
  el.classList.toggle("gm-busy", !!busy);
}

/* The panel's status line. */
export function setStatus(message, busy) {
  writeStatus("plan-status", message, busy);
}

export function showError(message) {
  state.lastError = message || "";
  var el = byId("plan-error");
  if (!el) return;
  el.textContent = message || "";
  el.hidden = !message;
}

/* The API answered with an error (see core.errorOf). */
export function showFailure(res) {
  showError(fmt(t("failed"), { message: errorOf(res).message }));
}

/* The server was not reached (api() rejected). */
export function showNetworkError(err) {
  showError(fmt(t("network"), { message: err.message }));
}

function setHint(message) {
  var el = byId("plan-hint");
  if (!el) return;
  el.textContent = message || "";
  el.hidden = !message;
}

export function show(id, visible) {
  var el = byId(id);
  if (el) el.hidden = !visible;
}

function enable(id, enabled) {
  var el = byId(id);
  if (el) el.disabled = !enabled;
}

export function on(id, handler) {
  var el = byId(id);
  if (el) el.addEventListener("click", handler);
}

/* Buttons, hint and selection line for the state as it is now; called after every change of it. */
export function update() {
  var idle = state.mode === "idle" && !state.busy && !state.published;
  var d = state.draft || {};
  enable("plan-reshape", idle && !!state.selected);
  enable("plan-vertices", idle && !!state.selected);
  enable("plan-split", idle && !!state.selected);
  enable("plan-merge", idle);
  enable("plan-move", idle && !!layerEntry("planChildren"));
  enable("plan-move-buildings", idle);
  enable("plan-undo", idle && !!d.can_undo);
  enable("plan-redo", idle && !!d.can_redo);
  var v = state.validation;
  enable("plan-publish", idle && !!v && v.publishable === true && !d.stale);
  enable("plan-impact", !state.impactBusy);
  enable("plan-import", idle);
  var drawing = state.mode === "reshape" || state.mode === "split";
  show("plan-finish", drawing);
  show("plan-split-confirm", state.mode === "split-confirm");
  enable("plan-split-save", !state.busy);
  var exclave = byId("plan-exclave");
  if (exclave) {
    var code = state.selected && state.selected.code;
    exclave.hidden = !code || state.published || state.mode !== "idle";
    exclave.disabled = !idle;
    var allowed = !!(code && state.exclaves[code]);
    exclave.textContent = allowed ? t("exclave_withdraw") : t("exclave_allow");
    exclave.dataset.allowed = allowed ? "true" : "false";
  }
  var picking = state.mode === "move-pick" || state.mode === "building-pick";
  show("plan-save", state.mode === "vertices" || state.mode === "merge" || picking);
  enable("plan-save", !state.busy);
  show("plan-cancel", state.mode !== "idle");
  var save = byId("plan-save");
  if (save) save.textContent = picking ? t("choose_target") : t("save");

  var sel = byId("plan-selection");
  if (sel) {
    sel.textContent = state.selected
      ? fmt(t("selected"), { name: state.selected.name, code: state.selected.code }) +
        (state.exclaves[state.selected.code] ? " · " + t("exclave_allowed") : "")
      : t("nothing_selected");
  }
  var name = state.selected ? state.selected.name + " (" + state.selected.code + ")" : "";
  var n = pickedCodes().length;
  var hints = {
    reshape: fmt(t("draw_polygon"), { name: name }),
    vertices: fmt(t("edit_vertices"), { name: name }),
    split: fmt(t("draw_line"), { name: name }),
    merge: fmt(t("merge_pick"), { n: n }),
    "move-pick": fmt(t("move_pick"), { n: n }),
    "move-target": fmt(t("move_target"), { n: n }),
    "building-pick": fmt(t("move_buildings_pick"), { n: pickedBuildingIds().length }),
    "building-target": fmt(t("move_buildings_target"), { n: pickedBuildingIds().length }),
  };
  setHint(hints[state.mode] || "");
  if (document.body.dataset.planMode !== state.mode) {
    document.body.dataset.planMode = state.mode;
    document.dispatchEvent(new CustomEvent("gridmap:plan-mode", { detail: { mode: state.mode } }));
  }
}

/* The panel's tabs (validation, edits, impact, import): one shown at a time, all one click away. */
export function showTab(name) {
  document.querySelectorAll(".gm-plan-tab").forEach(function (tab) {
    var mine = tab.id === "plan-tab-" + name;
    tab.setAttribute("aria-selected", mine ? "true" : "false");
    tab.classList.toggle("gm-active", mine);
    var pane = byId(tab.getAttribute("aria-controls"));
    if (pane) pane.hidden = !mine;
  });
  document.body.dataset.planTab = name;
}

export function initTabs() {
  document.querySelectorAll(".gm-plan-tab").forEach(function (tab) {
    tab.addEventListener("click", function () { showTab(tab.id.replace("plan-tab-", "")); });
  });
  showTab("validation");
}
