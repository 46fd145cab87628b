/* Acting on the selected event: a form per action (note, assignee, deadline, duplicate), sent
 * to /api/v1/reports/<ticket>/transitions with the state and row version the user saw.
 *
 * 派遣 (dispatch) and 改派 (reassign) pick the assignee from one entry per person: name, the
 * grids of theirs that cover the event, phone and how many open events they hold. 改派 and
 * 撤回 (recall to the desk) need a reason, which goes into the history and the audit log.
 */

import { api, beijingInput, byId, errorOf, esc, fmt } from "../core.js";
import { pollNow } from "./feed.js";
import { loadDetail } from "./panel.js";
import { emit, message, on, reportUrl, state, t } from "./state.js";

var FORM_FIELDS = { dispatch: ["assignee", "deadline"], reassign: ["assignee"], extend: ["deadline"],
                    merge: ["duplicate_of"] };
/* Actions that need a note (app.events.workflow: needs_note): for all but handle (what was
 * done) it is the reason. */
var REASONED = { reassign: true, recall: true, cancel: true, "return": true, reject: true, reopen: true,
                 suspend: true, extend: true, escalate: true };
var NEEDS_NOTE = Object.assign({ handle: true }, REASONED);

export function clearErrors(scope) {
  (scope || document).querySelectorAll(".gm-field-error").forEach(function (el) { el.textContent = ""; });
}

export function closeForm() {
  state.form = null;
  var form = byId("dispatch-form");
  form.hidden = true;
  form.reset();
  clearErrors(form);
}

function openForm(action) {
  state.form = action;
  // A new action: what the last one answered ("Done: dispatch.") no longer applies.
  message("", "");
  var form = byId("dispatch-form");
  form.reset();
  clearErrors(form);
  byId("dispatch-form-title").textContent = t("action_" + action);
  var wanted = FORM_FIELDS[action] || [];
  form.querySelectorAll(".gm-field[data-for]").forEach(function (el) {
    el.hidden = el.dataset.for !== "note" && wanted.indexOf(el.dataset.for) < 0;
  });
  byId("dispatch-deadline-label").textContent = action === "extend" ? t("new_deadline") : t("deadline_optional");
  byId("dispatch-assignee-label").textContent = action === "reassign" ? t("new_assignee") : t("assignee");
  byId("dispatch-note-label").textContent = REASONED[action] ? t("reason") : t("note");
  byId("dispatch-note").required = !!NEEDS_NOTE[action];
  form.hidden = false;
  if (wanted.indexOf("assignee") >= 0) loadAssignees(action);
  byId("dispatch-note").focus();
}

/* One option per person: 王国 · 第3网格 · 13800000000 · 2 件在办, grouped by whose grid they
 * work (the event's grid, its community, another grid of the community: app.events.service
 * assignees). For a reassign the one who holds the event now is listed but cannot be chosen. */
var RELATIONS = ["grid", "community", "neighbour"];

function assigneeOption(p, holder) {
  var name = p.display_name || p.username;
  var grids = (p.grids || []).map(function (g) { return g.name; }).join("、") || (p.areas || []).join("、");
  var text = fmt(t("assignee_entry"), { name: name, grids: grids, phone: p.phone || "–", n: p.open_events });
  var mine = holder !== null && p.id === holder;
  return "<option value=\"" + esc(p.id) + "\"" + (mine ? " disabled" : "") + ">" + esc(text) +
    (mine ? " " + esc(t("current_assignee")) : "") + "</option>";
}

function assigneeHint(text) {
  var hint = byId("dispatch-assignee-hint");
  hint.textContent = text || "";
  hint.hidden = !text;
}

