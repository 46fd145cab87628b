/* Report an event from the field (channel worker_app, the worker as reporter: the patrol figures
 * count a worker's reports by their phone). The report goes through the outbox with an
 * Idempotency-Key: with no network it waits on the phone and is filed once when the network
 * returns, its photo uploaded first. */
import { byId, errorOf, fmt } from "../core.js";
import { pinMap } from "../pin-map.js";
import { previewPhoto, scaledPhoto } from "../photo.js";
import * as outbox from "./outbox.js";
import { flushSoon, onFlushed, refreshQueue, settings, t } from "./app.js";

var form = byId("report-form"), statusBox = byId("report-status"), submit = byId("report-submit");
var photo = null;
var where = pinMap({ handle: "workerPinMap", texts: settings.texts_map, api: settings.api, areas: settings.user.areas });

window.gridmapWorkerReport = { results: [] };

function say(text, isError) {
  statusBox.textContent = text || "";
  statusBox.classList.toggle("gm-app-error", !!isError);
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
  var category = byId("report-category").value;
  var description = byId("report-description").value.trim();
  var place = where.value();
  if (!category) { say(t("need_category"), true); return; }
  if (!description) { say(t("need_description"), true); return; }
  if (place.lon == null && place.address_id == null && !place.address) { say(t("need_location"), true); return; }
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
