/* 我的任务: the signed-in worker's open events, most urgent deadline first (GET /api/v1/reports
 * ?assignee=me&status=dispatched,in_progress&sort=deadline), and those reported done that wait for
 * the centre's check. One tap takes an event on (start); "done" and "send back" open a sheet for
 * the note and a photo of the site. Actions go through the outbox: with no network they wait on
 * the phone and are sent when it returns. */
import { api, beijingTime, byId, errorOf, esc, fmt } from "../core.js";
import { scaledPhoto, previewPhoto } from "../photo.js";
import * as outbox from "./outbox.js";
import { flushSoon, onFlushed, refreshQueue, settings, t } from "./app.js";

var WORKER_ACTIONS = ["accept", "start", "handle", "return", "escalate"];
var WITH_NOTE = { handle: true, "return": true, escalate: true };
var openList = byId("tasks-open"), handledList = byId("tasks-handled"), statusBox = byId("tasks-status");
var sheet = byId("finish"), sheetForm = byId("finish-form");
var events = {};      // ticket -> the event as listed
var pending = {};     // ticket -> action waiting in the outbox
var current = null;   // {ticket, action} the sheet is for
var photo = null;     // the sheet's scaled photo

window.gridmapTasks = { events: events, loaded: 0 };

function say(text, isError) {
  statusBox.textContent = text || "";
  statusBox.classList.toggle("gm-app-error", !!isError);
}

function listUrl(statuses, sort, limit) {
  return settings.api.reports + "?" + new URLSearchParams({ assignee: "me", status: statuses, sort: sort,
                                                             limit: String(limit) }).toString();
}

function isOwnPhoto(url) {
  return url.indexOf(location.origin + settings.api.photos + "/") === 0;
}

function photosHtml(urls) {
  if (!urls || !urls.length) return "";
  return "<div class=\"gm-task-photos\">" + urls.map(function (url, i) {
    var label = fmt(t("photos"), { n: i + 1 });
    // Our own photos are shown (img-src 'self'); links elsewhere stay links (no outside requests).
    var inner = isOwnPhoto(url) ? "<img src=\"" + esc(url) + "\" alt=\"" + esc(label) + "\" loading=\"lazy\">" : esc(label);
    return "<a href=\"" + esc(url) + "\" target=\"_blank\" rel=\"noopener noreferrer\">" + inner + "</a>";
  }).join("") + "</div>";
}

function card(e, done) {
  var state = e.deadline_state || "none";
  var actions = done ? [] : (e.allowed_actions || []).filter(function (a) { return WORKER_ACTIONS.indexOf(a) >= 0; });
  var waiting = pending[e.ticket];
  var place = [e.address, e.grid_name].filter(Boolean).join(" · ");
  var phone = e.reporter_phone ? "<a class=\"gm-task-call\" href=\"tel:" + esc(String(e.reporter_phone).replace(/[^0-9+]/g, "")) +
    "\">" + esc(fmt(t("call"), { phone: e.reporter_phone })) + "</a>" : "";
  var buttons = waiting ? "<p class=\"gm-task-waiting\">" + esc(t("waiting")) + " · " + esc(t("action_" + waiting)) + "</p>" :
    actions.map(function (a) {
      return "<button type=\"button\" class=\"btn " + (a === "start" || a === "handle" ? "btn-primary" : "btn-outline-secondary") +
        "\" data-action=\"" + esc(a) + "\">" + esc(t("action_" + a)) + "</button>";
    }).join("");
  return "<li class=\"gm-task gm-task-" + esc(state) + "\" data-ticket=\"" + esc(e.ticket) + "\" data-status=\"" + esc(e.status) + "\">" +
    "<div class=\"gm-task-head\"><span class=\"gm-task-category\">" + esc(e.category_label || e.category) + "</span>" +
    "<span class=\"gm-task-status\">" + esc(t("status_" + e.status)) + "</span></div>" +
    "<p class=\"gm-task-deadline\">" + (e.deadline ? esc(fmt(t("deadline"), { at: beijingTime(e.deadline) })) +
      (e.deadline_state ? " · <strong>" + esc(t("deadline_" + e.deadline_state)) + "</strong>" : "") : esc(t("no_deadline"))) + "</p>" +
    "<p class=\"gm-task-description\">" + esc(e.description) + "</p>" +
    (place ? "<p class=\"gm-task-place\">" + esc(place) + "</p>" : "") +
    "<p class=\"gm-task-meta\">" + esc(e.ticket) + " · " + esc(fmt(t("reported"), { at: beijingTime(e.created_at) })) + "</p>" +
    photosHtml(e.media_urls) + phone +
    (buttons ? "<div class=\"gm-task-actions\">" + buttons + "</div>" : "") + "</li>";
}

function render(list, items, done) {
  list.innerHTML = items.map(function (e) { return card(e, done); }).join("");
}

