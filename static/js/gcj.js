/* China's GCJ-02 map shift ("Mars coordinates"), for base maps drawn in it (AMap).
 *
 * An ES module; gridmap-maps.js hands gcjTileLayer to folium's map script as
 * GridMap.gcjTileLayer (app/maps/elements.py GcjTileLayer).
 */

/* WGS-84 -> GCJ-02 (the same formulas as geo/gcj.py); outside China nothing is shifted. */
export function wgsToGcj(lon, lat) {
  if (lon <= 73.66 || lon >= 135.05 || lat <= 3.86 || lat >= 53.55) return [lon, lat];
  var a = 6378245.0, ee = 0.00669342162296594323, PI = Math.PI, x = lon - 105.0, y = lat - 35.0;
  var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dlat += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
  dlat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
  dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
  var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dlon += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
  dlon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
  dlon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
  var radlat = lat / 180.0 * PI, magic = 1 - ee * Math.sin(radlat) * Math.sin(radlat), sq = Math.sqrt(magic);
  dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sq) * PI);
  dlon = (dlon * 180.0) / (a / sq * Math.cos(radlat) * PI);
  return [lon + dlon, lat + dlat];
}

/* GCJ-02 -> WGS-84 by fixed-point iteration: the shift changes by well under a
 * metre over its own length, so two steps land within centimetres. */
export function gcjToWgs(lon, lat) {
  var w = [lon, lat];
  for (var i = 0; i < 3; i++) {
    var g = wgsToGcj(w[0], w[1]);
    w = [w[0] + lon - g[0], w[1] + lat - g[1]];
  }
  return w;
}

/* Tiles drawn in GCJ-02 (AMap) placed under WGS-84 overlays.
 *
 * Everything GridMap stores and every click or drawing is WGS-84, so rather
 * than shifting every overlay (and un-shifting every edit, placement and
 * geolocation on the way back) the base tiles are moved instead: each tile is
 * drawn where its content really is. The shift varies by a few metres across
 * a district, far under a pixel within one tile, so one shift per tile, at its
 * centre, leaves no visible seam. */
var GcjTileLayer = L.TileLayer.extend({
  // Which tiles cover the view: those of the view's centre in GCJ-02.
  _getTiledPixelBounds: function (center) {
    var g = wgsToGcj(center.lng, center.lat);
    return L.TileLayer.prototype._getTiledPixelBounds.call(this, L.latLng(g[1], g[0]));
  },
  _getTilePos: function (coords) {
    var pos = L.TileLayer.prototype._getTilePos.call(this, coords);
    var size = this.getTileSize();
    var mid = coords.scaleBy(size).add(size.divideBy(2));
    var shown = this._map.unproject(mid, coords.z);
    var real = gcjToWgs(shown.lng, shown.lat);
    return pos.add(this._map.project(L.latLng(real[1], real[0]), coords.z).subtract(mid).round());
  }
});

export function gcjTileLayer(url, options) {
  return new GcjTileLayer(url, options);
}
