/* The list of drafts (/plan): open a new draft, rebase a stale one, discard one.
 *
 * The entry module of app/templates/plan/drafts.html; its settings (texts, urls) are the page's
 * #plan-settings JSON block.
 */
import { byId, errorOf, fmt } from "../core.js";
import { rebase } from "./rebase.js";
import { setStatus, showError, showFailure, showNetworkError } from "./panel.js";
import { configure, planApi, settings, t } from "./state.js";

/* The label a person sees beside a field (without its hint in brackets), for messages that name it. */
function labelOf(form, input) {
  var label = form.querySelector('label[for="' + input.id + '"]');
  var text = label ? label.textContent.trim() : input.name;
  return text.replace(/\s*[（(].*[)）]\s*$/, "");
}

/* Mark one field as wrong (or none): Bootstrap's red border, and aria-invalid for screen readers. */
function markInvalid(form, input) {
  form.querySelectorAll(".is-invalid").forEach(function (el) {
    el.classList.remove("is-invalid");
    el.removeAttribute("aria-invalid");
  });
  if (!input) return;
  input.classList.add("is-invalid");
  input.setAttribute("aria-invalid", "true");
}

/* The first required field left empty (a date typed only in part counts as empty), or null. */
function firstMissing(form) {
  var required = form.querySelectorAll("[required]");
  for (var i = 0; i < required.length; i++) {
    if (!required[i].value.trim()) return required[i];
  }
  return null;
}

function wireNewDraft(form) {
  form.addEventListener("input", function (event) {
    if (event.target.classList.contains("is-invalid") && event.target.value.trim()) markInvalid(form, null);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    // Checked here first: the server would refuse it too, but the person should not wait to learn that.
    var missing = firstMissing(form);
    if (missing) {
      markInvalid(form, missing);
      showError(fmt(t("fill_in"), { label: labelOf(form, missing) }));
      missing.focus();
      return;
    }
    markInvalid(form, null);
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
      // The API names the field it refused (details.field): mark it, as the check above would.
      var field = errorOf(res).details.field;
      var input = field && form.querySelector('[name="' + field + '"]');
      markInvalid(form, input || null);
      if (input) input.focus();
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
