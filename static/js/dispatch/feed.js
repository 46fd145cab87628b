/* The live feed (/api/v1/reports/changes): polled every few seconds with the cursor of the
 * previous answer, so new and changed events reach the queue and the map without a reload.
 *
 * The first answer (no cursor) is the whole filtered list; later ones only the changes, plus
 * the tickets that left the filters ("unmatched"). Rows may come twice (the cursor overlaps on
 * purpose): the store is keyed by ticket and a row is redrawn only when it differs. Every answer
 * also counts the new events of our area (new_events), whatever the filters.
 */

import { api, beijingClock, byId, errorOf, fmt } from "../core.js";
import { feedQuery } from "./filters.js";
import { chooseLayer, clearMarkers, drawMarker, removeMarker } from "./markers.js";
import { renderQueue } from "./queue.js";
import { cfg, emit, on, state, t } from "./state.js";

var timer = null;
var busy = false;
var again = false;
var generation = 0;   // bumped when the filters change: older answers are dropped
var failures = 0;
var lastFull = 0;

function setLive(ok) {
  var el = byId("dispatch-live");
  if (!el) return;
  if (ok) {
    el.textContent = fmt(t("updated_at"), { time: beijingClock(state.lastUpdate) });
    el.classList.remove("gm-offline");
  } else {
    el.textContent = t("offline");
    el.classList.add("gm-offline");
  }
}

function schedule(delay) {
  clearTimeout(timer);
  timer = setTimeout(function () { poll(false); }, delay);
}

export function poll(full) {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  // Passing time changes no row (a deadline just passes): now and then reload everything.
  if (!full && lastFull && Date.now() - lastFull > (cfg.resync_ms || 300000)) full = true;
  var gen = generation;
  var q = feedQuery();
  if (!full && state.cursor) q.set("since", state.cursor);
  var wasFull = full || !state.cursor;
  if (wasFull) lastFull = Date.now();
  var next = cfg.poll_ms;
  api("GET", cfg.feed_url + "?" + q.toString())
    .then(function (res) {
      if (gen !== generation) return;
      if (res.status !== 200) throw new Error(errorOf(res).message);
      failures = 0;
      state.error = null;
      state.polls += 1;
      state.lastUpdate = new Date();
      var applied = apply(res.body, wasFull) !== false;
      setLive(true);
      if (!applied || (res.body.truncated && !wasFull)) next = 0; // more changes are waiting
    })
    .catch(function (err) {
      failures += 1;
      state.error = String(err && err.message ? err.message : err);
      setLive(false);
      // Back off while the server is away, up to half a minute.
      next = Math.min(cfg.poll_ms * Math.pow(2, failures), 30000);
    })
    .then(function () {
      busy = false;
      if (gen !== generation || again) {
        again = false;
        schedule(0);
      } else {
        schedule(next);
      }
    });
}

/* Ask the feed now (after an action of ours), without waiting for the timer. */
export function pollNow() {
  clearTimeout(timer);
  poll(false);
}

/* Start again from a full load (the filters changed). */
function reload() {
  generation += 1;
  state.cursor = null;
  clearTimeout(timer);
  if (busy) again = true;
  else poll(true);
}

function signature(f) {
  var p = f.properties || {};
  return [p.row_version, p.status, p.deadline_state, p.grid_code, p.needs_placement, p.assignee_id,
          p.outside_district, p.point_district,
          JSON.stringify(f.geometry)].join("|");
}

/* A running clock whose deadline has passed is overdue now, though its row did not change. */
function markOverdue() {
  var now = Date.now();
  var changed = false;
  Object.keys(state.store).forEach(function (ticket) {
    var p = state.store[ticket].properties;
    if ((p.status === "dispatched" || p.status === "in_progress") && p.deadline &&
        p.deadline_state !== "overdue" && Date.parse(p.deadline) < now) {
      p.deadline_state = "overdue";
      drawMarker(state.store[ticket], false);
      changed = true;
    }
  });
  return changed;
}

function apply(data, full) {
  var fresh = {};
  // A publish or a change of our grids can take events out of our view, which no
  // answer scoped to that view can name: start again from a full load.
  if (!full && state.scope && data.scope !== state.scope) {
    state.cursor = null;
    return false;
  }
  state.scope = data.scope;
  if (full) {
    clearMarkers();
    state.store = {};
    state.truncated = !!data.truncated;
    chooseLayer((data.features || []).length);
  }
  (data.unmatched || []).forEach(function (ticket) {
    if (!state.store[ticket]) return;
    delete state.store[ticket];
    removeMarker(ticket);
  });
  (data.features || []).forEach(function (f) {
    var ticket = f.properties.ticket;
    var old = state.store[ticket];
    if (old && signature(old) === signature(f)) return; // seen already (the cursor overlaps)
    state.store[ticket] = f;
    drawMarker(f, !full);
    if (!full) fresh[ticket] = true;
  });
  state.cursor = data.cursor;
  markOverdue();
  renderQueue(fresh);
  var before = state.newEvents;
  if (typeof data.new_events === "number") state.newEvents = data.new_events;
  emit("feed", { full: full, fresh: fresh, newEvents: state.newEvents, before: before });
  emit("dispatch", { count: Object.keys(state.store).length });
}

export function startFeed() {
  on("filters", reload);
  poll(true);
}
