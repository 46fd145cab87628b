/* The KPI page (/patrols/kpi) follows the job computing its period's patrol figures (app.patrols.freshness).
 *
 * The page names the job in #kpi-refresh (data-job-url). It is asked about every POLL_MS: the days
 * computed out of those to do, then, when done, either a reload (data-reload="1": the page showed the
 * status only, its figures were incomplete) or a link to one (the figures shown are as of an older
 * computation; a reader may be in the middle of them). A failed job says why.
 */
import { api, byId, fmt } from "./core.js";

var POLL_MS = 1000;

function texts() {
  var el = byId("kpi-refresh-texts");
  try { return JSON.parse(el.textContent); } catch (e) { return {}; }
}

function showProgress(job, t) {
  var p = job.progress || {};
  var bar = byId("kpi-refresh-progress");
  var count = byId("kpi-refresh-count");
  if (p.total) {
    bar.max = p.total;
    bar.value = p.done || 0;
    count.textContent = fmt(t.progress, { done: p.done || 0, total: p.total });
  } else {
    bar.removeAttribute("value");   // indeterminate until the job has counted its days
    count.textContent = job.state === "queued" ? t.queued : "";
  }
}

function ended(box, message, danger) {
  var bar = byId("kpi-refresh-progress");
  if (bar) bar.parentNode.hidden = true;
  if (message) {
    box.className = "gm-refresh alert " + (danger ? "alert-danger" : "alert-warning");
    box.textContent = message;
  }
}

function follow() {
  var box = byId("kpi-refresh");
  if (!box || !box.dataset.jobUrl) return;
  var t = texts();
  function ask() {
    api("GET", box.dataset.jobUrl).then(function (res) {
      var job = res.ok && res.body ? res.body.job : null;
      if (!job) { ended(box, t.lost, true); return; }
      if (job.state === "done") {
        if (box.dataset.reload === "1") { window.location.reload(); return; }
        ended(box, null);
        byId("kpi-refresh-done").hidden = false;
        box.dataset.state = "done";
        return;
      }
      if (job.state === "failed") {
        ended(box, fmt(t.failed, { message: (job.error && job.error.message) || "" }), true);
        box.dataset.state = "failed";
        return;
      }
      showProgress(job, t);
      window.setTimeout(ask, POLL_MS);
    }, function () {
      window.setTimeout(ask, POLL_MS * 5);   // the network dropped: ask again, less often
    });
  }
  window.setTimeout(ask, POLL_MS);
}

follow();
