/* Live totals: while the planner picks micro-grids or buildings to move, points at the grid that would
 * take them, or draws a split line, the panel shows the households and population of the grids the edit
 * would change, before and after, each figure coloured against its level's target range -- as
 * redistricting tools show population while painting.
 *
 * The figures are the edit's own: the server runs the edit without writing it (POST drafts/<id>/preview),
 * so they are the numbers the edit will save, and an edit that would be refused says so before the click.
 * Requests are spaced (a pause after the last change) and only the latest answer is shown.
 */
import { byId, esc, fmt } from "../core.js";
import { show } from "./panel.js";
import { pickedBuildingIds, pickedCodes, planApi, settings, state, t } from "./state.js";

var seq = 0;
var timer = null;
var WAIT_MS = 150;

/* The preview body for the state as it is now (or null: nothing to preview). */
function previewBody(extra) {
  var mode = state.mode;
  if (mode === "move-pick" || mode === "move-target") {
    var codes = pickedCodes();
    if (!codes.length) return null;
    return Object.assign({ action: "move", codes: codes }, extra || {});
  }
  if (mode === "building-pick" || mode === "building-target") {
    var ids = pickedBuildingIds();
    if (!ids.length) return null;
    return Object.assign({ action: "move-buildings", address_ids: ids }, extra || {});
  }
  if ((mode === "split" || mode === "split-confirm") && extra && extra.line) {
    return Object.assign({ action: "split", code: state.selected && state.selected.code }, extra);
  }
  return null;
}

/* Ask for the totals of the edit being prepared; ``extra``: {target} or {line, names}. */
export function refreshTotals(extra) {
  var body = previewBody(extra);
  seq += 1;
  if (timer) clearTimeout(timer);
  if (!body) {
    if (!(state.mode === "split" && state.totals)) hideTotals();
    return Promise.resolve(null);
  }
  var mine = seq;
  return new Promise(function (resolve) {
    timer = setTimeout(function () {
      timer = null;
      note(t("totals_loading"), "gm-busy");
      planApi("POST", "drafts/" + state.draft.id + "/preview", body).then(function (res) {
        if (mine !== seq) { resolve(null); return; }
        if (!res.ok) {
          note((res.body && res.body.error && res.body.error.message) || "", "gm-bad");
          resolve(null);
          return;
        }
        state.totals = Object.assign({ body: body }, res.body);
        state.totalsShown += 1;
        renderTotals(res.body, body);
        resolve(res.body);
      }, function () { resolve(null); });
    }, WAIT_MS);
  });
}

export function hideTotals() {
  seq += 1;
  if (timer) { clearTimeout(timer); timer = null; }
  state.totals = null;
  var rows = byId("plan-totals-rows");
  if (rows) rows.innerHTML = "";
  show("plan-totals", false);
}

function note(text, cls) {
  var el = byId("plan-totals-note");
  if (!el) return;
  el.textContent = text || "";
  el.className = "gm-plan-totals-note mb-1 " + (cls || "");
  el.hidden = !text;
  if (text) show("plan-totals", true);
}

/* in | low | high against the level's target range (none: no class). */
function verdict(value, level, what) {
  var range = ((settings.targets || {})[what] || {})[level];
  if (!range || value === null || value === undefined) return "";
  return value < range[0] ? "low" : value > range[1] ? "high" : "in";
}

function cell(entry, what) {
  var before = entry.before ? entry.before[what] : null;
  var after = entry.after ? entry.after[what] : null;
  var shown = function (v) { return v === null || v === undefined ? "–" : String(v); };
  var range = ((settings.targets || {})[what] || {})[entry.level];
  var title = range ? fmt(t("totals_target"), { lo: range[0], hi: range[1] }) : "";
  var text;
  if (!entry.before) text = t("totals_new") + " " + shown(after);
  else if (!entry.after) text = shown(before) + " → —";
  else text = fmt(t("totals_before_after"), { before: shown(before), after: shown(after) });
  var cls = entry.after ? verdict(after, entry.level, what) : "";
  return "<td class=\"gm-total gm-total-" + (cls || "none") + "\" data-what=\"" + what + "\" data-before=\"" +
    esc(shown(before)) + "\" data-after=\"" + esc(shown(after)) + "\" title=\"" + esc(title) + "\">" + esc(text) +
    "</td>";
}

/* Which grids the panel lists: the level being edited (and, for buildings, the grids that hold them). */
function listed(answer, body) {
  var level = settings.level;
  var leaves = {};
  (answer.moves || []).forEach(function (m) { leaves[m.from] = true; leaves[m.to] = true; });
  var out = (answer.grids || []).filter(function (g) {
    return g.level === level || (body.action === "move-buildings" && leaves[g.code]) ||
      (body.action === "move-buildings" && !body.target);
  });
  return out.length ? out : (answer.grids || []).slice(0, 8);
}

function renderTotals(answer, body) {
  var rows = byId("plan-totals-rows");
  if (!rows) return;
  var entries = answer.refused ? [] : listed(answer, body);
  rows.innerHTML = entries.map(function (g) {
    return "<tr data-code=\"" + esc(g.code) + "\" data-level=\"" + esc(g.level) + "\"><th>" + esc(g.name) +
      " <span class=\"gm-code\">" + esc(g.code) + "</span></th>" + cell(g, "households") + cell(g, "population") +
      "</tr>";
  }).join("");
  var drawing = state.mode === "split" && answer.refused && answer.refused.details &&
    answer.refused.details.reason === "line_not_crossing";
  if (drawing) note(t("split_draw_more"), "");  // not across yet: nothing is wrong, the line is not done
  else if (answer.refused) note(fmt(t("totals_refused"), { message: answer.refused.message }), "gm-bad");
  else if ((body.action === "move" || body.action === "move-buildings") && !body.target) {
    note(t("totals_pick_target"), "");
  } else note("", "");
  var box = byId("plan-totals");
  if (box) box.dataset.action = body.action;
  show("plan-totals", true);
}
