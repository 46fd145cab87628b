/* The dispatch desk (/dispatch): queue, event panel and live map.
 *
 * Started by app/dispatch/map.py (GridMapDispatch.init) once the folium map
 * exists. Polls the live feed (/api/v1/reports/changes) every few seconds
 * with the cursor of the previous answer: new and changed events appear in
 * the queue and on the map without a reload. The first answer (no cursor)
 * is the whole filtered list; later ones only the changes, plus the tickets
 * that left the filters ("unmatched"). Rows may come twice (the cursor
 * overlaps on purpose): the store is keyed by ticket and a row is redrawn
 * only when it differs.
 *
 * An ES module; folium's map script (a module too, run after it) calls
 * GridMapDispatch.init. State for pages, tests and the console:
 * window.gridmapDispatch.
 */

import { api, beijingClock, beijingInput, beijingTime, byId, errorOf, esc, fmt, row, textsOf } from "./core.js";

var state = (window.gridmapDispatch = {
  store: {},          // ticket -> GeoJSON feature
  markers: {},        // ticket -> L.marker
  cursor: null,
  scope: null,        // the feed's fingerprint of boundaries and our area
  polls: 0,
  lastUpdate: null,
  error: null,
  truncated: false,
  selected: null,     // ticket
  detail: null,       // the selected report (GET /api/v1/reports/<ticket>)
  placing: null,      // {latlng} while placing on the map
});
var cfg = { texts: {}, colors: {}, filters: {}, poll_ms: 3000 };
var map = null;
var markerLayer = null;
var timer = null;
var busy = false;
var again = false;
var generation = 0;   // bumped when the filters change: older answers are dropped
var failures = 0;
var formAction = null;
var lastFull = 0;
var placingMarker = null;

// ---- helpers ---------------------------------------------------------------

var t = textsOf(cfg);

function reportUrl(ticket, tail) {
  return cfg.reports_url + "/" + encodeURIComponent(ticket) + (tail ? "/" + tail : "");
}

// ---- filters and the URL -----------------------------------------------------

var FILTERS = ["status", "grid_id", "category", "channel", "deadline_state", "sort", "needs_placement"];

function readForm() {
  var form = byId("dispatch-filters");
  var out = {};
  FILTERS.forEach(function (name) {
    var el = form.elements[name];
    if (!el) return;
    out[name] = el.type === "checkbox" ? (el.checked ? "true" : "") : el.value;
  });
  return out;
}

function feedQuery() {
  var f = cfg.filters;
  var q = new URLSearchParams();
  // "all" is no status filter at all; "open" is every state before closing.
  if (f.status && f.status !== "all") q.set("status", f.status);
  ["grid_id", "category", "channel", "deadline_state", "sort", "needs_placement"].forEach(function (k) {
    if (f[k]) q.set(k, f[k]);
  });
  return q;
}

function syncUrl() {
  var url = new URL(window.location.href);
  FILTERS.forEach(function (k) {
    var v = cfg.filters[k];
    var isDefault = (k === "status" && v === "open") || (k === "sort" && v === "deadline");
    if (v && !isDefault) url.searchParams.set(k, v);
    else url.searchParams.delete(k);
  });
  if (state.selected) url.searchParams.set("ticket", state.selected);
  else url.searchParams.delete("ticket");
  window.history.replaceState(null, "", url.toString());
}

// ---- the live feed -----------------------------------------------------------

function setLive(ok) {
  var el = byId("dispatch-live");
  if (!el) return;
  if (ok) {
    el.textContent = fmt(t("updated_at"), { time: beijingClock(state.lastUpdate) });
    el.classList.remove("gm-offline");
  } else {
    el.textContent = t("offline");
    el.classList.add("gm-offline");
  }
}

function schedule(delay) {
  clearTimeout(timer);
  timer = setTimeout(function () { poll(false); }, delay);
}