function load() {
  if (!Object.keys(events).length) say(t("loading"));
  return Promise.all([
    api("GET", listUrl("dispatched,in_progress", "deadline", 200)),
    api("GET", listUrl("handled", "created", 30)),
  ]).then(function (answers) {
    var open = answers[0], handled = answers[1];
    if (!open.ok) { say(fmt(t("load_failed"), { error: errorOf(open).message }), true); return; }
    Object.keys(events).forEach(function (k) { delete events[k]; });
    var openItems = open.body.reports, doneItems = handled.ok ? handled.body.reports : [];
    openItems.concat(doneItems).forEach(function (e) { events[e.ticket] = e; });
    render(openList, openItems, false);
    render(handledList, doneItems, true);
    byId("tasks-open-count").textContent = String(openItems.length);
    byId("tasks-handled-count").textContent = String(doneItems.length);
    // With no network the service worker answers from what it kept.
    say(!navigator.onLine ? t("cached") : openItems.length ? "" : t("empty"));
    window.gridmapTasks.loaded += 1;
  }).catch(function (e) {
    say(fmt(t("load_failed"), { error: e.message }), true);
  });
}

function queueAction(ticket, action, note, photoBlob) {
  var e = events[ticket];
  var body = { action: action, expected_state: e.status, row_version: e.row_version };
  if (note) body.note = note;
  pending[ticket] = action;
  return outbox.addJob(settings.user.id, {
    kind: "transition", ticket: ticket, url: settings.api.reports + "/" + encodeURIComponent(ticket) + "/transitions",
    body: body, photo: photoBlob || null, photoField: "photos",
  }).then(function () {
    render(openList, Object.values(events).filter(function (x) { return x.status !== "handled"; })
      .sort(byDeadline), false);
    refreshQueue();
    if (!navigator.onLine) { say(t("offline")); return; }
    say(t("sending"));
    return flushSoon();
  });
}

function byDeadline(a, b) {
  return String(a.deadline || "9999").localeCompare(String(b.deadline || "9999"));
}

onFlushed(function (report) {
  var changed = false;
  report.jobs.forEach(function (j) {
    if (j.kind !== "transition") return;
    delete pending[j.ticket];
    changed = true;
    if (j.ok) say(fmt(t("done"), { ticket: j.ticket, status: j.body.report.status_label }));
    else if (j.status === 409) say(t("stale"), true);
    else say(fmt(t("failed"), { error: j.error.message }), true);
  });
  if (changed) load();
});

openList.addEventListener("click", function (ev) {
  var button = ev.target.closest("button[data-action]");
  if (!button) return;
  var ticket = button.closest("li[data-ticket]").getAttribute("data-ticket");
  var action = button.getAttribute("data-action");
  if (!WITH_NOTE[action]) { button.disabled = true; queueAction(ticket, action, null, null); return; }
  openSheet(ticket, action);
});

// ---- the sheet: a note and a photo ---------------------------------------------------------

function openSheet(ticket, action) {
  current = { ticket: ticket, action: action };
  photo = null;
  sheetForm.reset();
  previewPhoto(byId("finish-preview"), null);
  byId("finish-error").textContent = "";
  byId("finish-title").textContent = (events[ticket].category_label || "") + " · " + ticket;
  byId("finish-note-label").textContent = action === "handle" ? t("note_label") : t("return_label");
  byId("finish-note").placeholder = action === "handle" ? t("note_placeholder") : "";
  byId("finish-submit").textContent = action === "handle" ? t("submit_handle") : t("submit_return");
  byId("finish-photo").closest("form").classList.toggle("gm-sheet-no-photo", action !== "handle");
  if (sheet.showModal) sheet.showModal(); else sheet.setAttribute("open", "");
}

function closeSheet() {
  if (sheet.close) sheet.close(); else sheet.removeAttribute("open");
  current = null;
}

byId("finish-photo").addEventListener("change", function (ev) {
  var file = ev.target.files && ev.target.files[0];
  scaledPhoto(file).then(function (blob) {
    photo = blob;
    previewPhoto(byId("finish-preview"), blob);
  });
});

byId("finish-cancel").addEventListener("click", closeSheet);

sheetForm.addEventListener("submit", function (ev) {
  ev.preventDefault();
  var note = byId("finish-note").value.trim();
  if (!note) { byId("finish-error").textContent = t("note_required"); return; }
  var target = current;
  closeSheet();
  queueAction(target.ticket, target.action, note, target.action === "handle" ? photo : null);
});

// What waits in the outbox from an earlier visit shows as waiting on its card.
outbox.waiting(settings.user.id).then(function (w) {
  w.jobList.forEach(function (j) { if (j.kind === "transition" && j.ticket) pending[j.ticket] = j.action; });
}).then(load);
window.addEventListener("online", function () { setTimeout(load, 500); });
