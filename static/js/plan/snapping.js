/* Snapping a drawn or edited polygon onto the grids on the map, when it is saved.
 *
 * Nobody clicks exactly on a border: a drawn corner within SNAP_PX pixels of a corner of the grids on
 * the map takes that corner, else one near a border moves onto it. Without it every hand-drawn shape
 * would leave slivers or overhang its parent.
 *
 * Not a library's: Leaflet.Snap is written for Leaflet 0.7 (its last npm release depends on it).
 * Leaflet-Geoman snaps while dragging, which feels better, but it replaces Leaflet.draw altogether
 * (drawing, corner handles, tooltips), snaps to every layer on the map unless each is opted out, and
 * puts a point on a border by unprojecting screen pixels; these 60 lines keep Leaflet.draw and put it
 * on the border's own coordinates.
 */
import { layerEntry, map } from "./state.js";

var SNAP_PX = 10;

/* Every ring (a list of L.LatLng) of a polygon's nested latlngs, in order. */
export function collectRings(latlngs, out) {
  if (!latlngs || !latlngs.length) return;
  if (latlngs[0] instanceof L.LatLng) out.push(latlngs);
  else latlngs.forEach(function (x) { collectRings(x, out); });
}

function snapRings(bounds) {
  var rings = [];
  ["planGrids", "planParents", "planChildren"].forEach(function (key) {
    var e = layerEntry(key);
    if (!e || !map.hasLayer(e.target)) return;
    e.layer.eachLayer(function (l) {
      if (l.getLatLngs && l.getBounds().intersects(bounds)) collectRings(l.getLatLngs(), rings);
    });
  });
  return rings;
}

/* A corner first (exactly that corner's coordinates), else the nearest point of a border. The point
 * on a border is interpolated in degrees, not taken back from screen pixels: a corner snapped onto a
 * straight north-south or east-west border keeps that border's exact longitude or latitude. */
function snapLatLng(latlng, rings) {
  var p = map.latLngToContainerPoint(latlng);
  var best = null, bestD = SNAP_PX;
  rings.forEach(function (ring) {
    ring.forEach(function (v) {
      var d = map.latLngToContainerPoint(v).distanceTo(p);
      if (d <= bestD) { bestD = d; best = L.latLng(v.lat, v.lng); }
    });
  });
  if (best) return best;
  bestD = SNAP_PX;
  rings.forEach(function (ring) {
    for (var i = 0; i < ring.length; i++) {
      var a = ring[i], b = ring[(i + 1) % ring.length];
      var pa = map.latLngToContainerPoint(a), pb = map.latLngToContainerPoint(b);
      var q = L.LineUtil.closestPointOnSegment(p, pa, pb);
      var d = q.distanceTo(p);
      var len = pa.distanceTo(pb);
      if (d < bestD && len > 0) {
        var f = pa.distanceTo(q) / len;
        bestD = d;
        best = L.latLng(a.lat + f * (b.lat - a.lat), a.lng + f * (b.lng - a.lng));
      }
    }
  });
  return best || latlng;
}

function snapLatLngs(latlngs, rings) {
  return latlngs.map(function (x) { return x instanceof L.LatLng ? snapLatLng(x, rings) : snapLatLngs(x, rings); });
}

/* The polygon's GeoJSON geometry with its corners snapped to the grids on the map (full precision). */
export function snappedPolygon(layer) {
  var rings = snapRings(layer.getBounds().pad(0.2));
  return L.polygon(snapLatLngs(layer.getLatLngs(), rings)).toGeoJSON(false).geometry;
}
