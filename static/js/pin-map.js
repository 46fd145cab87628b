/* Where a problem is, on a report form: the phone's location (browser geolocation, WGS-84), a pin
 * tapped on a small map, or a standard address picked from suggestions. Keeps the form's hidden
 * lon / lat / address_id in step (a point, or an address id, never both) and says in which grid
 * the point lies (the public lookup API). Shared by the worker's report page and the residents'
 * page; their template is app/templates/worker/_where.html, the map a folium map the page's map
 * script hands over as window[handle]. */
import { api, byId, fmt, locationError, textsOf } from "./core.js";
import { addressSuggest } from "./address-suggest.js";

// How each level of the published boundaries is drawn on the pin map.
var OUTLINE_STYLES = {
  district: { color: "#1f3a5f", weight: 3, opacity: 0.9 },
  subdistrict: { color: "#1f3a5f", weight: 2, opacity: 0.7 },
  community: { color: "#4a6a8f", weight: 1.5, opacity: 0.7, dashArray: "6 4" },
  grid: { color: "#7d8b99", weight: 1, opacity: 0.6 },
};
var OUTLINE_GRID_ZOOM = 14;

export function pinMap(settings) {
  var t = textsOf(settings);
  var map = window[settings.handle] || null;
  var lonInput = byId("where-lon"), latInput = byId("where-lat"), idInput = byId("where-address-id");
  var addressInput = byId("where-address"), statusBox = byId("where-status");
  var pin = null, halo = null, outline = null, lookupAbort = null;

  function say(text, isError) {
    statusBox.textContent = text || "";
    statusBox.classList.toggle("gm-app-error", !!isError);
  }

  function draw(lat, lon, accuracy) {
    if (!map) return;
    var at = [lat, lon];
    if (!pin) {
      pin = L.circleMarker(at, { radius: 9, color: "#ffffff", weight: 3, fillColor: "#d7191c", fillOpacity: 1 })
        .addTo(map);
    } else {
      pin.setLatLng(at);
    }
    if (halo) { map.removeLayer(halo); halo = null; }
    if (accuracy) halo = L.circle(at, { radius: accuracy, color: "#1f78b4", weight: 1, fillOpacity: 0.08 }).addTo(map);
    map.setView(at, Math.max(map.getZoom(), 16));
  }

  function whichGrid(lon, lat) {
    if (lookupAbort) lookupAbort.abort();
    lookupAbort = new AbortController();
    api("GET", settings.api.lookup + "?" + new URLSearchParams({ lon: lon, lat: lat, geometry: "true" }).toString(),
        undefined, { signal: lookupAbort.signal })
      .then(function (res) {
        if (outline) { map.removeLayer(outline); outline = null; }
        if (res.status === 200 && res.body.grid) {
          var chain = res.body.chain || [];
          var parent = chain.length > 1 ? chain[chain.length - 2].name : "";
          say(fmt(t("in_grid"), { grid: res.body.grid.name, parent: parent }));
          if (map && res.body.grid.geometry) {
            outline = L.geoJSON(res.body.grid.geometry, { style: { color: "#ff7f00", weight: 2, fillOpacity: 0.05 },
                                                          interactive: false }).addTo(map);
          }
        } else if (res.status === 404) {
          say(t("outside"), true);
        }
      })
      .catch(function () { /* offline: the point is kept, the grid is found on intake */ });
  }

  function setPoint(lon, lat, accuracy, message) {
    lonInput.value = Number(lon).toFixed(7);
    latInput.value = Number(lat).toFixed(7);
    idInput.value = "";
    draw(lat, lon, accuracy);
    say(message);
    whichGrid(lonInput.value, latInput.value);
    placed();
  }

  // The form learns that a place is given (its message asking for one can go).
  function placed() {
    // The server's messages about the place (the page shown again after a refusal) are answered.
    document.querySelectorAll(".gm-where-error").forEach(function (el) { el.hidden = true; });
    if (settings.onPlace) settings.onPlace();
  }

  // The worker's own grids, outlined, so a map with no base tiles still shows where one is.
  function showAreas(codes) {
    var drawn = L.featureGroup().addTo(map);
    Promise.all(codes.slice(0, 10).map(function (code) {
      return api("GET", settings.api.lookup + "?" + new URLSearchParams({ code: code, geometry: "true" }).toString())
        .then(function (res) {
          if (res.ok && res.body.grid && res.body.grid.geometry) {
            L.geoJSON(res.body.grid.geometry, { style: { color: "#1f3a5f", weight: 2, dashArray: "4 4", fillOpacity: 0.03 },
                                                interactive: false }).addTo(drawn);
          }
        }, function () {});
    })).then(function () {
      if (drawn.getLayers().length && !pin) map.fitBounds(drawn.getBounds(), { padding: [12, 12] });
    });
  }

  // The district's outline and its grid lines from the published boundaries (app.resident.outlines):
  // with no base tiles they are what one orients by. Drawn on one canvas below the pin; the finest
  // (grid) lines only from OUTLINE_GRID_ZOOM on, where they are not a tangle.
  function showOutlines(url) {
    map.createPane("gm-outlines");
    var pane = map.getPane("gm-outlines");
    pane.style.zIndex = 350;
    pane.style.pointerEvents = "none";
    var renderer = L.canvas({ pane: "gm-outlines", padding: 0.3 });
    api("GET", url).then(function (res) {
      if (!res.ok || !res.body || !res.body.levels) return;
      var layers = {};
      Object.keys(res.body.levels).forEach(function (level) {
        layers[level] = L.geoJSON(res.body.levels[level], { renderer: renderer, pane: "gm-outlines", interactive: false,
                                                           style: OUTLINE_STYLES[level] || OUTLINE_STYLES.grid });
      });
      function fine() {
        if (!layers.grid) return;
        if (map.getZoom() >= OUTLINE_GRID_ZOOM) layers.grid.addTo(map); else map.removeLayer(layers.grid);
      }
      ["district", "subdistrict", "community"].forEach(function (level) { if (layers[level]) layers[level].addTo(map); });
      fine();
      map.on("zoomend", fine);
      // Nothing else placed yet (no pin, no worker's grids): show the whole district.
      if (!pin && !(settings.areas && settings.areas.length) && layers.district) {
        map.fitBounds(layers.district.getBounds(), { padding: [8, 8], animate: false });
      }
      window.gridmapOutlines = { levels: Object.keys(layers), layers: layers };
    }, function () { /* offline: the map stays plain */ });
  }

  if (map) {
    if (settings.api && settings.api.outlines) showOutlines(settings.api.outlines);
    if (settings.areas && settings.areas.length) showAreas(settings.areas);
    map.on("click", function (e) {
      setPoint(e.latlng.lng, e.latlng.lat, null, t("pinned"));
    });
    // The map's box gets its size from the page's CSS after folium built it.
    setTimeout(function () { map.invalidateSize(); }, 0);
  }

  byId("where-locate").addEventListener("click", function () {
    if (!navigator.geolocation) { say(t("no_geolocation"), true); return; }
    say(t("locating"));
    navigator.geolocation.getCurrentPosition(function (pos) {
      var c = pos.coords;
      setPoint(c.longitude, c.latitude, c.accuracy, fmt(t("located"), { m: Math.round(c.accuracy) }));
    }, function (err) {
      say(fmt(t("location_denied"), { reason: locationError(t, err) }), true);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  });

  addressSuggest(addressInput, byId("where-suggestions"), {
    url: settings.api.suggest,
    // Typing a new address drops a picked one; a pin stays until the address is picked.
    onType: function () { idInput.value = ""; if (addressInput.value.trim()) placed(); },
    onPick: function (s) {
      idInput.value = String(s.id);
      lonInput.value = "";
      latInput.value = "";
      if (s.lon != null && s.lat != null) draw(s.lat, s.lon, null);
      say(fmt(t("address_picked"), { text: s.text }));
      if (s.lon != null && s.lat != null) whichGrid(s.lon, s.lat);
      placed();
    },
  });

  // A form shown again with its values (the residents' page after an error): show the pin again.
  if (lonInput.value && latInput.value) draw(Number(latInput.value), Number(lonInput.value), null);

  return {
    /* What the form says about the place: {lon, lat} or {address_id} and/or {address}. */
    value: function () {
      var out = {};
      if (lonInput.value && latInput.value) { out.lon = Number(lonInput.value); out.lat = Number(latInput.value); }
      else if (idInput.value) out.address_id = Number(idInput.value);
      var typed = addressInput.value.trim();
      if (typed) out.address = typed;
      return out;
    },
    reset: function () {
      lonInput.value = latInput.value = idInput.value = addressInput.value = "";
      if (pin && map) { map.removeLayer(pin); pin = null; }
      if (halo && map) { map.removeLayer(halo); halo = null; }
      if (outline && map) { map.removeLayer(outline); outline = null; }
      say("");
    },
  };
}