function poll(full) {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  // Passing time changes no row (a deadline just passes): now and then reload everything.
  if (!full && lastFull && Date.now() - lastFull > (cfg.resync_ms || 300000)) full = true;
  var gen = generation;
  var q = feedQuery();
  if (!full && state.cursor) q.set("since", state.cursor);
  var wasFull = full || !state.cursor;
  if (wasFull) lastFull = Date.now();
  var next = cfg.poll_ms;
  api("GET", cfg.feed_url + "?" + q.toString())
    .then(function (res) {
      if (gen !== generation) return;
      if (res.status !== 200) throw new Error(errorOf(res).message);
      failures = 0;
      state.error = null;
      state.polls += 1;
      state.lastUpdate = new Date();
      var applied = apply(res.body, wasFull) !== false;
      setLive(true);
      if (!applied || (res.body.truncated && !wasFull)) next = 0; // more changes are waiting
    })
    .catch(function (err) {
      failures += 1;
      state.error = String(err && err.message ? err.message : err);
      setLive(false);
      // Back off while the server is away, up to half a minute.
      next = Math.min(cfg.poll_ms * Math.pow(2, failures), 30000);
    })
    .then(function () {
      busy = false;
      if (gen !== generation || again) {
        again = false;
        schedule(0);
      } else {
        schedule(next);
      }
    });
}

/* Ask the feed now (after an action of ours), without waiting for the timer. */
function pollNow() {
  clearTimeout(timer);
  poll(false);
}

function signature(f) {
  var p = f.properties || {};
  return [p.row_version, p.status, p.deadline_state, p.grid_code, p.needs_placement, p.assignee_id,
          JSON.stringify(f.geometry)].join("|");
}

/* A running clock whose deadline has passed is overdue now, though its row did not change. */
function markOverdue() {
  var now = Date.now();
  var changed = false;
  Object.keys(state.store).forEach(function (ticket) {
    var p = state.store[ticket].properties;
    if ((p.status === "dispatched" || p.status === "in_progress") && p.deadline &&
        p.deadline_state !== "overdue" && Date.parse(p.deadline) < now) {
      p.deadline_state = "overdue";
      drawMarker(state.store[ticket], false);
      changed = true;
    }
  });
  return changed;
}

function apply(data, full) {
  var fresh = {};
  // A publish or a change of our grids can take events out of our view, which no
  // answer scoped to that view can name: start again from a full load.
  if (!full && state.scope && data.scope !== state.scope) {
    state.cursor = null;
    return false;
  }
  state.scope = data.scope;
  if (full) {
    Object.keys(state.markers).forEach(function (k) { markerLayer.removeLayer(state.markers[k]); });
    state.store = {};
    state.markers = {};
    state.truncated = !!data.truncated;
  }
  (data.unmatched || []).forEach(function (ticket) {
    if (!state.store[ticket]) return;
    delete state.store[ticket];
    if (state.markers[ticket]) {
      markerLayer.removeLayer(state.markers[ticket]);
      delete state.markers[ticket];
    }
  });
  (data.features || []).forEach(function (f) {
    var ticket = f.properties.ticket;
    var old = state.store[ticket];
    if (old && signature(old) === signature(f)) return; // seen already (the cursor overlaps)
    state.store[ticket] = f;
    drawMarker(f, !full);
    if (!full) fresh[ticket] = true;
  });
  state.cursor = data.cursor;
  markOverdue();
  renderQueue(fresh);
  if (state.selected && fresh[state.selected] && !formAction && !state.placing) loadDetail(state.selected);
  document.dispatchEvent(new CustomEvent("gridmap:dispatch", { detail: { count: Object.keys(state.store).length } }));
}

// ---- the map -----------------------------------------------------------------

function markerIcon(p, freshly) {
  var color = cfg.colors[p.status] || "#3388ff";
  var cls = "gm-report gm-status-" + p.status;
  if (p.deadline_state === "overdue") cls += " gm-report-overdue";
  if (p.out_of_coverage) cls += " gm-report-out";
  if (p.ticket === state.selected) cls += " gm-selected";
  if (freshly) cls += " gm-fresh";
  return L.divIcon({
    className: cls,
    html: "<span class=\"gm-dot\" style=\"background:" + esc(color) + "\"></span>",
    iconSize: [18, 18],
    iconAnchor: [9, 9],
  });
}

