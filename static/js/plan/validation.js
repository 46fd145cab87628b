/* The validation panel: the draft's coverage and balance issues, errors first, then warnings and notices
 * grouped by kind with their count ("户数超出目标：7 个微网格"); each group opens and closes, the filter
 * narrows every group at once; a click on an issue selects its grid (on the level being edited) and
 * highlights it on the map. After an edit the server says what checking again the touched grids found:
 * the new issues are marked, the resolved ones listed. */
import { byId, esc, fmt } from "../core.js";
import { restyle } from "./layers.js";
import { setStatus, showFailure, showNetworkError, update } from "./panel.js";
import { layerEntry, map, planApi, settings, state, t } from "./state.js";

var issueLayer = null;      // validation issues with a geometry
var highlightLayer = null;  // the grid of the issue clicked
var highlightSeq = 0;

export function initValidation() {
  issueLayer = L.featureGroup().addTo(map);
  highlightLayer = L.geoJSON(null, {
    style: function () { return Object.assign({}, settings.styles.highlight); },
    interactive: false,
  }).addTo(map);
  var filter = byId("plan-issue-filter");
  if (filter) filter.addEventListener("input", applyFilter);
}

export function validate() {
  setStatus(t("validating"), true);
  return planApi("GET", "versions/" + state.draft.id + "/validation?limit=" + (settings.issueLimit || 500))
    .then(function (res) {
      if (!res.ok) {
        state.validation = null;
        showFailure(res);
        return;
      }
      state.validation = res.body;
      state.validations += 1;
      renderValidation(res.body);
    }, showNetworkError)
    .then(function () {
      setStatus("", false);
      update();
    });
}

function issueKey(issue) {
  return [issue.rule, issue.code || "", (issue.codes || []).join(",")].join("|");
}

function summaryText(body) {
  var s = body.summary || { errors: 0, warnings: 0 };
  var text = s.errors > 0 ? fmt(t("validation_errors"), s)
    : s.warnings > 0 ? fmt(t("validation_warnings"), s) : t("validation_ok");
  if (body.truncated) text += " " + fmt(t("validation_truncated"), { n: (body.issues || []).length });
  return text;
}

function renderValidation(body) {
  var s = body.summary || { errors: 0, warnings: 0 };
  var summary = byId("plan-validation-summary");
  summary.textContent = summaryText(body);
  summary.className = "gm-plan-summary " + (s.errors > 0 ? "gm-bad" : "gm-ok");
  summary.dataset.errors = s.errors;
  summary.dataset.warnings = s.warnings;
  var count = byId("plan-tab-validation-count");
  if (count) {
    count.textContent = s.errors ? s.errors + "/" + s.warnings : String(s.warnings || "");
    count.className = "gm-plan-tab-count" + (s.errors ? " gm-bad" : "");
  }

  state.exclaves = {};
  (body.issues || []).forEach(function (i) { if (i.rule === "exclave" && i.code) state.exclaves[i.code] = true; });
  var fresh = {};
  ((state.validationChanges && state.validationChanges.added) || []).forEach(function (i) {
    fresh[issueKey(i)] = true;
  });

  issueLayer.clearLayers();
  var holder = byId("plan-issue-groups");
  holder.innerHTML = "";
  var byGroup = {};
  (body.issues || []).forEach(function (issue) {
    var key = issue.severity + "|" + issue.rule + "|" + (issue.level || "");
    (byGroup[key] = byGroup[key] || []).push(issue);
  });
  (body.groups || []).forEach(function (g) {
    var key = g.severity + "|" + g.rule + "|" + (g.level || "");
    var issues = byGroup[key] || [];
    var group = document.createElement("details");
    group.className = "gm-issue-group gm-issue-group-" + g.severity;
    group.dataset.rule = g.rule;
    group.dataset.level = g.level || "";
    group.dataset.severity = g.severity;
    group.dataset.count = g.count;
    // Errors are open; a short group too. Long warning groups wait for the planner to open them.
    group.open = g.severity === "error" || g.count <= 5;
    var head = document.createElement("summary");
    head.innerHTML = "<span class=\"gm-sev gm-sev-" + esc(g.severity) + "\">" + esc(t(g.severity)) + "</span>" +
      "<span class=\"gm-issue-group-label\">" + esc(g.label) + "</span>" +
      " <span class=\"gm-issue-group-shown\"></span>";
    group.appendChild(head);
    var list = document.createElement("ul");
    list.className = "gm-plan-issues";
    issues.forEach(function (issue) {
      var li = issueItem(issue, fresh[issueKey(issue)]);
      list.appendChild(li);
    });
    group.appendChild(list);
    holder.appendChild(group);
  });
  issueLayer.eachLayer(function (l) {
    // Errors drawn last stay on top of warnings.
    if (l.getLayers && l.getLayers()[0] && l.getLayers()[0].feature.properties.severity === "error") l.bringToFront();
  });
  applyFilter();
  renderChanges();
}

