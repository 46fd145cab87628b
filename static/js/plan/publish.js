/* Publishing the draft, after the planner has seen what it would change, in a dialog that says when:
 * a draft whose effective date is after today is scheduled for 00:00 Beijing time on that date unless
 * the planner chooses "publish now". The numbers the dialog shows are the impact preview's; the message
 * after publishing counts the open reports that changed grid the same way, so the two agree. */
import { beijingTime, byId, fmt } from "../core.js";
import { failed } from "./saving.js";
import { setStatus, showError, showFailure, showNetworkError, update } from "./panel.js";
import { planApi, settings, state, t } from "./state.js";

function futureDate() {
  var d = state.draft.effective_date;
  return d && settings.today && d > settings.today ? d : null;
}

/* Ask, in the page's dialog; resolves "scheduled", "now" or null (cancelled). */
function ask(summary) {
  var dialog = byId("plan-publish-dialog");
  var future = futureDate();
  var when = future ? beijingTime(state.draft.effective_at) : "";
  byId("plan-publish-impact").textContent = fmt(t("impact_line"), {
    grids: summary.grids_changed, added: summary.added, removed: summary.removed, reshaped: summary.reshaped,
    reports: summary.reports_moved, open: summary.open_reports_moved, households: summary.households_moved,
  });
  byId("plan-publish-when").hidden = !future;
  byId("plan-publish-scheduled-label").textContent = fmt(t("publish_scheduled_choice"), { when: when });
  byId("plan-publish-scheduled").checked = !!future;
  byId("plan-publish-now").checked = !future;
  var outcome = function () {
    var scheduled = byId("plan-publish-scheduled").checked && !!future;
    byId("plan-publish-outcome").textContent = fmt(t(scheduled ? "publish_outcome_scheduled" : "publish_outcome_now"),
      { when: when, open: summary.open_reports_moved });
    var confirm = byId("plan-publish-confirm");
    confirm.textContent = t(scheduled ? "publish_confirm_scheduled" : "publish_confirm_now");
    dialog.dataset.when = scheduled ? "scheduled" : "now";
  };
  byId("plan-publish-scheduled").onchange = outcome;
  byId("plan-publish-now").onchange = outcome;
  outcome();
  return new Promise(function (resolve) {
    dialog.onclose = function () {
      resolve(dialog.returnValue === "confirm" ? dialog.dataset.when : null);
    };
    dialog.returnValue = "";
    dialog.showModal();
  });
}

export function publish() {
  if (state.busy) return;
  state.busy = true;
  showError("");
  setStatus(t("preparing_impact"), true);
  update();
  var summary = null;
  planApi("GET", "versions/" + state.draft.id + "/impact").then(function (res) {
    if (!res.ok) {
      showFailure(res);
      return null;
    }
    summary = res.body.summary || {};
    state.publishSummary = summary;
    setStatus("", false);
    return ask(summary);
  }).then(function (when) {
    if (!when) return null;
    setStatus(t("publishing"), true);
    var body = { row_version: state.draft.row_version, when: when };
    return planApi("POST", "drafts/" + state.draft.id + "/publish", body)
      .then(function (pub) {
        if (!pub.ok) return failed(pub, "publish");
        state.published = true;
        state.publishedAnswer = pub.body;
        if (pub.body.draft) state.draft = pub.body.draft;
        if (pub.body.scheduled) {
          setStatus(fmt(t("scheduled"), { when: beijingTime(pub.body.effective_at) }), false);
        } else {
          setStatus(fmt(t("published"), { generation: pub.body.generation, n: pub.body.open_reports_reassigned }),
            false);
        }
        document.body.dataset.planStatus = pub.body.scheduled ? "scheduled" : "published";
        return null;
      });
  }).catch(showNetworkError).then(function () {
    state.busy = false;
    if (!state.published && byId("plan-status").classList.contains("gm-busy")) setStatus("", false);
    update();
  });
}

/* Cancel a scheduled publication (the read-only page of a scheduled draft): editable again. */
export function unschedule(button) {
  if (!window.confirm(t("confirm_unschedule"))) return;
  button.disabled = true;
  setStatus(t("unscheduling"), true);
  planApi("POST", "drafts/" + state.draft.id + "/unschedule", { row_version: state.draft.row_version })
    .then(function (res) {
      if (res.ok) { window.location.reload(); return; }
      setStatus("", false);
      showFailure(res);
      button.disabled = false;
    }, function (err) {
      setStatus("", false);
      showNetworkError(err);
      button.disabled = false;
    });
}
