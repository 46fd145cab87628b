/* Placing an event that could not be geocoded (待定位): the dispatcher clicks where it is.
 *
 * A map without streets (no base tiles on an intranet) gives nothing to go by, so the standard
 * address library helps: type an address or a road, pick a suggestion
 * (/api/v1/addresses/suggest) and the map goes there; an address finer than a road also puts the
 * point on it, which a click on the map can still move.
 */

import { api, byId, esc, fmt } from "../core.js";
import { clearErrors, closeForm, handleAnswer } from "./actions.js";
import { pollNow } from "./feed.js";
import { getMap, goTo } from "./markers.js";
import { loadDetail } from "./panel.js";
import { cfg, emit, message, on, reportUrl, state, t } from "./state.js";

var placingMarker = null;
var suggestTimer = null;
var suggestions = [];

function startPlacing() {
  closeForm();
  state.placing = { latlng: null };
  var box = byId("dispatch-placing");
  clearErrors(box);
  box.hidden = false;
  byId("dispatch-placing-point").textContent = "";
  byId("dispatch-place-confirm").disabled = true;
  byId("dispatch-place-search").value = "";
  showSuggestions([]);
  getMap().getContainer().parentElement.classList.add("gm-dispatch-placing-map");
  getMap().on("click", onPlaceClick);
  emit("placing", { on: true });
}

export function stopPlacing() {
  if (!state.placing) return;
  state.placing = null;
  byId("dispatch-placing").hidden = true;
  showSuggestions([]);
  getMap().off("click", onPlaceClick);
  getMap().getContainer().parentElement.classList.remove("gm-dispatch-placing-map");
  if (placingMarker) {
    getMap().removeLayer(placingMarker);
    placingMarker = null;
  }
  emit("placing", { on: false });
}

function setPoint(latlng) {
  state.placing.latlng = latlng;
  if (!placingMarker) {
    placingMarker = L.marker(latlng, {
      icon: L.divIcon({ className: "gm-report gm-placing-marker", html: "<span class=\"gm-dot\"></span>", iconSize: [18, 18], iconAnchor: [9, 9] }),
      interactive: false,
    }).addTo(getMap());
  } else {
    placingMarker.setLatLng(latlng);
  }
  byId("dispatch-placing-point").textContent = latlng.lng.toFixed(6) + ", " + latlng.lat.toFixed(6);
  byId("dispatch-place-confirm").disabled = false;
}

function onPlaceClick(event) {
  if (state.placing) setPoint(event.latlng);
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
        box.querySelector(".gm-field-error[data-error=\"placement\"]").textContent = (res.body && res.body.error || {}).message || "";
        byId("dispatch-place-confirm").disabled = false;
      } else {
        handleAnswer(res, "place", box);
      }
    })
    .catch(function (err) {
      box.querySelector(".gm-field-error[data-error=\"placement\"]").textContent = String(err);
    });
}

// ---- the address search ---------------------------------------------------------------

function showSuggestions(list) {
  suggestions = list;
  var ul = byId("dispatch-place-suggestions"), input = byId("dispatch-place-search");
  ul.innerHTML = list.map(function (s, i) {
    return "<li role=\"option\" tabindex=\"-1\" data-index=\"" + i + "\">" + esc(s.text) +
      (s.grid_code ? " <span class=\"text-muted\">" + esc(s.grid_code) + "</span>" : "") + "</li>";
  }).join("");
  ul.hidden = !list.length;
  input.setAttribute("aria-expanded", list.length ? "true" : "false");
}

function suggest() {
  var q = byId("dispatch-place-search").value.trim();
  if (!q) {
    showSuggestions([]);
    return;
  }
  api("GET", cfg.suggest_url + "?" + new URLSearchParams({ q: q, limit: "8" }).toString()).then(function (res) {
    if (!state.placing || byId("dispatch-place-search").value.trim() !== q) return;
    var found = res.status === 200 ? res.body.suggestions.filter(function (s) { return s.lat !== null && s.lon !== null; }) : [];
    showSuggestions(found);
    if (!found.length) byId("dispatch-placing-point").textContent = t("place_search_none");
  });
}

function pick(s) {
  showSuggestions([]);
  byId("dispatch-place-search").value = s.text;
  goTo(s.lat, s.lon, s.level === "road" ? 16 : 18);
  // A road is a line: where on it is the dispatcher's click. Anything finer is a point.
  if (s.level !== "road") setPoint(L.latLng(s.lat, s.lon));
  emit("place-search", { text: s.text, lat: s.lat, lon: s.lon });
}

export function wirePlacement() {
  byId("dispatch-place-confirm").addEventListener("click", confirmPlace);
  byId("dispatch-place-cancel").addEventListener("click", stopPlacing);
  var input = byId("dispatch-place-search");
  input.addEventListener("input", function () {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, 200);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      if (suggestions.length) pick(suggestions[0]);
    } else if (event.key === "Escape") {
      showSuggestions([]);
    }
  });
  byId("dispatch-place-suggestions").addEventListener("click", function (event) {
    var li = event.target.closest("li[data-index]");
    if (li) pick(suggestions[Number(li.dataset.index)]);
  });
  on("place", startPlacing);
  on("select", stopPlacing);
  on("stale", stopPlacing);
}