function loadAssignees(action) {
  var select = byId("dispatch-assignee");
  var ticket = state.selected;
  select.disabled = false;
  assigneeHint("");
  select.innerHTML = "<option value=\"\">" + esc(t("loading")) + "</option>";
  api("GET", reportUrl(ticket, "assignees")).then(function (res) {
    if (state.selected !== ticket) return;
    var people = res.status === 200 ? res.body.assignees : [];
    var holder = action === "reassign" && state.detail && state.detail.assignee ? state.detail.assignee.id : null;
    var choosable = people.filter(function (p) { return p.id !== holder; });
    var html = "<option value=\"\">" + esc(t("choose_assignee")) + "</option>";
    RELATIONS.forEach(function (relation) {
      var group = people.filter(function (p) { return (p.relation || "grid") === relation; });
      if (!group.length) return;
      html += "<optgroup label=\"" + esc(t("relation_" + relation)) + "\">" +
        group.map(function (p) { return assigneeOption(p, holder); }).join("") + "</optgroup>";
    });
    select.innerHTML = html;
    if (!choosable.length) {
      select.disabled = true;
      assigneeHint(people.length ? t("no_other_assignees") : t("no_assignees"));
    }
    emit("assignees", { count: people.length, choosable: choosable.length });
  });
}

function submitForm(event) {
  event.preventDefault();
  var r = state.detail;
  if (!r || !state.form) return;
  var form = byId("dispatch-form");
  clearErrors(form);
  var action = state.form;
  var body = { action: action, expected_state: r.status, row_version: r.row_version };
  var note = byId("dispatch-note").value.trim();
  var wanted = FORM_FIELDS[action] || [];
  var needsAssignee = wanted.indexOf("assignee") >= 0;
  var assignee = needsAssignee ? byId("dispatch-assignee").value : "";
  // Said in the form before asking the server, which would refuse the same way (422).
  var missing = null;
  if (needsAssignee && !assignee) {
    fieldError(form, "assignee", t("assignee_missing"));
    missing = missing || byId("dispatch-assignee");
  }
  if (!note && NEEDS_NOTE[action]) {
    fieldError(form, "note", REASONED[action] ? t("reason_required") : t("note_required"));
    missing = missing || byId("dispatch-note");
  }
  if (missing) {
    emit("form_refused", { action: action });
    if (!missing.disabled) missing.focus();
    return;
  }
  if (note) body.note = note;
  if (assignee) body.assignee = parseInt(assignee, 10);
  if (wanted.indexOf("deadline") >= 0 && byId("dispatch-deadline").value) body.deadline = beijingInput(byId("dispatch-deadline").value);
  if (wanted.indexOf("duplicate_of") >= 0 && byId("dispatch-duplicate").value.trim()) {
    body.duplicate_of = byId("dispatch-duplicate").value.trim();
  }
  var button = byId("dispatch-confirm");
  button.disabled = true;
  api("POST", reportUrl(r.ticket, "transitions"), body)
    .then(function (res) { handleAnswer(res, action, form); })
    .catch(function (err) { message("danger", fmt(t("failed"), { message: String(err) })); })
    .then(function () { button.disabled = false; });
}

function fieldError(scope, field, text) {
  var el = scope.querySelector(".gm-field-error[data-error=\"" + field + "\"]");
  if (!el || (el.parentElement && el.parentElement.hidden)) el = scope.querySelector(".gm-field-error[data-error=\"_other\"]") ||
    scope.querySelector(".gm-field-error");
  el.textContent = text;
}

/* What the API answered to an action of ours (a transition or a placement). */
export function handleAnswer(res, action, scope) {
  var ticket = state.selected;
  if (res.status === 200) {
    closeForm();
    message("success", fmt(t("done"), { action: t("action_" + action) }));
    loadDetail(ticket);
    pollNow();
    return;
  }
  var e = errorOf(res);
  if (res.status === 409) {
    closeForm();
    emit("stale", { ticket: ticket });
    var current = e.details.current_state ? t("status_" + e.details.current_state) : "";
    message("warning", fmt(t("stale"), { state: current }));
    loadDetail(ticket);
    pollNow();
  } else if (res.status === 422) {
    fieldError(scope, e.details.field || "_other", e.message);
  } else if (res.status === 403) {
    message("danger", fmt(t("forbidden"), { message: e.message }));
  } else {
    message("danger", fmt(t("failed"), { message: e.message }));
  }
}

export function wireActions() {
  byId("dispatch-actions").addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.id === "dispatch-place") emit("place", { ticket: state.selected });
    else if (button.dataset.action) openForm(button.dataset.action);
  });
  byId("dispatch-form").addEventListener("submit", submitForm);
  byId("dispatch-form-cancel").addEventListener("click", closeForm);
  on("select", closeForm);
  on("place", function () {
    closeForm();
    message("", "");  // placing is a new action too: the last one's answer no longer applies
  });
}
