/* The queue: the events of the filters in the desk's order, and the counts above them.
 *
 * The default order ("priority") is app.dispatch.queue.RANKS, handed over in the page settings:
 * new events first, then clocks running past their deadline, then those about to run out ... and
 * finished events last. The first answer of the feed comes in that order already; the queue keeps
 * it as events change and as deadlines pass.
 */

import { beijingTime, byId, esc, fmt } from "../core.js";
import { cfg, state, t } from "./state.js";

var RUNNING = { dispatched: true, in_progress: true };

export function rankOf(p) {
  var ranks = cfg.queue_ranks || {};
  var key = p.status + ":" + (p.deadline_state || "");
  if (key in ranks) return ranks[key];
  return p.status in ranks ? ranks[p.status] : 99;
}

function byCreated(a, b) {
  return (b.created_at || "").localeCompare(a.created_at || "") || b.id - a.id;
}

function byDeadline(a, b) {
  if (a.deadline && b.deadline) return a.deadline.localeCompare(b.deadline);
  if (a.deadline) return -1;
  if (b.deadline) return 1;
  return 0;
}

export function sorted() {
  var items = Object.keys(state.store).map(function (k) { return state.store[k].properties; });
  var sort = cfg.filters.sort;
  if (sort === "created") return items.sort(byCreated);
  if (sort === "deadline") {
    // As the list SQL: clocks still running first, then the rest; soonest deadline first in each.
    return items.sort(function (a, b) {
      return (RUNNING[a.status] ? 0 : 1) - (RUNNING[b.status] ? 0 : 1) || byDeadline(a, b) || byCreated(a, b);
    });
  }
  return items.sort(function (a, b) { return rankOf(a) - rankOf(b) || byDeadline(a, b) || byCreated(a, b); });
}

/* A publication left the point outside its district's grids: whose grids cover it now, for 交办/转办. */
export function outsideText(p) {
  if (p.point_district) return fmt(t("point_district"), { district: districtOf(p.point_district) });
  return p.outside_district ? t("outside_district") : "";
}

function badge(p) {
  if (p.needs_placement) return "<span class=\"gm-badge gm-badge-unplaced\">" + esc(t("unplaced")) + "</span>";
  if (outsideText(p)) return "<span class=\"gm-badge gm-badge-outside\">" + esc(outsideText(p)) + "</span>";
  if (p.status === "reported") return "<span class=\"gm-badge gm-badge-new\">" + esc(t("new_event")) + "</span>";
  if (p.deadline_state) {
    return "<span class=\"gm-badge gm-badge-" + esc(p.deadline_state) + "\">" + esc(t("deadline_" + p.deadline_state)) + "</span>";
  }
  return "";
}

function districtOf(code) {
  var found = (cfg.districts || []).filter(function (d) { return d.code === code; })[0];
  return found ? found.name : code || "";
}

function item(p, fresh) {
  var cls = (p.ticket === state.selected ? "gm-selected" : "") + (fresh && fresh[p.ticket] ? " gm-fresh" : "") +
    (p.status === "reported" ? " gm-q-new" : "");
  var grid = p.grid_name ? (p.grid_parent_name ? p.grid_parent_name + " · " : "") + p.grid_name
    : p.out_of_coverage ? t("out_of_coverage") : "";
  // The city's desk spans districts: each event says whose it is.
  if (cfg.city_user && (cfg.districts || []).length > 1) grid = districtOf(p.district_code) + (grid ? " · " + grid : "");
  return "<li data-ticket=\"" + esc(p.ticket) + "\" data-status=\"" + esc(p.status) + "\" class=\"" + cls + "\" tabindex=\"0\">" +
    "<div class=\"gm-q-top\"><strong>" + esc(p.ticket) + "</strong>" + badge(p) + "</div>" +
    "<div class=\"gm-q-desc\">" + esc(p.category_label || p.category) + " · " + esc(p.description) + "</div>" +
    "<div class=\"gm-q-meta\">" + esc(p.status_label || p.status) + (grid ? " · " + esc(grid) : "") +
    (p.deadline ? " · " + esc(t("deadline")) + " " + esc(beijingTime(p.deadline)) : " · " + esc(beijingTime(p.created_at))) +
    (p.assignee_name ? " · " + esc(p.assignee_name) : "") + "</div></li>";
}

export function renderQueue(fresh) {
  var items = sorted();
  byId("dispatch-list").innerHTML = items.map(function (p) { return item(p, fresh); }).join("") ||
    "<li class=\"gm-q-empty\">" + esc(t("queue_empty")) + "</li>";
  renderCounts(items);
  return items;
}

/* Mark the selected row (and scroll it into view when the map chose it). */
export function markSelected(ticket, scroll) {
  document.querySelectorAll("#dispatch-list li[data-ticket]").forEach(function (li) {
    li.classList.toggle("gm-selected", li.dataset.ticket === ticket);
  });
  if (ticket && scroll) {
    var li = document.querySelector("#dispatch-list li[data-ticket=\"" + CSS.escape(ticket) + "\"]");
    if (li) li.scrollIntoView({ block: "nearest" });
  }
}

function renderCounts(items) {
  var overdue = 0, soon = 0, unplaced = 0;
  items.forEach(function (p) {
    if (p.deadline_state === "overdue") overdue += 1;
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