function drawMarker(f, freshly) {
  var p = f.properties;
  var existing = state.markers[p.ticket];
  if (!f.geometry) {
    if (existing) {
      markerLayer.removeLayer(existing);
      delete state.markers[p.ticket];
    }
    return;
  }
  var latlng = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
  if (existing) {
    existing.setLatLng(latlng);
    existing.setIcon(markerIcon(p, freshly));
    existing.setTooltipContent(tooltip(p));
    return;
  }
  var marker = L.marker(latlng, { icon: markerIcon(p, freshly), title: p.ticket, keyboard: true });
  marker.bindTooltip(tooltip(p));
  marker.on("click", function () {
    if (state.placing) return;
    select(p.ticket, false);
  });
  marker.addTo(markerLayer);
  state.markers[p.ticket] = marker;
}

function tooltip(p) {
  return "<strong>" + esc(p.ticket) + "</strong> " + esc(p.category_label || p.category) + "<br>" +
    esc(p.status_label || p.status) +
    (p.deadline_state ? " · " + esc(t("deadline_" + p.deadline_state)) : "");
}

function restyleMarkers() {
  Object.keys(state.markers).forEach(function (ticket) {
    var f = state.store[ticket];
    if (f) state.markers[ticket].setIcon(markerIcon(f.properties, false));
  });
}

// ---- the queue ---------------------------------------------------------------

function sorted() {
  var items = Object.keys(state.store).map(function (k) { return state.store[k].properties; });
  var byCreated = function (a, b) {
    return (b.created_at || "").localeCompare(a.created_at || "") || b.id - a.id;
  };
  if (cfg.filters.sort === "created") return items.sort(byCreated);
  return items.sort(function (a, b) {
    if (a.deadline && b.deadline) return a.deadline.localeCompare(b.deadline) || byCreated(a, b);
    if (a.deadline) return -1;
    if (b.deadline) return 1;
    return byCreated(a, b);
  });
}

function badge(p) {
  if (p.needs_placement) return "<span class=\"gm-badge gm-badge-unplaced\">" + esc(t("unplaced")) + "</span>";
  if (p.deadline_state) {
    return "<span class=\"gm-badge gm-badge-" + esc(p.deadline_state) + "\">" + esc(t("deadline_" + p.deadline_state)) + "</span>";
  }
  return "";
}

function renderQueue(fresh) {
  var list = byId("dispatch-list");
  var items = sorted();
  var html = items.map(function (p) {
    var cls = (p.ticket === state.selected ? "gm-selected" : "") + (fresh && fresh[p.ticket] ? " gm-fresh" : "");
    var grid = p.grid_name ? (p.grid_parent_name ? p.grid_parent_name + " · " : "") + p.grid_name
      : p.out_of_coverage ? t("out_of_coverage") : "";
    return "<li data-ticket=\"" + esc(p.ticket) + "\" data-status=\"" + esc(p.status) + "\" class=\"" + cls + "\" tabindex=\"0\">" +
      "<div class=\"gm-q-top\"><strong>" + esc(p.ticket) + "</strong>" + badge(p) + "</div>" +
      "<div class=\"gm-q-desc\">" + esc(p.category_label || p.category) + " · " + esc(p.description) + "</div>" +
      "<div class=\"gm-q-meta\">" + esc(p.status_label || p.status) + (grid ? " · " + esc(grid) : "") +
      (p.deadline ? " · " + esc(t("deadline")) + " " + esc(beijingTime(p.deadline)) : " · " + esc(beijingTime(p.created_at))) +
      (p.assignee_name ? " · " + esc(p.assignee_name) : "") + "</div></li>";
  }).join("");
  list.innerHTML = html || "<li class=\"gm-q-empty\">" + esc(t("queue_empty")) + "</li>";
  renderCounts(items);
}

function renderCounts(items) {
  var overdue = 0, soon = 0, unplaced = 0;
  items.forEach(function (p) {
    if (p.deadline_state === "overdue" && (p.status === "dispatched" || p.status === "in_progress")) overdue += 1;
    if (p.deadline_state === "due_soon") soon += 1;
    if (p.needs_placement) unplaced += 1;
  });
  var parts = [esc(fmt(t("count"), { n: items.length }))];
  if (overdue) parts.push("<span class=\"gm-overdue\">" + esc(fmt(t("count_overdue"), { n: overdue })) + "</span>");
  if (soon) parts.push(esc(fmt(t("count_due_soon"), { n: soon })));
  if (unplaced) parts.push(esc(fmt(t("count_unplaced"), { n: unplaced })));
  if (state.truncated) parts.push(esc(fmt(t("truncated"), { n: items.length })));
  byId("dispatch-counts").innerHTML = parts.join(" · ");
}

