/* The editor's modes that pick grids (merge, move) and the way back to "idle" from any mode. */
import { hideBuildings } from "./buildings.js";
import { stopDrawing } from "./drawing.js";
import { restyle } from "./layers.js";
import { update } from "./panel.js";
import { layerEntry, map, state } from "./state.js";
import { hideTotals, refreshTotals } from "./totals.js";

export function resetMode() {
  stopDrawing();
  state.mode = "idle";
  state.picked = {};
  state.split = null;
  hideTotals();
  var container = map.getContainer();
  container.classList.remove("gm-plan-picking", "gm-plan-targeting");
  var children = layerEntry("planChildren");
  if (children && map.hasLayer(children.target)) map.removeLayer(children.target);
  hideBuildings();
  restyle();
  update();
}

export function startMerge() {
  state.mode = "merge";
  state.picked = {};
  if (state.selected) state.picked[state.selected.code] = state.selected.name;
  restyle();
  update();
}

/* Pick the units of the level below, then (chooseMoveTarget) the grid they move into. */
export function startMove() {
  var children = layerEntry("planChildren");
  if (!children) return;
  state.mode = "move-pick";
  state.picked = {};
  map.getContainer().classList.add("gm-plan-picking");
  if (!map.hasLayer(children.target)) map.addLayer(children.target);
  restyle();
  update();
}

export function chooseMoveTarget() {
  state.mode = "move-target";
  var c = map.getContainer();
  c.classList.remove("gm-plan-picking");
  c.classList.add("gm-plan-targeting");
  update();
  refreshTotals();
}

/* A click on a grid while merging or picking units: picked, or no longer. */
export function togglePicked(p) {
  if (state.picked[p.code]) delete state.picked[p.code];
  else state.picked[p.code] = p.name;
  restyle();
  update();
  if (state.mode === "move-pick") refreshTotals();
}
