/* The event panel: the selected event's fields, its history and the buttons of the caller's
 * allowed actions (acting on them is actions.js; placing on the map is placement.js).
 *
 * Selecting an event opens the panel first and then brings its marker into the map beside it,
 * so the marker is never left under the panel or outside the narrowed map.
 */

import { api, beijingTime, byId, errorOf, esc, fmt, row } from "../core.js";
import { syncUrl } from "./filters.js";
import { keepInView, pin, restyleMarkers } from "./markers.js";
import { markSelected, outsideText } from "./queue.js";
import { cfg, emit, message, on, reportUrl, state, t } from "./state.js";

var awaitingMarker = null;   // selected before its marker was drawn (a link with ?ticket=)

export function select(ticket, fromQueue) {
  emit("select", { ticket: ticket, fromQueue: fromQueue });
  state.selected = ticket;
  syncUrl();
  message("info", "");
  var panel = byId("dispatch-panel");
  panel.hidden = false;
  byId("dispatch").classList.add("gm-has-panel");
  byId("dispatch-panel-title").textContent = ticket;
  markSelected(ticket, fromQueue === false);
  pin(ticket);
  restyleMarkers();
  // The panel took its room: now bring the marker into what is left of the map.
  awaitingMarker = keepInView(ticket) ? null : ticket;
  return loadDetail(ticket);
}

export function closePanel() {
  emit("select", { ticket: null });
  state.selected = null;
  state.detail = null;
  byId("dispatch-panel").hidden = true;
  byId("dispatch").classList.remove("gm-has-panel");
  syncUrl();
  pin(null);
  restyleMarkers();
  markSelected(null, false);
  keepInView(null);
}

export function loadDetail(ticket) {
  return Promise.all([api("GET", reportUrl(ticket)), api("GET", reportUrl(ticket, "history"))])
    .then(function (answers) {
      if (state.selected !== ticket) return;
      var report = answers[0], history = answers[1];
      if (report.status !== 200) {
        message("danger", errorOf(report).message);
        return;
      }
      state.detail = report.body;
      renderDetail(report.body);
      renderHistory(history.status === 200 ? history.body.history : []);
      emit("detail", { ticket: ticket });
    })
    .catch(function (err) {
      message("danger", fmt(t("failed"), { message: String(err) }));
    });
}