// ---- the event panel -----------------------------------------------------------

function message(kind, text) {
  var el = byId("dispatch-message");
  el.className = "alert py-1 px-2 small alert-" + kind;
  el.textContent = text || "";
  el.hidden = !text;
}

function select(ticket, fromQueue) {
  if (state.placing) stopPlacing();
  state.selected = ticket;
  syncUrl();
  message("info", "");
  closeForm();
  byId("dispatch-panel").hidden = false;
  byId("dispatch-panel-title").textContent = ticket;
  document.querySelectorAll("#dispatch-list li").forEach(function (li) {
    li.classList.toggle("gm-selected", li.dataset.ticket === ticket);
  });
  restyleMarkers();
  var marker = state.markers[ticket];
  if (marker && fromQueue) map.panTo(marker.getLatLng());
  if (fromQueue === false) {
    var li = document.querySelector("#dispatch-list li[data-ticket=\"" + CSS.escape(ticket) + "\"]");
    if (li) li.scrollIntoView({ block: "nearest" });
  }
  map.invalidateSize();
  loadDetail(ticket);
}

function closePanel() {
  if (state.placing) stopPlacing();
  state.selected = null;
  state.detail = null;
  byId("dispatch-panel").hidden = true;
  syncUrl();
  restyleMarkers();
  document.querySelectorAll("#dispatch-list li.gm-selected").forEach(function (li) { li.classList.remove("gm-selected"); });
  map.invalidateSize();
}

function loadDetail(ticket) {
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
      document.dispatchEvent(new CustomEvent("gridmap:detail", { detail: { ticket: ticket } }));
    })
    .catch(function (err) {
      message("danger", fmt(t("failed"), { message: String(err) }));
    });
}

