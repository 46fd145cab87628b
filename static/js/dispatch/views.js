/* On a narrow screen (a phone, 390 px) the desk shows one of its three parts at a time: the
 * list, the map or the event, switched in the bar; choosing an event opens it, "show on the map"
 * goes to its marker. Wider screens show them side by side and ignore the switch.
 */

import { byId } from "../core.js";
import { getMap, keepInView } from "./markers.js";
import { emit, on, state } from "./state.js";

var NARROW = window.matchMedia("(max-width: 767.98px)");

export function narrow() {
  return NARROW.matches;
}

export function setView(view) {
  var desk = byId("dispatch");
  if (view === "detail" && !state.selected) view = "list";
  state.view = view;
  desk.dataset.view = view;
  desk.querySelectorAll(".gm-dispatch-views button[data-view]").forEach(function (b) {
    b.setAttribute("aria-pressed", b.dataset.view === view ? "true" : "false");
    if (b.dataset.view === "detail") b.disabled = !state.selected;
  });
  if (view === "map") {
    // The map was hidden (0 px): it learns its size now, then shows the selected event.
    getMap().invalidateSize({ pan: false });
    if (state.selected) keepInView(state.selected);
  }
  emit("view-changed", { view: view });
}

export function wireViews() {
  byId("dispatch").querySelectorAll(".gm-dispatch-views button[data-view]").forEach(function (b) {
    b.addEventListener("click", function () { setView(b.dataset.view); });
  });
  byId("dispatch-show-on-map").addEventListener("click", function () { setView("map"); });
  on("view", function (e) { setView(e.view); });
  on("select", function (e) {
    // select() announces the event before it takes it: the switch's state follows on "detail".
    if (!e.ticket) setView(state.view === "detail" ? "list" : state.view);
  });
  on("detail", function () {
    byId("dispatch").querySelector(".gm-dispatch-views button[data-view='detail']").disabled = false;
  });
  // Folded filters leave the list its room on a phone; the summary says how many are set.
  if (narrow()) byId("dispatch-filter-box").open = false;
  NARROW.addEventListener("change", function () { setView(state.view); });
}

/* After select(): on a phone the event's panel replaces the list or the map. */
export function showSelected() {
  if (narrow()) setView("detail");
  else setView(state.view);
}
