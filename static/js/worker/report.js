/* Report an event from the field (channel worker_app, the worker as reporter: the patrol figures
 * count a worker's reports by their phone). The report goes through the outbox with an
 * Idempotency-Key: with no network it waits on the phone and is filed once when the network
 * returns, its photo uploaded first. */
import { byId, errorOf, fmt } from "../core.js";
import { clearWhenCorrected, markInvalid } from "../form-errors.js";
import { pinMap } from "../pin-map.js";
import { previewPhoto, scaledPhoto } from "../photo.js";
import * as outbox from "./outbox.js";
import { flushSoon, onFlushed, refreshQueue, settings, t } from "./app.js";

var form = byId("report-form"), statusBox = byId("report-status"), submit = byId("report-submit");
var photo = null;
var categoryField = byId("report-category"), descriptionField = byId("report-description");
var where = pinMap({ handle: "workerPinMap", texts: settings.texts_map, api: settings.api, areas: settings.user.areas,
                     onPlace: placeGiven });
// The field the status message is about (a check before sending), or null: the message goes when it is put right.
var faulty = null;

window.gridmapWorkerReport = { results: [] };

function say(text, isError) {
  statusBox.textContent = text || "";
  statusBox.classList.toggle("gm-app-error", !!isError);
  faulty = null;
}

/* A check before sending failed: say so, mark the field (the place has no single field) and keep it in view. */
function complain(field, text) {
  say(text, true);
  faulty = field;
  if (field !== "place") { markInvalid(field, true, text); field.focus(); }
}

clearWhenCorrected([categoryField, descriptionField], function (field) {
  if (faulty === field) say("");
});

function placeGiven() {
  if (faulty === "place") say("");
}

function newKey() {
  if (window.crypto && crypto.randomUUID) return "worker-" + crypto.randomUUID();
  return "worker-" + Date.now() + "-" + Math.random().toString(36).slice(2);
}

byId("report-photo").addEventListener("change", function (ev) {
  var file = ev.target.files && ev.target.files[0];
  scaledPhoto(file).then(function (blob) {
    photo = blob;
    previewPhoto(byId("report-preview"), blob);
  });
});

onFlushed(function (report) {
  report.jobs.forEach(function (j) {
    if (j.kind !== "report") return;
    window.gridmapWorkerReport.results.push(j);
    if (j.ok) say(fmt(t("stored"), { ticket: j.body.ticket }));
    else say(fmt(t("rejected"), { error: j.error.message }), true);
  });
});

form.addEventListener("submit", function (ev) {
  ev.preventDefault();
  var category = categoryField.value;
  var description = descriptionField.value.trim();
  var place = where.value();
  if (!category) { complain(categoryField, t("need_category")); return; }
  if (!description) { complain(descriptionField, t("need_description")); return; }
  if (place.lon == null && place.address_id == null && !place.address) { complain("place", t("need_location")); return; }
  var body = Object.assign({ category: category, description: description, channel: "worker_app",
                             reporter_name: settings.user.name }, place);
  if (settings.user.phone) body.reporter_phone = settings.user.phone;
  submit.disabled = true;
  outbox.addJob(settings.user.id, {
    kind: "report", url: settings.api.reports, body: body, photo: photo, photoField: "media_urls",
    headers: { "Idempotency-Key": newKey() },
  }).then(function () {
    form.reset();
    where.reset();
    photo = null;
    previewPhoto(byId("report-preview"), null);
    refreshQueue();
    if (!navigator.onLine) { say(t("queued_report")); return; }
    say(t("sending"));
    return flushSoon().then(function (report) {
      if (report.offline) say(t("queued_report"));
    });
  }).catch(function (e) {
    say(fmt(t("rejected"), { error: e.message || errorOf({ status: 0 }).message }), true);
  }).then(function () { submit.disabled = false; });
});
