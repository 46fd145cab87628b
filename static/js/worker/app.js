/* The phone app's shell, on every /m/ page: its settings and texts, the service worker, the
 * network and queue indicators in the bar, and sending what waits in the outbox: when the network
 * returns, every SEND_EVERY_MS while the app is open, and when a page asks (flushSoon).
 * Pages import { settings, t, flushSoon, onFlushed } from here. */
import { byId, fmt, textsOf } from "../core.js";
import * as outbox from "./outbox.js";

var SEND_EVERY_MS = 30000;

var main = byId("app-main");
export var settings = JSON.parse(main.getAttribute("data-settings"));
export var t = textsOf(settings);

var listeners = [];
var sending = null;
var netBox = byId("app-net"), queueBox = byId("app-queue");

/* Call fn(report) after every send (report: outbox.flush's answer). */
export function onFlushed(fn) { listeners.push(fn); }

export function refreshQueue() {
  return outbox.waiting(settings.user.id).then(function (w) {
    var n = w.fixes + w.jobs;
    queueBox.hidden = n === 0;
    queueBox.textContent = fmt(t("queued"), { n: n });
    window.gridmapWorker.waiting = w;
    return w;
  });
}

/* Send now (one send at a time; a call during a send gets that send's answer). */
export function flushSoon() {
  if (sending) return sending;
  sending = outbox.flush(settings).then(function (report) {
    sending = null;
    if (report.stopped && report.stopped.status === 401) showNet(t("signed_out"), true);
    listeners.forEach(function (fn) { fn(report); });
    return refreshQueue().then(function () { return report; });
  }, function (e) { sending = null; throw e; });
  return sending;
}

function showNet(text, isError) {
  netBox.hidden = !text;
  netBox.textContent = text || "";
  netBox.classList.toggle("gm-app-net-bad", !!isError);
}

function netChanged() {
  if (navigator.onLine) {
    showNet("");
    flushSoon();
  } else {
    showNet(t("offline"), true);
  }
}

window.gridmapWorker = { settings: settings, flush: flushSoon, refreshQueue: refreshQueue, waiting: null,
                         serviceWorker: null };

window.addEventListener("online", netChanged);
window.addEventListener("offline", netChanged);
setInterval(function () { if (navigator.onLine) flushSoon(); }, SEND_EVERY_MS);

if ("serviceWorker" in navigator) {
  window.gridmapWorker.serviceWorker = navigator.serviceWorker.register(settings.api.sw, { scope: settings.api.scope })
    .then(function (reg) { return reg; }, function (e) { return { error: String(e) }; });
  navigator.serviceWorker.addEventListener("message", function (e) {
    if (e.data && e.data.type === "flush") flushSoon();
  });
}

// Signing out: the answers kept for offline use go (the next person on this phone must not read
// them); what waits in the outbox stays with its account and goes when that account signs in.
var logout = byId("app-logout");
if (logout) {
  logout.addEventListener("submit", function () {
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "forget-data" });
    }
  });
}

netChanged();
refreshQueue();
