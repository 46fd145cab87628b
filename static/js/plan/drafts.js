/* The list of drafts (/plan): open a new draft, rebase a stale one, discard one.
 *
 * The entry module of app/templates/plan/drafts.html; its settings (texts, urls) are the page's
 * #plan-settings JSON block.
 */
import { byId, fmt } from "../core.js";
import { rebase } from "./rebase.js";
import { setStatus, showError, showFailure, showNetworkError } from "./panel.js";
import { configure, planApi, settings, t } from "./state.js";

function wireNewDraft(form) {
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var body = { note: data.get("note") || "", effective_date: data.get("effective_date") || "" };
    if (data.get("name")) body.name = data.get("name");
    showError("");
    setStatus(t("opening"), true);
    byId("plan-open-draft").disabled = true;
    planApi("POST", "drafts", body).then(function (res) {
      if (res.ok) {
        setStatus(fmt(t("created_draft"), { id: res.body.id }), false);
        window.location.assign(settings.urls.list + "/drafts/" + res.body.id);
        return;
      }
      setStatus("", false);
      showFailure(res);
      byId("plan-open-draft").disabled = false;
    }, function (err) {
      setStatus("", false);
      showNetworkError(err);
      byId("plan-open-draft").disabled = false;
    });
  });
}

function wireRebase(button) {
  button.addEventListener("click", function () {
    button.disabled = true;
    rebase(button.dataset.id, button.dataset.rowVersion).then(function (body) {
      if (!body) { button.disabled = false; return; }
      // The draft is current now: no badge, no button, and the next change sends the new row_version.
      var row = button.closest("tr");
      row.querySelectorAll(".plan-stale, .plan-rebase").forEach(function (el) { el.remove(); });
      var discard = row.querySelector(".plan-discard");
      if (discard) discard.dataset.rowVersion = body.draft.row_version;
      var count = row.querySelector(".plan-operations-count");
      if (count) count.textContent = body.draft.operations;
    });
  });
}

function wireDiscard(button) {
  button.addEventListener("click", function () {
    if (!window.confirm(t("confirm_discard"))) return;
    button.disabled = true;
    planApi("DELETE", "drafts/" + button.dataset.id + "?row_version=" + encodeURIComponent(button.dataset.rowVersion))
      .then(function (res) {
        if (res.ok) { window.location.reload(); return; }
        showFailure(res);
        button.disabled = false;
      }, function (err) {
        showNetworkError(err);
        button.disabled = false;
      });
  });
}

var data = byId("plan-settings");
if (data) {
  configure(JSON.parse(data.textContent));
  var form = byId("plan-new-draft");
  if (form) wireNewDraft(form);
  document.querySelectorAll(".plan-rebase").forEach(wireRebase);
  document.querySelectorAll(".plan-discard").forEach(wireDiscard);
}