function renderDetail(r) {
  var grid = r.needs_placement ? t("unplaced") : r.out_of_coverage ? t("out_of_coverage") :
    (r.grid_chain || []).filter(Boolean).map(function (g) { return g.name; }).join(" › ");
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
  var actions = byId("dispatch-actions");
  var html = (r.allowed_actions || []).map(function (a) {
    var style = a === "cancel" || a === "merge" ? "btn-outline-danger" : "btn-outline-primary";
    return "<button type=\"button\" class=\"btn btn-sm " + style + "\" data-action=\"" + esc(a) + "\">" +
      esc(t("action_" + a)) + "</button>";
  }).join("");
  if (r.needs_placement && cfg.may_act) {
    html = "<button type=\"button\" class=\"btn btn-sm btn-warning\" id=\"dispatch-place\">" + esc(t("place")) + "</button>" + html;
  }
  actions.innerHTML = html || "<span class=\"text-muted small\">" + esc(t("no_actions")) + "</span>";
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

function renderHistory(entries) {
  var list = byId("dispatch-history");
  list.innerHTML = entries.length ? entries.map(function (e) {
    var d = e.details || {};
    var extra = d.assignee_name ? " → " + d.assignee_name : d.grid_code ? " → " + d.grid_code : "";
    return "<li data-action=\"" + esc(e.action) + "\"><strong>" + esc(t("action_" + e.action)) + "</strong>" + esc(extra) +
      " · " + esc(beijingTime(e.at)) + " · " + esc(fmt(t("by"), { actor: e.actor })) +
      (e.to_state && e.from_state !== e.to_state ? " · " + esc(t("status_" + e.to_state)) : "") +
      (e.note ? "<div class=\"gm-h-note\">" + esc(e.note) + "</div>" : "") + "</li>";
  }).join("") : "<li>" + esc(t("history_empty")) + "</li>";
}

// ---- acting on the event ---------------------------------------------------------

var FORM_FIELDS = { dispatch: ["assignee", "deadline"], extend: ["deadline"], merge: ["duplicate_of"] };

function clearErrors(scope) {
  (scope || document).querySelectorAll(".gm-field-error").forEach(function (el) { el.textContent = ""; });
}

function closeForm() {
  formAction = null;
  var form = byId("dispatch-form");
  form.hidden = true;
  form.reset();
  clearErrors(form);
}

function openForm(action) {
  formAction = action;
  var form = byId("dispatch-form");
  form.reset();
  clearErrors(form);
  byId("dispatch-form-title").textContent = t("action_" + action);
  var wanted = FORM_FIELDS[action] || [];
  form.querySelectorAll(".gm-field[data-for]").forEach(function (el) {
    el.hidden = el.dataset.for !== "note" && wanted.indexOf(el.dataset.for) < 0;
  });
  byId("dispatch-deadline-label").textContent = action === "extend" ? t("new_deadline") : t("deadline_optional");
  form.hidden = false;
  if (action === "dispatch") loadAssignees();
  byId("dispatch-note").focus();
}

function loadAssignees() {
  var select = byId("dispatch-assignee");
  select.innerHTML = "<option value=\"\">" + esc(t("loading")) + "</option>";
  api("GET", reportUrl(state.selected, "assignees")).then(function (res) {
    var people = res.status === 200 ? res.body.assignees : [];
    var html = "<option value=\"\">" + esc(people.length ? t("choose_assignee") : t("no_assignees")) + "</option>";
    html += people.map(function (p) {
      var name = p.display_name || p.username;
      return "<option value=\"" + esc(p.id) + "\">" + esc(name) + " (" + esc(p.username) + ")" +
        (p.open_events !== undefined ? " · " + esc(fmt(t("open_events"), { n: p.open_events })) : "") + "</option>";
    }).join("");
    select.innerHTML = html;
    document.dispatchEvent(new CustomEvent("gridmap:assignees", { detail: { count: people.length } }));
  });
}

function submitForm(event) {
  event.preventDefault();
  var r = state.detail;
  if (!r || !formAction) return;
  var form = byId("dispatch-form");
  clearErrors(form);
  var body = { action: formAction, expected_state: r.status, row_version: r.row_version };
  var note = byId("dispatch-note").value.trim();
  if (note) body.note = note;
  var wanted = FORM_FIELDS[formAction] || [];
  if (wanted.indexOf("assignee") >= 0 && byId("dispatch-assignee").value) {
    body.assignee = parseInt(byId("dispatch-assignee").value, 10);
  }
  if (wanted.indexOf("deadline") >= 0 && byId("dispatch-deadline").value) body.deadline = beijingInput(byId("dispatch-deadline").value);
  if (wanted.indexOf("duplicate_of") >= 0 && byId("dispatch-duplicate").value.trim()) {
    body.duplicate_of = byId("dispatch-duplicate").value.trim();
  }
  var button = byId("dispatch-confirm");
  button.disabled = true;
  var action = formAction;
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

function handleAnswer(res, action, scope) {
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
    stopPlacing();
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

// ---- placing an event on the map -----------------------------------------------------

function startPlacing() {
  closeForm();
  state.placing = { latlng: null };
  var box = byId("dispatch-placing");
  clearErrors(box);
  box.hidden = false;
  byId("dispatch-placing-point").textContent = "";
  byId("dispatch-place-confirm").disabled = true;
  map.getContainer().parentElement.classList.add("gm-dispatch-placing-map");
  map.on("click", onPlaceClick);
}

function stopPlacing() {
  if (!state.placing) return;
  state.placing = null;
  byId("dispatch-placing").hidden = true;
  map.off("click", onPlaceClick);
  map.getContainer().parentElement.classList.remove("gm-dispatch-placing-map");
  if (placingMarker) {
    map.removeLayer(placingMarker);
    placingMarker = null;
  }
}

function onPlaceClick(event) {
  if (!state.placing) return;
  state.placing.latlng = event.latlng;
  if (!placingMarker) {
    placingMarker = L.marker(event.latlng, {
      icon: L.divIcon({ className: "gm-report gm-placing-marker", html: "<span class=\"gm-dot\"></span>", iconSize: [18, 18], iconAnchor: [9, 9] }),
      interactive: false,
    }).addTo(map);
  } else {
    placingMarker.setLatLng(event.latlng);
  }
  byId("dispatch-placing-point").textContent = event.latlng.lng.toFixed(6) + ", " + event.latlng.lat.toFixed(6);
  byId("dispatch-place-confirm").disabled = false;
}

function confirmPlace() {
  var r = state.detail;
  if (!r || !state.placing || !state.placing.latlng) return;
  var box = byId("dispatch-placing");
  clearErrors(box);
  var ll = state.placing.latlng;
  var body = { lon: Number(ll.lng.toFixed(7)), lat: Number(ll.lat.toFixed(7)), crs: "wgs84",
               row_version: r.row_version };
  byId("dispatch-place-confirm").disabled = true;
  api("POST", reportUrl(r.ticket, "placement"), body)
    .then(function (res) {
      if (res.status === 200) {
        stopPlacing();
        var g = res.body.report.grid;
        message("success", fmt(t("placed"), { grid: g ? g.name + " (" + g.code + ")" : t("out_of_coverage") }));
        loadDetail(r.ticket);
        pollNow();
      } else if (res.status === 422) {
        fieldError(box, "placement", errorOf(res).message);
        byId("dispatch-place-confirm").disabled = false;
      } else {
        handleAnswer(res, "place", box);
      }
    })
    .catch(function (err) { fieldError(box, "placement", String(err)); });
}

// ---- the grid filter's search box ----------------------------------------------

/* Narrows the grid list (about a thousand options in a district) to the options whose
 * name or code holds what was typed; Enter picks the first of them. */
function wireGridSearch() {
  var box = byId("dispatch-grid-search"), select = byId("dispatch-grid"), count = byId("dispatch-grid-count");
  if (!box || !select) return;
  function matches() {
    var needle = box.value.trim().toLowerCase();
    var found = [];
    Array.prototype.forEach.call(select.options, function (o) {
      if (!o.value) return; // "all grids" stays
      var hit = !needle || (o.dataset.search || "").toLowerCase().indexOf(needle) >= 0;
      o.hidden = !hit && !o.selected;
      if (hit && needle) found.push(o);
    });
    count.textContent = needle ? fmt(t("grid_matches"), { n: found.length }) : "";
    return found;
  }
  box.addEventListener("input", matches);
  box.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    var found = matches();
    if (!found.length || select.value === found[0].value) return;
    select.value = found[0].value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

// ---- start ----------------------------------------------------------------------

function wire() {
  var form = byId("dispatch-filters");
  form.addEventListener("change", function (event) {
    if (!event.target.name) return; // the grid search box filters the list, not the events
    cfg.filters = Object.assign({}, cfg.filters, readForm());
    syncUrl();
    generation += 1;
    state.cursor = null;
    clearTimeout(timer);
    if (busy) again = true;
    else poll(true);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  wireGridSearch();
  var list = byId("dispatch-list");
  list.addEventListener("click", function (event) {
    var li = event.target.closest("li[data-ticket]");
    if (li) select(li.dataset.ticket, true);
  });
  list.addEventListener("keydown", function (event) {
    var li = event.target.closest("li[data-ticket]");
    if (li && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      select(li.dataset.ticket, true);
    }
  });
  byId("dispatch-actions").addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.id === "dispatch-place") startPlacing();
    else if (button.dataset.action) openForm(button.dataset.action);
  });
  byId("dispatch-form").addEventListener("submit", submitForm);
  byId("dispatch-form-cancel").addEventListener("click", closeForm);
  byId("dispatch-panel-close").addEventListener("click", closePanel);
  byId("dispatch-place-confirm").addEventListener("click", confirmPlace);
  byId("dispatch-place-cancel").addEventListener("click", stopPlacing);
}

function init(leafletMap, options) {
  map = leafletMap;
  Object.assign(cfg, options || {});
  cfg.filters = Object.assign({}, cfg.filters);
  markerLayer = L.featureGroup().addTo(map);
  GridMapDispatch.map = map;
  GridMapDispatch.layer = markerLayer;
  wire();
  var start = cfg.filters.ticket;
  delete cfg.filters.ticket;
  poll(true);
  if (start) select(start, false);
}

/* What folium's map script calls, and the console. */
var GridMapDispatch = (window.GridMapDispatch = { init: init, pollNow: pollNow, select: select, map: null, layer: null });
