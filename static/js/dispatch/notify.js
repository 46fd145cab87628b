/* New events cannot be missed: how many new (unaccepted) events wait in our area, in the desk's
 * bar and the tab title ("(3) 调度台"), a chime when more arrive (if the user switched it on),
 * and a control that lists them.
 *
 * The count comes with every answer of the feed (new_events), whatever the filters. The chime is
 * the Web Audio API (no sound file): browsers keep audio silent until the page gets a click, and
 * switching the chime on is that click. The switch is remembered for the user on the server
 * (/api/v1/dispatch/preferences), so it follows them to another console.
 */

import { api, byId, errorOf, fmt } from "../core.js";
import { setFilters } from "./filters.js";
import { cfg, emit, message, on, state, t } from "./state.js";

var baseTitle = "";
var audio = null;

function audioContext() {
  if (audio) return audio;
  var Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  try {
    audio = new Context();
  } catch (e) {
    audio = null;
  }
  return audio;
}

/* Two short rising tones, soft enough for an operations room. */
export function chime() {
  state.chimes += 1;
  emit("chime", { count: state.chimes });
  var ctx = audioContext();
  if (!ctx) return;
  if (ctx.state === "suspended") ctx.resume();
  var start = ctx.currentTime + 0.02;
  [880, 1318.5].forEach(function (freq, i) {
    var osc = ctx.createOscillator(), gain = ctx.createGain();
    var at = start + i * 0.18;
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + 0.32);
  });
}

function chimeOn() {
  return byId("dispatch-chime").checked;
}

function show(n) {
  var button = byId("dispatch-new");
  button.dataset.count = String(n);
  button.classList.toggle("gm-has-new", n > 0);
  byId("dispatch-new-count").textContent = String(n);
  byId("dispatch-new-label").textContent = n > 0 ? fmt(t("new_events"), { n: n }) : t("no_new_events");
  document.title = n > 0 ? fmt(t("title_count"), { n: n, title: baseTitle }) : baseTitle;
}

function onFeed(e) {
  if (e.newEvents === null) return;
  show(e.newEvents);
  // More than at the last answer: something arrived (not on the first answer, nor when some were taken).
  if (e.before !== null && e.newEvents > e.before && chimeOn()) chime();
}

function saveChime() {
  var input = byId("dispatch-chime");
  var wanted = input.checked;
  // The switch is a click: the browser now lets the page play sound.
  if (wanted) {
    var ctx = audioContext();
    if (ctx && ctx.state === "suspended") ctx.resume();
  }
  api("PUT", cfg.preferences_url, { chime: wanted }).then(function (res) {
    if (res.status === 200) {
      state.preferences = res.body;
      emit("preferences", res.body);
      return;
    }
    input.checked = !wanted;
    message("danger", fmt(t("chime_failed"), { message: errorOf(res).message }));
  }).catch(function (err) {
    input.checked = !wanted;
    message("danger", fmt(t("chime_failed"), { message: String(err) }));
  });
}

/* List the new events: exactly those the counter counts (our whole area, newest first). */
function showNew() {
  setFilters({ status: "reported", sort: cfg.default_sort || "priority", grid_id: "", category: "", channel: "",
               deadline_state: "", needs_placement: "", outside_district: "", reported: "", district: cfg.filters.district || "" });
  emit("view", { view: "list" });
  var list = byId("dispatch-list");
  if (list) list.scrollTop = 0;
}

export function wireNotify() {
  // The title as the page wrote it, without the count it may already carry.
  baseTitle = document.title.replace(/^\(\d+\)\s*/, "");
  state.preferences = cfg.preferences || { chime: false };
  byId("dispatch-chime").checked = !!state.preferences.chime;
  byId("dispatch-chime").addEventListener("change", saveChime);
  byId("dispatch-new").addEventListener("click", showNew);
  // A chime left on at the last shift needs one click on the page before the browser plays it.
  document.addEventListener("pointerdown", function () {
    if (chimeOn()) {
      var ctx = audioContext();
      if (ctx && ctx.state === "suspended") ctx.resume();
    }
  }, { once: true });
  on("feed", onFeed);
}