function issueItem(issue, isNew) {
  var li = document.createElement("li");
  li.className = "gm-issue gm-issue-" + issue.severity + (isNew ? " gm-issue-new" : "");
  li.dataset.rule = issue.rule;
  li.dataset.code = issue.code || "";
  li.dataset.codes = (issue.codes || []).join(" ");
  li.tabIndex = 0;
  var area = issue.area_m2 !== null && issue.area_m2 !== undefined
    ? " (" + fmt(t("area"), { area: Math.round(issue.area_m2).toLocaleString() }) + ")" : "";
  li.innerHTML = (isNew ? "<span class=\"gm-issue-new-badge\">" + esc(t("issue_new")) + "</span>" : "") +
    esc(issue.message) + esc(area);
  var drawn = null;
  if (issue.geometry) {
    // Not clickable: the grids under an issue must stay selectable; the list explains it.
    drawn = L.geoJSON({ type: "Feature", geometry: issue.geometry, properties: issue }, {
      style: function () { return settings.styles[issue.severity === "error" ? "error" : "warning"]; },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 8, interactive: false }); },
      interactive: false,
    });
    issueLayer.addLayer(drawn);
  }
  function go() { focusIssue(issue, drawn, li); }
  li.addEventListener("click", go);
  li.addEventListener("keydown", function (event) { if (event.key === "Enter") go(); });
  return li;
}

/* The filter narrows every group: by code, name or text. */
function applyFilter() {
  var box = byId("plan-issue-filter");
  var needle = box ? box.value.trim().toLowerCase() : "";
  document.querySelectorAll("#plan-issue-groups .gm-issue-group").forEach(function (group) {
    var items = group.querySelectorAll("li.gm-issue");
    var shown = 0;
    items.forEach(function (li) {
      var hit = !needle || li.textContent.toLowerCase().indexOf(needle) >= 0 ||
        li.dataset.code.indexOf(needle) >= 0 || li.dataset.codes.indexOf(needle) >= 0;
      li.hidden = !hit;
      if (hit) shown += 1;
    });
    group.hidden = needle !== "" && shown === 0;
    if (needle && shown) group.open = true;
    var label = group.querySelector(".gm-issue-group-shown");
    var total = Number(group.dataset.count);
    label.textContent = needle || items.length < total
      ? "(" + fmt(t("issues_shown"), { shown: shown, n: total }) + ")" : "(" + total + ")";
  });
}

/* What the last edit's check found (its answer's "validation"), under the summary. */
export function showValidationChanges(changes) {
  state.validationChanges = changes || null;
  renderChanges();
}

function renderChanges() {
  var el = byId("plan-validation-changes");
  if (!el) return;
  var c = state.validationChanges;
  if (!c) { el.hidden = true; el.textContent = ""; return; }
  var text = fmt(t("validation_changes"), { checked: c.checked, added: c.added_count, resolved: c.resolved_count });
  if (c.resolved && c.resolved.length) {
    text += " " + fmt(t("validation_resolved"), {
      list: c.resolved.slice(0, 3).map(function (i) { return i.message; }).join("；") +
        (c.resolved.length > 3 ? " …" : ""),
    });
  }
  el.textContent = text;
  el.dataset.added = c.added_count;
  el.dataset.resolved = c.resolved_count;
  el.hidden = false;
}

function featureOf(code) {
  var found = null;
  ["planGrids", "planChildren", "planParents"].forEach(function (key) {
    var e = layerEntry(key);
    if (!e || found) return;
    e.layer.eachLayer(function (l) {
      if (!found && l.feature && l.feature.properties.code === code) found = { key: key, layer: l };
    });
  });
  return found;
}

/* The grid an issue is about: selected when it is on the level being edited, highlighted in any case
 * (its exact outline, fetched, so it shows at any zoom and whatever layer holds it), and zoomed to. */
function focusIssue(issue, drawn, li) {
  document.querySelectorAll("#plan-issue-groups li.gm-issue-active").forEach(function (x) {
    x.classList.remove("gm-issue-active");
  });
  li.classList.add("gm-issue-active");
  var code = issue.code || (issue.codes || [])[0];
  var onMap = code ? featureOf(code) : null;
  if (onMap && onMap.key === "planGrids" && state.mode === "idle" && !state.published) {
    state.selected = { code: code, name: onMap.layer.feature.properties.name };
    restyle();
    update();
  }
  highlight(code, drawn);
}

function highlight(code, drawn) {
  var seq = (highlightSeq += 1);
  highlightLayer.clearLayers();
  state.highlighted = code || null;
  var fit = function (bounds) {
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17, padding: [30, 30] });
  };
  if (!code) { if (drawn) fit(drawn.getBounds()); return; }
  planApi("GET", "grids/" + encodeURIComponent(code) + "?version=" + state.draft.id).then(function (res) {
    if (seq !== highlightSeq || !res.ok) return;
    highlightLayer.addData(res.body);
    highlightLayer.bringToFront();
    fit(drawn ? drawn.getBounds().extend(highlightLayer.getBounds()) : highlightLayer.getBounds());
  }, function () { if (drawn) fit(drawn.getBounds()); });
}

export function clearHighlight() {
  highlightSeq += 1;
  if (highlightLayer) highlightLayer.clearLayers();
  state.highlighted = null;
}
