/* The planners' pages' shared state: the draft being edited, the page's settings, the map.
 *
 * window.gridmapPlan is this state, for tests and the console. Every module of the editor reads and
 * writes it here; no module keeps a copy.
 */
import { api, textsOf } from "../core.js";

export var state = (window.gridmapPlan = {
  draft: null,
  mode: "idle",        // idle | reshape | vertices | split | split-confirm | merge | move-pick
                       // | move-target | building-pick | building-target
  selected: null,      // {code, name} of the selected grid
  picked: {},          // code -> name: grids to merge, units to move
  pickedBuildings: {}, // address_id -> the building's GeoJSON feature: buildings to move
  buildings: { loads: 0, count: 0, truncated: false, error: "" },  // the last answer of the building layer
  busy: false,
  published: false,    // not editable: published here, or shown read-only (scheduled, published, retired)
  exclaves: {},        // code -> true: grids allowed to lie in pieces (the validation's notices)
  highlighted: null,   // the code of the grid the clicked issue is about
  totals: null,        // the last live totals shown: {grids, refused, ...} (POST drafts/<id>/preview)
  totalsShown: 0,      // live totals answers shown
  split: null,         // the line being confirmed: {code, line, parts}
  validationChanges: null,  // what the last edit's check found: {added, resolved, ...}
  validation: null,
  operations: [],
  saved: 0,            // edits saved through this page (incl. undo/redo)
  validations: 0,      // validation answers received
  lastError: "",
  lastRefused: null,   // the error body of the last refused edit
  impact: null,        // the impact answer shown in the panel
  impactBusy: false,
  impactDrawn: { old: 0, "new": 0 },  // outlines drawn by the impact preview, by side
  imported: null,      // what the last import read: {features, crs, layer}
  importJob: null,     // the import's job as last seen (its state, progress and message)
});

/* From the page: texts, urls {api, list}, styles, draft, level ... (app/plan/pages.py, editor.py). */
export var settings = { texts: {}, urls: {}, styles: {} };
export var t = textsOf(settings);

/* The editor's Leaflet map (null on the list of drafts). */
export var map = null;

export function configure(options, leafletMap) {
  Object.assign(settings, options || {});
  if (leafletMap) map = leafletMap;
}

/* The draft API, relative to /api/v1/ (see core.api). */
export function planApi(method, path, body) {
  return api(method, settings.urls.api + path, body);
}

/* A layer of the page (planGrids, planChildren, planParents), as gridmap-maps.js keeps it. */
export function layerEntry(key) {
  return (window.gridmapLayers || {})[key];
}

export function pickedCodes() {
  return Object.keys(state.picked).sort();
}

export function pickedBuildingIds() {
  return Object.keys(state.pickedBuildings).map(Number).sort(function (a, b) { return a - b; });
}
