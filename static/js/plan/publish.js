/* Publishing the draft, after the planner has seen what it would change (a short impact line). */
import { byId, fmt } from "../core.js";
import { failed } from "./saving.js";
import { setStatus, showError, showFailure, showNetworkError, update } from "./panel.js";
import { planApi, state, t } from "./state.js";

export function publish() {
  if (state.busy) return;
  state.busy = true;
  showError("");
  setStatus(t("preparing_impact"), true);
  update();
  planApi("GET", "versions/" + state.draft.id + "/impact").then(function (res) {
    if (!res.ok) {
      showFailure(res);
      return null;
    }
    var s = res.body.summary || {};
    var line = fmt(t("impact_line"), {
      grids: s.grids_changed, added: s.added, removed: s.removed, reshaped: s.reshaped,
      reports: s.reports_moved, open: s.open_reports_moved, households: s.households_moved,
    });
    setStatus("", false);
    if (!window.confirm(t("confirm_publish") + "\n\n" + line)) return null;
    setStatus(t("publishing"), true);
    return planApi("POST", "drafts/" + state.draft.id + "/publish", { row_version: state.draft.row_version })
      .then(function (pub) {
        if (pub.ok) {
          state.published = true;
          setStatus(fmt(t("published"), { generation: pub.body.generation, n: pub.body.open_reports_reassigned }),
            false);
          return null;
        }
        return failed(pub, "publish");
      });
  }, showNetworkError).then(function () {
    state.busy = false;
    if (!state.published && byId("plan-status").classList.contains("gm-busy")) setStatus("", false);
    update();
  });
}
