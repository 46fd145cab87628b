/* Import a level of the draft from a file (GeoJSON, Shapefile zip, ...).
 *
 * The file replaces one level of the draft (under the parent code when given) in one edit, which undo
 * takes back like any other. A refused file leaves the draft unchanged; every per-feature error the
 * API sends is listed in the alert area.
 */
import { byId, errorOf, fmt } from "../core.js";
import { resetMode } from "./modes.js";
import { setStatus, showError, showNetworkError, update, writeStatus } from "./panel.js";
import { beginWrite, failed, refresh, showRefused } from "./saving.js";
import { planApi, state, t } from "./state.js";

function showErrors(message, errors) {
  showError(message);
  var el = byId("plan-error");
  if (!el || !errors || !errors.length) return;
  var shown = errors.slice(0, 50);
  var ul = document.createElement("ul");
  ul.className = "gm-import-errors";
  shown.forEach(function (e) {
    var li = document.createElement("li");
    li.dataset.reason = e.reason || "";
    li.textContent = fmt(t("import_feature_error"), {
      index: e.index === null || e.index === undefined ? "" : "#" + (e.index + 1),
      code: e.code || "", message: e.message || e.detail || e.reason,
    });
    ul.appendChild(li);
  });
  if (errors.length > shown.length) {
    var more = document.createElement("li");
    more.textContent = fmt(t("import_more_errors"), { n: errors.length - shown.length });
    ul.appendChild(more);
  }
  el.appendChild(ul);
}

/* The import form sits low in the panel: its progress is shown next to it as well as in the status line,
   and a refusal scrolls the alert area (top of the panel) into view. */
function importStatus(message, busy) {
  setStatus(message, busy);
  writeStatus("plan-import-status", message, busy);
}

function revealError() {
  var el = byId("plan-error");
  if (el && !el.hidden && el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
}

/* The import runs as a job: the POST answers 202 with it, and the job is asked about every
   IMPORT_POLL_MS until it is done or failed, its step and progress shown beside the form (a
   <progress> after the status line). Resolves with an answer shaped like a direct one ({ok, status,
   body}: the job's result, or {error: its error} with the error's status), so importFile handles both. */
var IMPORT_POLL_MS = 500;

function importProgress(job) {
  var el = byId("plan-import-status");
  var bar = byId("plan-import-progress");
  if (!bar && el) {
    bar = document.createElement("progress");
    bar.id = "plan-import-progress";
    bar.className = "w-100";
    el.parentNode.insertBefore(bar, el.nextSibling);
  }
  if (!job) {
    if (bar) bar.hidden = true;
    return;
  }
  var p = job.progress || {};
  importStatus(fmt(t("import_progress"), { message: job.message || t("importing"), done: p.done,
                                          total: p.total || "?" }), true);
  state.importJob = job;
  if (bar) {
    bar.hidden = false;
    bar.max = p.total || 1;
    bar.value = p.done || 0;
  }
}

function followImport(res) {
  if (res.status !== 202 || !res.body || !res.body.job) return res;
  var job = res.body.job;
  return new Promise(function (resolve, reject) {
    function ended(j) {
      importProgress(null);
      state.importJob = j;
      if (j.state === "done") resolve({ ok: true, status: 200, body: j.result });
      else resolve({ ok: false, status: (j.error && j.error.status) || 500, body: { error: j.error || {} } });
    }
    function ask() {
      planApi("GET", "jobs/" + job.id).then(function (got) {
        if (!got.ok) { resolve(got); return; }
        job = got.body.job;
        if (job.state === "done" || job.state === "failed") { ended(job); return; }
        importProgress(job);
        window.setTimeout(ask, IMPORT_POLL_MS);
      }, reject);
    }
    importProgress(job);
    window.setTimeout(ask, IMPORT_POLL_MS);
  });
}

/* The import form's submit handler. */
export function importFile(event) {
  event.preventDefault();
  if (state.busy) return;
  var form = byId("plan-import-form");
  var input = byId("plan-import-file");
  if (!input.files || !input.files.length) { showError(t("import_no_file")); revealError(); return; }
  var file = input.files[0].name;
  var data = new FormData(form);
  data.set("row_version", state.draft.row_version);
  ["parent", "crs"].forEach(function (name) {
    var value = String(data.get(name) || "").trim();
    if (value) data.set(name, value); else data.delete(name);
  });
  beginWrite();
  importStatus(t("importing"), true);
  update();
  planApi("POST", "drafts/" + state.draft.id + "/import", data).then(followImport).then(function (res) {
    if (res.ok) {
      state.draft = res.body.draft;
      state.saved += 1;
      state.imported = res.body.read;
      form.reset();
      resetMode();
      var done = fmt(t("imported"), { n: res.body.read.features, file: file, crs: res.body.read.crs || "WGS-84" });
      return refresh(done).then(function () { importStatus(done, false); });
    }
    var err = errorOf(res);
    state.lastRefused = err;
    importStatus("", false);
    if (res.status === 409 && err.details.field === "row_version") {
      return Promise.resolve(failed(res, "import")).then(revealError);
    }
    showErrors(fmt(t("import_refused"), { message: err.message }), err.details.errors);
    revealError();
    showRefused(err.details.geometry, false);
    return null;
  }, function (err) {
    importProgress(null);
    importStatus("", false);
    showNetworkError(err);
    revealError();
  }).then(function () {
    state.busy = false;
    update();
  });
}
