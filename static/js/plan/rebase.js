/* Rebase a stale draft (its edits replayed on the published version), from the list or the editor. */
import { byId, esc, fmt } from "../core.js";
import { setStatus, showError, showFailure, showNetworkError } from "./panel.js";
import { planApi, t } from "./state.js";

/* Replay a stale draft's edits on the published version; resolves the API answer, or null. */
export function rebase(id, rowVersion) {
  if (!window.confirm(t("confirm_rebase"))) return Promise.resolve(null);
  showError("");
  setStatus(t("rebasing"), true);
  return planApi("POST", "drafts/" + id + "/rebase", { row_version: Number(rowVersion) }).then(function (res) {
    setStatus("", false);
    if (!res.ok) {
      showFailure(res);
      return null;
    }
    showRebase(res.body);
    return res.body;
  }, function (err) {
    setStatus("", false);
    showNetworkError(err);
    return null;
  });
}

function showRebase(body) {
  var el = byId("plan-rebase-result");
  if (!el) return;
  function line(key, x) {
    var what = t("op_" + x.operation.kind);
    return "<li>" + esc(fmt(t(key), { seq: x.operation.seq, what: what, message: x.message })) + "</li>";
  }
  el.innerHTML = "<p class=\"mb-1\">" +
    esc(fmt(t("rebased"), { applied: body.applied.length, skipped: body.skipped.length })) + "</p>" +
    "<ul class=\"mb-0\">" + body.applied.map(function (x) { return line("rebase_applied", x); }).join("") +
    body.skipped.map(function (x) { return line("rebase_skipped", x); }).join("") + "</ul>";
  el.classList.toggle("alert-warning", body.skipped.length > 0);
  el.hidden = false;
}