function renderDetail(r) {
  var grid = r.needs_placement ? t("unplaced") : outsideText(r) || (r.out_of_coverage ? t("out_of_coverage") :
    (r.grid_chain || []).filter(Boolean).map(function (g) { return g.name; }).join(" › "));
  var reporter = r.reporter && (r.reporter.name || r.reporter.phone) ?
    [r.reporter.name, r.reporter.phone].filter(Boolean).join(" ") : "";
  var deadline = r.deadline ? beijingTime(r.deadline) + (r.deadline_state ? " · " + t("deadline_" + r.deadline_state) : "") : "";
  byId("dispatch-fields").innerHTML =
    row(t("status"), r.status_label || r.status) +
    row(t("category"), (r.category_label || "") + " (" + r.category + ")") +
    row(t("channel"), r.channel_label || r.channel) +
    row(t("description"), r.description) +
    row(t("address"), r.address) +
    "<tr id=\"dispatch-standard-address\"></tr>" +
    (cfg.districts && cfg.districts.length > 1 ? row(t("district"), districtName(r.district_code)) : "") +
    row(t("grid"), grid) +
    row(t("level"), t("handling_" + r.level)) +
    row(t("assignee"), r.assignee ? (r.assignee.display_name || r.assignee.username) : t("unassigned")) +
    row(t("created_at"), beijingTime(r.created_at)) +
    row(t("dispatched_at"), beijingTime(r.dispatched_at)) +
    row(t("deadline"), deadline) +
    row(t("reporter"), reporter) +
    row(t("reporter_email"), r.reporter && r.reporter.email) +
    row(t("duplicate_of"), r.duplicate_of);
  standardAddressRow(byId("dispatch-standard-address"), r.standard_address);
  var photos = (r.media_urls || []).filter(function (url) { return /^https?:\/\//i.test(url); });
  if (photos.length) byId("dispatch-fields").appendChild(photoRow(photos));
  var html = (r.allowed_actions || []).map(function (a) {
    var style = a === "cancel" || a === "merge" ? "btn-outline-danger" : "btn-outline-primary";
    return "<button type=\"button\" class=\"btn btn-sm " + style + "\" data-action=\"" + esc(a) + "\">" +
      esc(t("action_" + a)) + "</button>";
  }).join("");
  if (cfg.may_transfer && (cfg.movable_states || []).indexOf(r.status) >= 0) {
    html += "<button type=\"button\" class=\"btn btn-sm btn-outline-secondary\" id=\"dispatch-transfer\">" +
      esc(t(cfg.city_user ? "handover" : "transfer")) + "</button>";
  }
  if (r.needs_placement && cfg.may_act) {
    html = "<button type=\"button\" class=\"btn btn-sm btn-warning\" id=\"dispatch-place\">" + esc(t("place")) + "</button>" + html;
  }
  byId("dispatch-actions").innerHTML = html || "<span class=\"text-muted small\">" + esc(t("no_actions")) + "</span>";
}

export function districtName(code) {
  var found = (cfg.districts || []).filter(function (d) { return d.code === code; })[0];
  return found ? found.name : code || "";
}

// The standard address (标准地址) the report was geocoded to on intake and how sure the match
// was; the library's text goes in with textContent, never through markup.
function standardAddressRow(tr, address) {
  if (!address) { tr.remove(); return; }
  var th = document.createElement("th"), td = document.createElement("td");
  th.textContent = t("standard_address");
  td.textContent = address.full_text + (typeof address.confidence === "number" ?
    " · " + fmt(t("address_confidence"), { percent: Math.round(address.confidence * 100) + "%" }) : "");
  tr.appendChild(th);
  tr.appendChild(td);
}

// The reporter's photos (随手拍) as links opening in a new tab, built with textContent and
// setAttribute (a URL never goes through markup). Not <img>: the Content-Security-Policy
// allows images from this site only, and the photos live on the reporting app's servers.
function photoRow(urls) {
  var tr = document.createElement("tr"), th = document.createElement("th"), td = document.createElement("td");
  tr.id = "dispatch-photos";
  th.textContent = t("photos");
  urls.forEach(function (url, i) {
    var a = document.createElement("a");
    a.setAttribute("href", url);
    a.setAttribute("target", "_blank");
    a.setAttribute("rel", "noopener noreferrer");
    a.className = "gm-photo-link";
    a.textContent = fmt(t("photo_n"), { n: i + 1 });
    td.appendChild(a);
    td.appendChild(document.createTextNode(" "));
  });
  tr.appendChild(th);
  tr.appendChild(td);
  return tr;
}

/* Who the step went to: the assignee of a dispatch (from whom, for a reassign or a recall),
 * or the grid of a placement. */
function movedTo(d) {
  if (d.from_assignee_name && d.assignee_name) return " " + fmt(t("from_to"), { from: d.from_assignee_name, to: d.assignee_name });
  if (d.from_assignee_name) return " " + fmt(t("from_to"), { from: d.from_assignee_name, to: t("unassigned") });
  if (d.assignee_name) return " → " + d.assignee_name;
  if (d.to_district_name) return " " + fmt(t("from_to"), { from: d.from_district_name, to: d.to_district_name });
  return d.grid_code ? " → " + d.grid_code : "";
}

/* Photos a worker sent with a step (the site after handling, for the check): our own photo store
 * (same origin, so the Content-Security-Policy lets them show) as thumbnails opening the full picture;
 * anything else only as a link. */
function historyPhotos(urls) {
  if (!urls || !urls.length) return "";
  return "<div class=\"gm-h-photos\">" + urls.map(function (url, i) {
    var label = esc(fmt(t("photo_n"), { n: i + 1 }));
    var own = url.indexOf(location.origin + "/") === 0 || url.charAt(0) === "/";
    return "<a class=\"gm-photo-link\" target=\"_blank\" rel=\"noopener noreferrer\" href=\"" + esc(url) + "\">" +
      (own ? "<img src=\"" + esc(url) + "\" alt=\"" + label + "\" loading=\"lazy\">" : label) + "</a>";
  }).join(" ") + "</div>";
}

function renderHistory(entries) {
  byId("dispatch-history").innerHTML = entries.length ? entries.map(function (e) {
    var d = e.details || {};
    return "<li data-action=\"" + esc(e.action) + "\"><strong>" + esc(t("action_" + e.action)) + "</strong>" + esc(movedTo(d)) +
      " · " + esc(beijingTime(e.at)) + " · " + esc(fmt(t("by"), { actor: e.actor_name || e.actor })) +
      (e.to_state && e.from_state !== e.to_state ? " · " + esc(t("status_" + e.to_state)) : "") +
      (e.note ? "<div class=\"gm-h-note\">" + esc(e.note) + "</div>" : "") + historyPhotos(d.photos) + "</li>";
  }).join("") : "<li>" + esc(t("history_empty")) + "</li>";
}

export function wirePanel() {
  byId("dispatch-panel-close").addEventListener("click", closePanel);
  // A change of the selected event reaches us through the feed: show it, unless the user is
  // busy with a form or a placement there.
  on("feed", function (e) {
    if (state.selected && e.fresh[state.selected] && !state.form && !state.placing) loadDetail(state.selected);
    // Opened from a link (?ticket=...) before its marker existed: bring it into view once it does.
    if (state.selected && awaitingMarker === state.selected && keepInView(state.selected)) awaitingMarker = null;
  });
}
