/* The desk's shared state, its settings and a small event bus between its modules.
 *
 * Every module of the desk imports this one and none imports "upwards": a module that must
 * react to another (the panel closing a form, the feed redrawing the queue) listens on the
 * bus (on / emit) instead, so the modules import one another without a cycle.
 *
 * window.gridmapDispatch is the state, for tests and the console.
 */

import { byId, textsOf } from "../core.js";

export var state = (window.gridmapDispatch = {
  store: {},          // ticket -> GeoJSON feature
  markers: {},        // ticket -> L.marker
  cursor: null,
  scope: null,        // the feed's fingerprint of boundaries and our area
  polls: 0,
  lastUpdate: null,
  error: null,
  truncated: false,
  selected: null,     // ticket
  detail: null,       // the selected report (GET /api/v1/reports/<ticket>)
  placing: null,      // {latlng} while placing on the map
  newEvents: null,    // new (unaccepted) events in our area, from the feed; null before the first answer
  chimes: 0,          // how often the new-event chime sounded
  view: "list",       // on a narrow screen: list, map or detail
});

/* The page's settings (app/dispatch/pages.py), filled by init. */
export var cfg = { texts: {}, colors: {}, filters: {}, poll_ms: 3000, queue_ranks: {} };

export var t = textsOf(cfg);

export function reportUrl(ticket, tail) {
  return cfg.reports_url + "/" + encodeURIComponent(ticket) + (tail ? "/" + tail : "");
}

/* The panel's message line (info, success, warning, danger); empty text hides it. */
export function message(kind, text) {
  var el = byId("dispatch-message");
  el.className = "alert py-1 px-2 small alert-" + kind;
  el.textContent = text || "";
  el.hidden = !text;
}

var listeners = {};

export function on(name, fn) {
  (listeners[name] = listeners[name] || []).push(fn);
}

export function emit(name, detail) {
  (listeners[name] || []).forEach(function (fn) { fn(detail); });
  // Tests and other scripts may listen too.
  document.dispatchEvent(new CustomEvent("gridmap:" + name, { detail: detail }));
}
