/* The validation panel: the draft's coverage and balance issues, listed and drawn on the map. */
import { byId, esc, fmt } from "../core.js";
import { setStatus, showError, showFailure, showNetworkError, update } from "./panel.js";
import { layerEntry, map, planApi, settings, state, t } from "./state.js";

var issueLayer = null;     // validation issues with a geometry

export function initValidation() {
  issueLayer = L.featureGroup().addTo(map);
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

function renderValidation(body) {
  var s = body.summary || { errors: 0, warnings: 0 };
  var summary = byId("plan-validation-summary");
  var text = s.errors > 0 ? fmt(t("validation_errors"), s)
    : s.warnings > 0 ? fmt(t("validation_warnings"), s) : t("validation_ok");
  if (body.truncated) text += " " + fmt(t("validation_truncated"), { n: (body.issues || []).length });
  summary.textContent = text;
  summary.className = "gm-plan-summary " + (s.errors > 0 ? "gm-bad" : "gm-ok");
  summary.dataset.errors = s.errors;
  summary.dataset.warnings = s.warnings;

  issueLayer.clearLayers();
  var list = byId("plan-issues");
  list.innerHTML = "";
  (body.issues || []).forEach(function (issue) {
    var li = document.createElement("li");
    li.className = "gm-issue gm-issue-" + issue.severity;
    li.dataset.rule = issue.rule;
    li.dataset.code = issue.code || "";
    var area = issue.area_m2 !== null && issue.area_m2 !== undefined
      ? " (" + fmt(t("area"), { area: Math.round(issue.area_m2).toLocaleString() }) + ")" : "";
    li.innerHTML = "<span class=\"gm-sev gm-sev-" + esc(issue.severity) + "\">" + esc(t(issue.severity)) +
      "</span>" + esc(issue.message) + esc(area);
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
    li.addEventListener("click", function () { focusIssue(issue, drawn); });
    list.appendChild(li);
  });
  issueLayer.eachLayer(function (l) {
    // Errors drawn last stay on top of warnings.
    if (l.getLayers && l.getLayers()[0] && l.getLayers()[0].feature.properties.severity === "error") l.bringToFront();
  });
}

function focusIssue(issue, drawn) {
  var bounds = null;
  if (drawn) bounds = drawn.getBounds();
  else if (issue.code) {
    ["planGrids", "planChildren", "planParents"].forEach(function (key) {
      var e = layerEntry(key);
      if (!e || bounds) return;
      e.layer.eachLayer(function (l) {
        if (!bounds && l.feature && l.feature.properties.code === issue.code) bounds = l.getBounds();
      });
    });
  }
  if (bounds && bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17, padding: [30, 30] });
}
