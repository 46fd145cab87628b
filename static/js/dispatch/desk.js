/* The dispatch desk (/dispatch): queue, event panel and live map. The entry module.
 *
 * Started by app/dispatch/map.py (GridMapDispatch.init) once the folium map exists; folium's
 * map script is a module too and runs after this one. One module per concern:
 *
 *   state.js      the shared state (window.gridmapDispatch), settings and event bus
 *   filters.js    the filter form, the feed's query, the URL
 *   feed.js       polling the live feed, applying its answers
 *   queue.js      the queue in the desk's order, and its counts
 *   markers.js    the map: markers, clusters, the selected event kept in view
 *   panel.js      the selected event: fields, history, buttons
 *   actions.js    acting on it: dispatch, reassign, recall ... with their forms
 *   placement.js  placing an unplaced event, with the address search
 *   transfer.js   交办 / 转办: moving the event to another district
 *   notify.js     new events: counter, tab title, chime
 *   views.js      one part at a time on a narrow screen
 */

import { byId } from "../core.js";
import { wireActions } from "./actions.js";
import { pollNow, startFeed } from "./feed.js";
import { wireFilters } from "./filters.js";
import { inView, keepInView, setUp } from "./markers.js";
import { wireNotify } from "./notify.js";
import { select, wirePanel } from "./panel.js";
import { wirePlacement } from "./placement.js";
import { wireTransfer } from "./transfer.js";
import { cfg, on, t } from "./state.js";
import { setView, showSelected, wireViews } from "./views.js";

function choose(ticket, fromQueue) {
  var loaded = select(ticket, fromQueue);
  showSelected();
  return loaded;
}

function wireQueue() {
  var list = byId("dispatch-list");
  list.addEventListener("click", function (event) {
    var li = event.target.closest("li[data-ticket]");
    if (li) choose(li.dataset.ticket, true);
  });
  list.addEventListener("keydown", function (event) {
    var li = event.target.closest("li[data-ticket]");
    if (li && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      choose(li.dataset.ticket, true);
    }
  });
  on("marker", function (e) { choose(e.ticket, false); });
}

function init(leafletMap, options) {
  Object.assign(cfg, options || {});
  cfg.filters = Object.assign({}, cfg.filters);
  var map = setUp(leafletMap);
  GridMapDispatch.map = map;
  // A worker (or a community's dispatcher) starts on their own grids, outlined, not on the district.
  if (cfg.home_area) {
    L.geoJSON(cfg.home_area, { interactive: false, style: { color: "#0b3d91", weight: 3, dashArray: "6 4", fill: false } })
      .bindTooltip(t("my_grids")).addTo(map);
  }
  if (cfg.home_bounds) map.fitBounds(cfg.home_bounds, { padding: [24, 24], animate: false });
  wireFilters();
  wireQueue();
  wirePanel();
  wireActions();
  wirePlacement();
  wireTransfer();
  wireNotify();
  wireViews();
  var start = cfg.filters.ticket;
  delete cfg.filters.ticket;
  startFeed();
  if (start) choose(start, false);
  else setView("list");
}

/* What folium's map script calls, and the console and tests. */
var GridMapDispatch = (window.GridMapDispatch = {
  init: init, pollNow: pollNow, select: choose, keepInView: keepInView, inView: inView, setView: setView, map: null,
});
