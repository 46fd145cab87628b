/* Patrol: start and stop; while patrolling every position the browser reports (watchPosition,
 * WGS-84) is written to the outbox at once and sent in batches to POST /api/v1/patrols/fixes,
 * every half minute and when enough have gathered; with no network they wait on the phone and go
 * once it returns (the API stores each worker and instant once). A session (POST
 * /api/v1/patrols/sessions) marks the patrol on the server when there is network; the figures
 * come from the positions either way. The state survives a reload (localStorage). */
import { api, beijingClock, byId, errorOf, fmt, locationError } from "../core.js";
import * as outbox from "./outbox.js";
import { flushSoon, onFlushed, refreshQueue, settings, t } from "./app.js";

var SEND_AT = 20;          // positions waiting that start a send at once
var MIN_STEP_MS = 1000;    // two positions closer in time than this are one
var STATE_KEY = "gridmap-patrol-" + settings.user.id;

var toggle = byId("patrol-toggle"), stateBox = byId("patrol-state"), fixesBox = byId("patrol-fixes");
var statusBox = byId("patrol-status");
var watch = null, lastTime = 0, recorded = 0;
var state = readState();

window.gridmapPatrol = { recorded: 0, skipped: 0, figures: null, state: state };

function readState() {
  try { return JSON.parse(localStorage.getItem(STATE_KEY)) || { running: false }; }
  catch (e) { return { running: false }; }
}

function saveState() {
  localStorage.setItem(STATE_KEY, JSON.stringify(state));
  window.gridmapPatrol.state = state;
}

function say(text, isError) {
  statusBox.textContent = text || "";
  statusBox.classList.toggle("gm-app-error", !!isError);
  aboutLocation = false;
}

// A message about the position (none to be had, too imprecise) holds only until a good one comes.
var aboutLocation = false;
function sayAboutLocation(text, isError) {
  say(text, isError);
  aboutLocation = true;
}

function show() {
  toggle.textContent = state.running ? t("stop") : t("start");
  toggle.classList.toggle("btn-success", !state.running);
  toggle.classList.toggle("btn-danger", state.running);
  stateBox.textContent = state.running ? fmt(t("running"), { at: beijingClock(state.startedAt) }) : t("stopped");
  refreshQueue().then(function (w) {
    fixesBox.textContent = state.running || w.fixes ? fmt(t("fixes"), { n: recorded, waiting: w.fixes }) : "";
  });
}

function onPosition(pos) {
  var c = pos.coords;
  if (aboutLocation && c.accuracy <= settings.max_accuracy_m) say("");   // a good position: the trouble is over
  if (pos.timestamp - lastTime < MIN_STEP_MS) return;
  if (c.accuracy > settings.max_accuracy_m) {
    window.gridmapPatrol.skipped += 1;
    sayAboutLocation(fmt(t("poor_fix"), { m: Math.round(c.accuracy) }));
    return;
  }
  lastTime = pos.timestamp;
  outbox.addFix(settings.user.id, { time: new Date(pos.timestamp).toISOString(), lon: c.longitude, lat: c.latitude,
                                    accuracy: c.accuracy }).then(function () {
    recorded += 1;
    window.gridmapPatrol.recorded = recorded;
    show();
    var waiting = window.gridmapWorker.waiting;
    if (navigator.onLine && waiting && waiting.fixes + 1 >= SEND_AT) flushSoon();
  });
}

function startWatching() {
  if (!navigator.geolocation) { say(t("no_geolocation"), true); return false; }
  watch = navigator.geolocation.watchPosition(onPosition, function (err) {
    sayAboutLocation(fmt(t("location_denied"), { reason: locationError(t, err) }), true);
  }, { enableHighAccuracy: true, maximumAge: 0, timeout: 60000 });
  return true;
}

function openSession() {
  return api("POST", settings.api.sessions, {}).then(function (res) {
    if (res.ok) return res.body.id;
    var e = errorOf(res);
    if (e.code === "session_open" && e.details.session) return e.details.session.id;   // opened on another tab
    say(fmt(t("session_failed"), { error: e.message }), true);
    return null;
  }, function () { return null; });   // offline: the positions alone make the patrol
}

function start() {
  if (!startWatching()) return;
  state = { running: true, startedAt: new Date().toISOString(), session: null };
  saveState();
  show();
  openSession().then(function (id) {
    if (state.running) { state.session = id; saveState(); }
  });
}

function stop() {
  if (watch !== null) navigator.geolocation.clearWatch(watch);
  watch = null;
  var session = state.session;
  state = { running: false };
  saveState();
  show();
  var stopping = session ? outbox.addJob(settings.user.id, {
    kind: "session_stop", url: settings.api.sessions + "/" + encodeURIComponent(session) + "/stop", body: {},
  }) : Promise.resolve();
  window.gridmapPatrol.stopping = stopping.then(function () { return navigator.onLine ? flushSoon() : null; });
}

toggle.addEventListener("click", function () { if (state.running) stop(); else start(); });

function hours(seconds) {
  var minutes = Math.round(seconds / 60);
  return fmt(t("today_time"), { h: Math.floor(minutes / 60), m: minutes % 60 });
}

function loadFigures() {
  return api("GET", settings.api.figures).then(function (res) {
    if (!res.ok) { say(fmt(t("figures_failed"), { error: errorOf(res).message }), true); return; }
    var me = (res.body.workers || []).filter(function (w) { return w.id === settings.user.id; })[0];
    window.gridmapPatrol.figures = me || null;
    if (!me) return;
    byId("patrol-time").textContent = hours(me.seconds);
    byId("patrol-share").textContent = me.visited_share == null ? "–" :
      fmt(t("today_share"), { percent: (me.visited_share * 100).toFixed(1) });
    byId("patrol-distance").textContent = (me.distance_m / 1000).toFixed(2) + " km";
  }).catch(function () { /* offline: the last figures stay */ });
}

onFlushed(function (report) {
  show();
  report.jobs.forEach(function (j) {
    // A session stopped already (409) is what was wanted; other refusals are said.
    if (j.kind === "session_stop" && !j.ok && j.status !== 409) say(fmt(t("failed"), { error: j.error.message }), true);
  });
  if (report.fixes) loadFigures();
});

if (state.running) startWatching();
show();
loadFigures();
setInterval(loadFigures, 120000);
