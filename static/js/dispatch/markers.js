/* The desk's map: one marker per event, clustered when there are many, and the selected event
 * kept in view beside the panel.
 *
 * A district holds thousands of open events: above CLUSTER_FROM markers they go into a
 * Leaflet.markercluster group (vendored, static/vendor/leaflet.markercluster), which clusters
 * them below street level and shows them one by one from CLUSTER_UNTIL_ZOOM on. A small desk
 * (a worker's grid) keeps plain markers. The selected event's marker never hides in a cluster:
 * it is taken out of the group while selected.
 */

import { esc } from "../core.js";
import { cfg, emit, state, t } from "./state.js";

/* More markers than this and the map clusters them. */
export var CLUSTER_FROM = 200;
/* From this zoom on every marker stands alone (streets are readable). */
var CLUSTER_UNTIL_ZOOM = 16;
/* Pixels kept free around the selected marker when it is brought into view. */
var VIEW_PADDING = 48;

var map = null;
var plain = null;      // L.featureGroup
var cluster = null;    // L.markerClusterGroup, when the plugin is there
var layer = null;      // the one of the two in use
var pinned = null;     // ticket whose marker is out of the cluster, on the map itself

/* A cluster in the desk's own colours, not the plugin's traffic lights (which read like the status
 * colours): its count, the red ring of an overdue event inside it, and a blue dot for a new one. */
function clusterIcon(group) {
  var overdue = false, fresh = false;
  group.getAllChildMarkers().forEach(function (m) {
    var cls = m.options.icon.options.className || "";
    if (cls.indexOf("gm-report-overdue") >= 0) overdue = true;
    if (cls.indexOf("gm-status-reported") >= 0) fresh = true;
  });
  var n = group.getChildCount();
  var size = n < 10 ? 30 : n < 100 ? 36 : 44;
  return L.divIcon({
    className: "gm-cluster" + (overdue ? " gm-cluster-overdue" : "") + (fresh ? " gm-cluster-new" : ""),
    html: "<span>" + n + "</span>", iconSize: [size, size],
  });
}

export function setUp(leafletMap) {
  map = leafletMap;
  plain = L.featureGroup().addTo(map);
  if (L.markerClusterGroup) {
    cluster = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 50, disableClusteringAtZoom: CLUSTER_UNTIL_ZOOM,
      chunkedLoading: true, spiderfyOnMaxZoom: false, iconCreateFunction: clusterIcon,
    });
  }
  layer = plain;
  return map;
}

export function getMap() {
  return map;
}

export function clustered() {
  return layer === cluster && cluster !== null;
}

/* After a full load: the layer that suits this many events, the markers moved over if it changed. */
export function chooseLayer(count) {
  var want = cluster && count > CLUSTER_FROM ? cluster : plain;
  if (want === layer) return;
  var again = pinned;
  unpin();
  var markers = Object.keys(state.markers).map(function (k) { return state.markers[k]; });
  layer.clearLayers();
  map.removeLayer(layer);
  layer = want;
  layer.addTo(map);
  if (layer.addLayers) layer.addLayers(markers);
  else markers.forEach(function (m) { layer.addLayer(m); });
  if (again) pin(again);
}

export function clearMarkers() {
  unpin();
  layer.clearLayers();
  state.markers = {};
}

export function removeMarker(ticket) {
  var marker = state.markers[ticket];
  if (!marker) return;
  if (pinned === ticket && layer === cluster) map.removeLayer(marker);
  else layer.removeLayer(marker);
  if (pinned === ticket) pinned = null;
  delete state.markers[ticket];
}

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

function tooltip(p) {
  return "<strong>" + esc(p.ticket) + "</strong> " + esc(p.category_label || p.category) + "<br>" +
    esc(p.status_label || p.status) +
    (p.deadline_state ? " · " + esc(t("deadline_" + p.deadline_state)) : "");
}

export function drawMarker(f, freshly) {
  var p = f.properties;
  var existing = state.markers[p.ticket];
  if (!f.geometry) {
    removeMarker(p.ticket);
    return;
  }
  var latlng = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
  if (existing) {
    existing.setLatLng(latlng);
    existing.setIcon(markerIcon(p, freshly));
    existing.setTooltipContent(tooltip(p));
    return;
  }
  var marker = L.marker(latlng, { icon: markerIcon(p, freshly), title: p.ticket, keyboard: true,
                                  riseOnHover: true });
  marker.bindTooltip(tooltip(p));
  marker.on("click", function () {
    if (state.placing) return;
    emit("marker", { ticket: p.ticket });
  });
  state.markers[p.ticket] = marker;
  if (p.ticket === state.selected && layer === cluster) marker.addTo(map);
  else layer.addLayer(marker);
  if (p.ticket === state.selected) {
    pinned = p.ticket;
    marker.setZIndexOffset(1000);
  }
}

export function restyleMarkers() {
  Object.keys(state.markers).forEach(function (ticket) {
    var f = state.store[ticket];
    if (f) state.markers[ticket].setIcon(markerIcon(f.properties, false));
  });
}

function unpin() {
  if (pinned === null) return;
  var marker = state.markers[pinned];
  if (marker) {
    marker.setZIndexOffset(0);
    if (layer === cluster) {
      map.removeLayer(marker);
      layer.addLayer(marker);
    }
  }
  pinned = null;
}

/* Take the selected event's marker out of the clusters, on top (or put the last one back: null). */
export function pin(ticket) {
  if (pinned === ticket && ticket !== null) return;
  unpin();
  var marker = ticket ? state.markers[ticket] : null;
  if (!marker) return;
  if (layer === cluster) {
    layer.removeLayer(marker);
    marker.addTo(map);
  }
  pinned = ticket;
  marker.setZIndexOffset(1000);
}

/* Whether a point of the map's container lies under one of its controls (the legend, zoom,
 * scale): a marker there is on the map but not seen. */
function underControl(point) {
  var box = map.getContainer().getBoundingClientRect();
  var controls = map.getContainer().querySelectorAll(".leaflet-control");
  return Array.prototype.some.call(controls, function (el) {
    var r = el.getBoundingClientRect();
    if (!r.width || !r.height) return false;
    var x = point.x + box.left, y = point.y + box.top;
    return x > r.left - 12 && x < r.right + 12 && y > r.top - 12 && y < r.bottom + 12;
  });
}

/* Bring the event's marker inside the visible map, clear of its edges and controls, after the
 * map's size changed (the panel opened beside it): resize first, then move only if needed. */
export function keepInView(ticket) {
  var marker = state.markers[ticket];
  map.invalidateSize({ pan: false });
  if (!marker) return false;
  var size = map.getSize();
  var pad = Math.min(VIEW_PADDING, Math.floor(Math.min(size.x, size.y) / 4));
  var point = map.latLngToContainerPoint(marker.getLatLng());
  if (point.x < pad || point.y < pad || point.x > size.x - pad || point.y > size.y - pad || underControl(point)) {
    map.panTo(marker.getLatLng(), { animate: false });
  }
  return true;
}

/* Whether the event's marker is inside the map's visible area (tests and the console). */
export function inView(ticket) {
  var marker = state.markers[ticket];
  return !!marker && map.getBounds().contains(marker.getLatLng());
}

/* Go to a place (the placement search): street level, animated. */
export function goTo(lat, lon, zoom) {
  map.setView([lat, lon], Math.max(map.getZoom(), zoom || 17));
}
