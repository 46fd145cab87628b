/* The filter form, the feed's query and the page URL (a desk can be bookmarked and shared). */

import { byId, fmt } from "../core.js";
import { cfg, emit, state, t } from "./state.js";

export var FILTERS = ["status", "grid_id", "category", "channel", "deadline_state", "sort", "needs_placement",
                      "outside_district", "reported", "district"];

function readForm() {
  var form = byId("dispatch-filters");
  var out = {};
  FILTERS.forEach(function (name) {
    var el = form.elements[name];
    if (!el) return;
    out[name] = el.type === "checkbox" ? (el.checked ? "true" : "") : el.value;
  });
  return out;
}

function writeForm() {
  var form = byId("dispatch-filters");
  FILTERS.forEach(function (name) {
    var el = form.elements[name];
    if (!el) return;
    if (el.type === "checkbox") el.checked = cfg.filters[name] === "true";
    else el.value = cfg.filters[name] || "";
  });
}

function isDefault(name, value) {
  return (name === "status" && value === "open") || (name === "sort" && value === cfg.default_sort) || !value;
}

export function feedQuery() {
  var f = cfg.filters;
  var q = new URLSearchParams();
  // "all" is no status filter at all; "open" is every state before closing.
  if (f.status && f.status !== "all") q.set("status", f.status);
  ["grid_id", "category", "channel", "deadline_state", "sort", "needs_placement", "outside_district", "reported",
   "district"].forEach(function (k) {
    if (f[k]) q.set(k, f[k]);
  });
  return q;
}

export function syncUrl() {
  var url = new URL(window.location.href);
  FILTERS.forEach(function (k) {
    var v = cfg.filters[k];
    if (!isDefault(k, v)) url.searchParams.set(k, v);
    else url.searchParams.delete(k);
  });
  if (state.selected) url.searchParams.set("ticket", state.selected);
  else url.searchParams.delete("ticket");
  window.history.replaceState(null, "", url.toString());
}

/* "(2)" beside the folded filters: how many differ from the defaults. */
function summarise() {
  var n = FILTERS.filter(function (k) { return k !== "sort" && !isDefault(k, cfg.filters[k]); }).length;
  byId("dispatch-filter-summary").textContent = n ? "(" + n + ")" : "";
}

function changed() {
  summarise();
  syncUrl();
  emit("filters", cfg.filters);
}

/* Replace the filters (the "new events" control): the form follows, the queue reloads. */
export function setFilters(filters) {
  cfg.filters = Object.assign({}, filters);
  writeForm();
  changed();
}

/* Narrows the grid list (about a thousand options in a district) to the options whose
 * name or code holds what was typed; Enter picks the first of them. */
function wireGridSearch() {
  var box = byId("dispatch-grid-search"), select = byId("dispatch-grid"), count = byId("dispatch-grid-count");
  if (!box || !select) return;
  function matches() {
    var needle = box.value.trim().toLowerCase();
    var found = [];
    Array.prototype.forEach.call(select.options, function (o) {
      if (!o.value) return; // "all grids" stays
      var hit = !needle || (o.dataset.search || "").toLowerCase().indexOf(needle) >= 0;
      o.hidden = !hit && !o.selected;
      if (hit && needle) found.push(o);
    });
    count.textContent = needle ? fmt(t("grid_matches"), { n: found.length }) : "";
    return found;
  }
  box.addEventListener("input", matches);
  box.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    var found = matches();
    if (!found.length || select.value === found[0].value) return;
    select.value = found[0].value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

export function wireFilters() {
  var form = byId("dispatch-filters");
  form.addEventListener("change", function (event) {
    if (!event.target.name) return; // the grid search box filters the list, not the events
    cfg.filters = Object.assign({}, cfg.filters, readForm());
    changed();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  wireGridSearch();
  summarise();
}
