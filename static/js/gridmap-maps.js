/* GridMap map helpers: layers whose GeoJSON the browser fetches from the API.
 *
 * Loaded by every map page after Leaflet (see app/maps/assets.py). The
 * folium elements in app/maps/elements.py call GridMap.init,
 * GridMap.remoteGeoJson and GridMap.legend. Every layer is also exposed as
 * window.gridmapLayers[key] = {layer, target, count, loaded, error, url}
 * so pages, tests and the console can inspect it.
 */
(function () {
  "use strict";

  var GM = (window.GridMap = window.GridMap || {});
  var layers = (window.gridmapLayers = window.gridmapLayers || {});
  var settings = { texts: {} };
  var pending = 0;
  var order = []; // draw order: later entries stay on top
  // Bottom to top: filled levels, smallest last, then the outline-only levels.
  // Coarser levels stay on top: their boundaries coincide with finer ones and must stay visible.
  var LEVEL_ORDER = ["communities", "micro", "grid", "community", "dedicated", "subdistrict", "district"];

  function t(key) {
    return settings.texts[key] || key;
  }

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, k) {
      return values[k] === undefined || values[k] === null ? "" : values[k];
    });
  }

  function esc(value) {
    if (value === undefined || value === null) return "";
    return String(value)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function setStatus() {
    var el = byId("gridmap-status");
    if (!el) return;
    el.textContent = pending > 0 ? t("loading") : "";
    el.hidden = pending === 0;
  }

  function showError(message) {
    var el = byId("gridmap-error");
    if (!el) return;
    el.textContent = message;
    el.hidden = !message;
  }

  function hint(key, message) {
    var el = byId("gridmap-hint");
    if (!el) return;
    el.dataset[key] = message || "";
    var parts = [];
    Object.keys(el.dataset).forEach(function (k) {
      if (el.dataset[k]) parts.push(el.dataset[k]);
    });
    el.textContent = parts.join(" ");
    el.hidden = parts.length === 0;
  }

  function row(label, value) {
    if (value === undefined || value === null || value === "") return "";
    return "<tr><th>" + esc(label) + "</th><td>" + esc(value) + "</td></tr>";
  }

  // ---- grids ---------------------------------------------------------------

  function gridTooltip(p) {
    var html = "<div class=\"gm-tip\"><strong>" + esc(p.name) + "</strong>";
    if (p.level_label || p.level) html += " <span class=\"gm-tip-level\">" + esc(p.level_label || t("level_" + p.level)) + "</span>";
    html += "<table>" + row(t("code"), p.code);
    if (p.staffed === false) {
      html += "<tr><th>" + esc(t("worker")) + "</th><td class=\"gm-no-worker\">" + esc(t("no_worker")) + "</td></tr>";
    } else {
      html += row(t("worker"), p.worker) + row(t("phone"), p.phone);
    }
    html += row(t("households"), p.households) + row(t("population"), p.population);
    return html + "</table></div>";
  }

  function gridOptions(opts) {
    var style = opts.style || {};
    return {
      interactive: opts.interactive !== false,
      style: function (feature) {
        var s = L.extend({}, style.base || {});
        if (style.unstaffed && feature.properties && feature.properties.staffed === false) {
          s = L.extend(s, style.unstaffed);
        }
        return s;
      },
      onEachFeature: function (feature, layer) {
        if (opts.kind === "outline" || opts.interactive === false) return;
        layer.bindTooltip(gridTooltip(feature.properties || {}), { sticky: true });
      },
    };
  }

  // ---- reports -------------------------------------------------------------

  function age(hours) {
    if (hours === undefined || hours === null) return "";
    if (hours < 48) return fmt(t("age_hours"), { n: Math.round(hours) });
    return fmt(t("age_days"), { n: Math.round(hours / 24) });
  }

  // Long free text would swamp the popup; the full text is in the report itself.
  function clip(text, n) {
    text = text || "";
    return text.length > n ? text.slice(0, n) + "…" : text;
  }

  function reportPopup(p) {
    var grid = p.out_of_coverage ? t("out_of_coverage") : (p.grid_name ? p.grid_name + " (" + p.grid_code + ")" : p.grid_code);
    return (
      "<div class=\"gm-popup\"><strong>" + esc(p.ticket || p.id) + "</strong><table>" +
      row(t("category"), p.category_label || p.category) +
      row(t("description"), clip(p.description, 80)) +
      (p.address ? row(t("address"), clip(p.address, 60)) : "") +
      row(t("status"), p.status_label || p.status) +
      row(t("channel"), p.channel_label || p.channel) +
      row(t("grid"), grid) +
      row(t("age"), age(p.age_hours)) +
      (p.deadline ? row(t("deadline"), p.deadline.slice(0, 16).replace("T", " ") +
        (p.deadline_state ? " · " + (t("deadline_" + p.deadline_state) || p.deadline_state) : "")) : "") +
      "</table></div>"
    );
  }

  function reportOptions(opts) {
    var style = opts.style || {};
    var colors = style.colors || {};
    return {
      pointToLayer: function (feature, latlng) {
        var p = feature.properties || {};
        var out = !!p.out_of_coverage;
        var color = out ? (style.outOfCoverage || {}).fillColor || "#fff" : colors[p.category] || "#3388ff";
        // Overdue events get a red ring whatever their category colour: the map's first question.
        var icon = L.divIcon({
          className: "gm-report" + (out ? " gm-report-out" : "") + (p.deadline_state === "overdue" ? " gm-report-overdue" : ""),
          html: "<span class=\"gm-dot\" style=\"background:" + esc(color) + "\"></span>",
          iconSize: [18, 18],
          iconAnchor: [9, 9],
          popupAnchor: [0, -8],
        });
        return L.marker(latlng, { icon: icon, title: p.ticket || "" });
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(reportPopup(feature.properties || {}));
      },
    };
  }

  // ---- loading -------------------------------------------------------------

  function queryString(params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v !== undefined && v !== null && v !== "") q.set(k, v);
    });
    return q.toString();
  }

  function restack(map) {
    order.forEach(function (entry) {
      if (entry.layer.bringToFront && map.hasLayer(entry.layer)) entry.layer.bringToFront();
    });
  }

  function load(map, entry, force) {
    var opts = entry.opts;
    var params = L.extend({}, opts.params, entry.query);
    if (opts.bbox) {
      if (opts.minZoom && map.getZoom() < opts.minZoom) {
        entry.seq += 1; // drop any answer still on its way
        entry.layer.clearLayers();
        entry.count = 0;
        hint(opts.key, fmt(t("zoom_in"), { name: opts.name, zoom: opts.minZoom }));
        return;
      }
      hint(opts.key, "");
      var b = map.getBounds();
      params.bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (x) { return x.toFixed(6); })
        .join(",");
      params.zoom = map.getZoom();
    } else if (entry.loaded && !force) {
      return;
    }
    var url = opts.url + (opts.url.indexOf("?") < 0 ? "?" : "&") + queryString(params);
    var seq = (entry.seq += 1);
    entry.url = url;
    pending += 1;
    setStatus();
    fetch(url, { headers: { Accept: "application/geo+json, application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          return response.json().then(
            function (body) {
              var msg = body && body.error && body.error.message;
              throw new Error(msg || "HTTP " + response.status);
            },
            function () { throw new Error("HTTP " + response.status); }
          );
        }
        return response.json();
      })
      .then(function (data) {
        if (seq !== entry.seq) return; // a newer request superseded this one
        entry.layer.clearLayers();
        entry.layer.addData(data);
        if (entry.target !== entry.layer) {
          entry.target.clearLayers();
          entry.target.addLayers(entry.layer.getLayers());
        }
        entry.count = (data.features || []).length;
        entry.loaded = true;
        entry.error = null;
        if (opts.fit && !entry.fitted && entry.count > 0) {
          entry.fitted = true;
          map.fitBounds(entry.layer.getBounds(), { padding: [10, 10], animate: false });
        }
        restack(map);
        var counter = byId("gridmap-count-" + opts.key);
        if (counter) counter.textContent = fmt(t("count_" + opts.key) || "%(n)s", { n: entry.count });
        document.dispatchEvent(new CustomEvent("gridmap:loaded", { detail: { key: opts.key, count: entry.count } }));
      })
      .catch(function (err) {
        if (seq !== entry.seq) return;
        entry.error = String(err && err.message ? err.message : err);
        showError(fmt(t("load_failed"), { name: opts.name, error: entry.error }));
        document.dispatchEvent(new CustomEvent("gridmap:error", { detail: { key: opts.key, error: entry.error } }));
      })
      .then(function () {
        pending -= 1;
        setStatus();
      });
  }

  // ---- public API ----------------------------------------------------------

  // Shared with the page scripts (dispatch, patrols, plan) that run on these maps.
  /* WGS-84 -> GCJ-02 (the same formulas as geo/gcj.py); outside China nothing is shifted. */
  function wgsToGcj(lon, lat) {
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
  function gcjToWgs(lon, lat) {
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

  GM.wgsToGcj = wgsToGcj;
  GM.gcjToWgs = gcjToWgs;
  GM.gcjTileLayer = function (url, options) { return new GcjTileLayer(url, options); };

  GM.fmt = fmt;
  GM.esc = esc;

  // A filter form that changes what the layers fetch instead of reloading the page: on submit,
  // apply(query) with the named fields, and the query kept in the URL (bookmarks, reloads);
  // a changed select submits at once.
  GM.bindFilters = function (formId, fields, apply) {
    var form = document.getElementById(formId);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var query = {};
      fields.forEach(function (k) { query[k] = data.get(k) || ""; });
      apply(query);
      var url = new URL(window.location.href);
      fields.forEach(function (k) {
        if (query[k]) url.searchParams.set(k, query[k]); else url.searchParams.delete(k);
      });
      window.history.replaceState(null, "", url.toString());
    });
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { form.requestSubmit(); });
    });
  };

  GM.init = function (map, options) {
    settings = L.extend(settings, options || {});
    GM.map = map;
    map.on("overlayadd", function () { restack(map); });
  };

  /* Other scripts register extra layer kinds here: GridMap.kinds[kind] = function (opts) { return L.geoJSON options; } */
  GM.kinds = GM.kinds || {};

  GM.remoteGeoJson = function (map, opts, target) {
    var custom = GM.kinds[opts.kind];
    var featureOpts = custom ? custom(opts) : opts.kind === "reports" ? reportOptions(opts) : gridOptions(opts);
    var layer = L.geoJSON(null, featureOpts);
    var entry = {
      opts: opts, layer: layer, target: target || layer, query: {},
      count: 0, loaded: false, error: null, seq: 0, url: null,
      map: map,
    };
    layers[opts.key] = entry;
    if (opts.kind !== "reports") {
      order.push(entry);
      order.sort(function (a, b) {
        return LEVEL_ORDER.indexOf(a.opts.key) - LEVEL_ORDER.indexOf(b.opts.key);
      });
    }
    entry.target.on("add", function () { load(map, entry, false); });
    entry.target.on("remove", function () { if (opts.bbox) hint(opts.key, ""); });
    if (opts.bbox) {
      map.on("moveend", function () {
        if (map.hasLayer(entry.target)) load(map, entry, true);
      });
    }
    if (target && map.hasLayer(target)) load(map, entry, false);
    return layer;
  };

  /* Change a layer's query (e.g. the issues filters) and fetch again. */
  GM.setQuery = function (key, query) {
    var entry = layers[key];
    if (!entry) return;
    entry.query = L.extend({}, query);
    showError("");
    if (entry.map.hasLayer(entry.target)) load(entry.map, entry, true);
    else entry.loaded = false;
  };

  GM.legend = function (map, title, items) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "gm-legend leaflet-control");
      var html = "<div class=\"gm-legend-title\">" + esc(title) + "</div>";
      items.forEach(function (item) {
        var swatch;
        if (item.marker) {
          swatch = "<span class=\"gm-legend-dot" + (item.out ? " gm-legend-out" : "") + (item.overdue ? " gm-legend-overdue" : "") +
            "\" style=\"background:" + esc(item.marker) + "\"></span>";
        } else {
          var fill = item.fillColor || item.color;
          var opacity = Math.max(item.fillOpacity || 0, 0.02);
          swatch = "<svg class=\"gm-legend-swatch\" width=\"26\" height=\"16\"><rect x=\"2\" y=\"2\" width=\"22\" height=\"12\"" +
            " fill=\"" + (item.hatch ? "url(#gm-hatch)" : esc(fill)) + "\" fill-opacity=\"" + (item.hatch ? 1 : opacity) + "\"" +
            " stroke=\"" + esc(item.color) + "\" stroke-width=\"" + Math.min(item.weight || 2, 3) + "\"" +
            (item.dashArray ? " stroke-dasharray=\"" + esc(item.dashArray) + "\"" : "") + "/></svg>";
        }
        html += "<div class=\"gm-legend-item\">" + swatch + "<span>" + esc(item.label) + "</span></div>";
      });
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    return control;
  };
})();
