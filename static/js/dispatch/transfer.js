/* 交办 / 转办: move the selected event to another district (POST /api/v1/reports/<ticket>/district).
 *
 * A city dispatcher hands an event to a district (a note is optional); a district's dispatcher
 * transfers one filed in the wrong district and must say why. The event keeps its ticket and
 * history; a district's dispatcher no longer sees it afterwards, so their panel closes.
 */

import { api, byId, errorOf, esc, fmt } from "../core.js";
import { clearErrors } from "./actions.js";
import { pollNow } from "./feed.js";
import { closePanel, districtName, loadDetail } from "./panel.js";
import { cfg, message, on, reportUrl, state, t } from "./state.js";

function dialog() { return byId("dispatch-transfer-dialog"); }

function open() {
  var r = state.detail;
  if (!r) return;
  var form = byId("dispatch-transfer-form");
  form.reset();
  clearErrors(form);
  byId("dispatch-transfer-title").textContent = t(cfg.city_user ? "handover" : "transfer") + " · " + r.ticket;
  byId("dispatch-transfer-from").textContent = fmt(t("transfer_from"), { district: districtName(r.district_code) });
  byId("dispatch-transfer-district").innerHTML = (cfg.districts || []).filter(function (d) {
    return d.code !== r.district_code;
  }).map(function (d) {
    return "<option value=\"" + esc(d.code) + "\">" + esc(d.name) + " (" + esc(d.code) + ")</option>";
  }).join("");
  byId("dispatch-transfer-reason-label").textContent = t(cfg.city_user ? "handover_note" : "transfer_reason");
  byId("dispatch-transfer-reason").required = !cfg.city_user;
  var d = dialog();
  if (typeof d.showModal === "function") d.showModal(); else d.setAttribute("open", "");
  byId("dispatch-transfer-district").focus();
}

function close() {
  var d = dialog();
  if (d.open) { if (typeof d.close === "function") d.close(); else d.removeAttribute("open"); }
}

function submit(event) {
  event.preventDefault();
  var r = state.detail, form = byId("dispatch-transfer-form");
  if (!r) return;
  clearErrors(form);
  var to = byId("dispatch-transfer-district").value;
  var reason = byId("dispatch-transfer-reason").value.trim();
  var body = { district_code: to, row_version: r.row_version };
  if (reason) body.reason = reason;
  var button = byId("dispatch-transfer-confirm");
  button.disabled = true;
  api("POST", reportUrl(r.ticket, "district"), body).then(function (res) {
    button.disabled = false;
    if (res.status === 200) {
      close();
      var text = fmt(t("transferred"), { district: districtName(to) });
      if (cfg.city_user) {
        loadDetail(r.ticket);
        message("success", text);
      } else {
        closePanel();
      }
      pollNow();
      document.dispatchEvent(new CustomEvent("gridmap:transferred", { detail: { ticket: r.ticket, district: to } }));
      return;
    }
    var e = errorOf(res);
    var field = (e.details && e.details.field) || "_other";
    var slot = form.querySelector("[data-error=\"" + field + "\"]") || form.querySelector("[data-error=\"_other\"]");
    slot.textContent = e.message;
  }).catch(function (err) {
    button.disabled = false;
    form.querySelector("[data-error=\"_other\"]").textContent = fmt(t("failed"), { message: String(err) });
  });
}

export function wireTransfer() {
  if (!dialog()) return;
  byId("dispatch-actions").addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (button && button.id === "dispatch-transfer") open();
  });
  byId("dispatch-transfer-form").addEventListener("submit", submit);
  byId("dispatch-transfer-cancel").addEventListener("click", close);
  on("select", close);
}
