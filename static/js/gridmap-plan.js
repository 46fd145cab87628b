/* GridMap planners' pages: the list of drafts and the draft editor.
 *
 * The editor (app/plan/editor.py) is loaded after Leaflet, Leaflet.draw and
 * gridmap-maps.js; GridMapPlan.init(map, settings) starts it. Its layers are
 * GridMap.remoteGeoJson layers of two kinds registered here (planGrids: the
 * level being edited, planChildren: the units a move picks), so loading and
 * load errors work as on every map page.
 *
 * Every edit is sent to the draft API with the draft's row_version and the
 * session's CSRF token (X-CSRFToken, from <meta name="csrf-token">). After a
 * saved edit the layers, the validation and the edit log are fetched again.
 * A refused edit (422 invalid_edit) leaves the draft unchanged: its message
 * and, when the API sends one, the geometry at fault are shown. A 409 on
 * row_version means someone else changed the draft: it is reloaded.
 *
 * "Move buildings" shows the buildings of the draft in the map view (one point per building, from
 * /drafts/<id>/buildings, fetched again after each pan or zoom while they are being picked); the
 * picked ones then move, each with its plot of land, into the grid clicked next.
 *
 * State is exposed as window.gridmapPlan for tests and the console.
 */
(function () {
  "use strict";

  var GM = (window.GridMap = window.GridMap || {});
  GM.kinds = GM.kinds || {};
  var P = (window.GridMapPlan = window.GridMapPlan || {});
  var state = (window.gridmapPlan = {
    draft: null,
    mode: "idle",        // idle | reshape | vertices | split | merge | move-pick | move-target
                         // | building-pick | building-target
    selected: null,      // {code, name} of the selected grid
    picked: {},          // code -> name: grids to merge, units to move
    pickedBuildings: {}, // address_id -> the building's GeoJSON feature: buildings to move
    buildings: { loads: 0, count: 0, truncated: false, error: "" },  // the last answer of the building layer
    busy: false,
    published: false,
    validation: null,
    operations: [],
    saved: 0,            // edits saved through this page (incl. undo/redo)
    validations: 0,      // validation answers received
    lastError: "",
    lastRefused: null,   // the error body of the last refused edit
    impact: null,        // the impact answer shown in the panel
    impactBusy: false,
    impactDrawn: { old: 0, "new": 0 },  // outlines drawn by the impact preview, by side
    imported: null,      // what the last import read: {features, crs, layer}
    importJob: null,     // the import's job as last seen (its state, progress and message)
  });
  var settings = { texts: {}, urls: {}, styles: {} };
  var map = null;
  var drawHandler = null;
  var editLayer = null;      // the polygon whose corners are being dragged
  var issueLayer = null;     // validation issues with a geometry
  var refusedLayer = null;   // the geometry a refused edit points at
  var buildingLayer = null;  // the buildings shown while "move buildings" is on
  var buildingSeq = 0;       // numbers the building fetches: only the latest answer is drawn

  // ---- small helpers -------------------------------------------------------

  function t(key) {
    return (settings.texts && settings.texts[key]) || key;
  }

  function fmt(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (_, k) {
      return values[k] === undefined || values[k] === null ? "" : values[k];
    });
  }

  function esc(value) {
    if (value === undefined || value === null) return "";
    return String(value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function extend(target) {
    for (var i = 1; i < arguments.length; i++) {
      var src = arguments[i] || {};
      Object.keys(src).forEach(function (k) { target[k] = src[k]; });
    }
    return target;
  }

  /* fetch a JSON API: resolves {ok, status, body}; rejects only when the server is not reached. */
  function api(method, path, body) {
    var headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(settings.urls.api + path, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { ok: response.ok, status: response.status, body: data };
      });
    });
  }

  function errorOf(res) {
    var err = (res.body && res.body.error) || {};
    return { code: err.code || "", message: err.message || "HTTP " + res.status, details: err.details || {} };
  }

  function setStatus(message, busy) {
    var el = byId("plan-status");
    if (!el) return;
    el.textContent = message || "";
    el.hidden = !message;
    el.classList.toggle("gm-busy", !!busy);
  }

  function showError(message) {
    state.lastError = message || "";
    var el = byId("plan-error");
    if (!el) return;
    el.textContent = message || "";
    el.hidden = !message;
  }

  function setHint(message) {
    var el = byId("plan-hint");
    if (!el) return;
    el.textContent = message || "";
    el.hidden = !message;
  }

  // ---- rebase a stale draft (list and editor) --------------------------------

  /* Replay a stale draft's edits on the published version; resolves the API answer, or null. */
  function rebase(id, rowVersion) {
    if (!window.confirm(t("confirm_rebase"))) return Promise.resolve(null);
    showError("");
    setStatus(t("rebasing"), true);
    return api("POST", "drafts/" + id + "/rebase", { row_version: Number(rowVersion) }).then(function (res) {
      setStatus("", false);
      if (!res.ok) {
        showError(fmt(t("failed"), { message: errorOf(res).message }));
        return null;
      }
      showRebase(res.body);
      return res.body;
    }, function (err) {
      setStatus("", false);
      showError(fmt(t("network"), { message: err.message }));
      return null;
    });
  }

  function showRebase(body) {
    var el = byId("plan-rebase-result");
    if (!el) return;
    function line(key, x) {
      var what = t("op_" + x.operation.kind);
      return "<li>" + esc(fmt(t(key), { seq: x.operation.seq, what: what, message: x.message })) + "</li>";
    }
    el.innerHTML = "<p class=\"mb-1\">" +
      esc(fmt(t("rebased"), { applied: body.applied.length, skipped: body.skipped.length })) + "</p>" +
      "<ul class=\"mb-0\">" + body.applied.map(function (x) { return line("rebase_applied", x); }).join("") +
      body.skipped.map(function (x) { return line("rebase_skipped", x); }).join("") + "</ul>";
    el.classList.toggle("alert-warning", body.skipped.length > 0);
    el.hidden = false;
  }

  // ---- the list of drafts --------------------------------------------------

  P.initList = function (options) {
    settings = extend(settings, options || {});
    var form = byId("plan-new-draft");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var data = new FormData(form);
        var body = { note: data.get("note") || "", effective_date: data.get("effective_date") || "" };
        if (data.get("name")) body.name = data.get("name");
        showError("");
        setStatus(t("opening"), true);
        byId("plan-open-draft").disabled = true;
        api("POST", "drafts", body).then(function (res) {
          if (res.ok) {
            setStatus(fmt(t("created_draft"), { id: res.body.id }), false);
            window.location.assign(settings.urls.list + "/drafts/" + res.body.id);
            return;
          }
          setStatus("", false);
          showError(fmt(t("failed"), { message: errorOf(res).message }));
          byId("plan-open-draft").disabled = false;
        }, function (err) {
          setStatus("", false);
          showError(fmt(t("network"), { message: err.message }));
          byId("plan-open-draft").disabled = false;
        });
      });
    }
    document.querySelectorAll(".plan-rebase").forEach(function (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        rebase(button.dataset.id, button.dataset.rowVersion).then(function (body) {
          if (!body) { button.disabled = false; return; }
          // The draft is current now: no badge, no button, and the next change sends the new row_version.
          var row = button.closest("tr");
          row.querySelectorAll(".plan-stale, .plan-rebase").forEach(function (el) { el.remove(); });
          var discard = row.querySelector(".plan-discard");
          if (discard) discard.dataset.rowVersion = body.draft.row_version;
          var count = row.querySelector(".plan-operations-count");
          if (count) count.textContent = body.draft.operations;
        });
      });
    });
    document.querySelectorAll(".plan-discard").forEach(function (button) {
      button.addEventListener("click", function () {
        if (!window.confirm(t("confirm_discard"))) return;
        button.disabled = true;
        api("DELETE", "drafts/" + button.dataset.id + "?row_version=" + encodeURIComponent(button.dataset.rowVersion))
          .then(function (res) {
            if (res.ok) { window.location.reload(); return; }
            showError(fmt(t("failed"), { message: errorOf(res).message }));
            button.disabled = false;
          }, function (err) {
            showError(fmt(t("network"), { message: err.message }));
            button.disabled = false;
          });
      });
    });
  };

  // ---- layer kinds ---------------------------------------------------------

  function tooltip(p) {
    var html = "<div class=\"gm-tip\"><strong>" + esc(p.name) + "</strong><table>";
    html += "<tr><th>" + esc(t("code")) + "</th><td>" + esc(p.code) + "</td></tr>";
    if (p.households !== null && p.households !== undefined) {
      html += "<tr><th>" + esc(t("households")) + "</th><td>" + esc(p.households) + "</td></tr>";
    }
    if (p.population !== null && p.population !== undefined) {
      html += "<tr><th>" + esc(t("population")) + "</th><td>" + esc(p.population) + "</td></tr>";
    }
    return html + "</table></div>";
  }

  function styleFor(base, code) {
    var s = extend({}, base);
    if (state.picked[code]) s = extend(s, settings.styles.picked);
    else if (state.selected && state.selected.code === code) s = extend(s, settings.styles.selected);
    delete s.className; // set once, when the path is created
    return s;
  }

  function kind(which) {
    return function (opts) {
      var base = (opts.style && opts.style.base) || {};
      return {
        style: function (feature) {
          var s = styleFor(base, feature.properties.code);
          if (base.className) s.className = base.className;
          return s;
        },
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(tooltip(feature.properties || {}), { sticky: true });
          layer.on("click", function (event) {
            L.DomEvent.stopPropagation(event);
            onFeatureClick(which, feature.properties || {});
          });
        },
      };
    };
  }

  GM.kinds.planGrids = kind("grid");
  GM.kinds.planChildren = kind("child");

  function entry(key) {
    return (window.gridmapLayers || {})[key];
  }

  function restyle() {
    ["planGrids", "planChildren"].forEach(function (key) {
      var e = entry(key);
      if (!e) return;
      var base = (e.opts.style && e.opts.style.base) || {};
      e.layer.eachLayer(function (l) {
        if (l.feature) l.setStyle(styleFor(base, l.feature.properties.code));
      });
    });
  }

  function featureName(code) {
    var found = null;
    ["planGrids", "planChildren"].forEach(function (key) {
      var e = entry(key);
      if (!e || found) return;
      e.layer.eachLayer(function (l) {
        if (!found && l.feature && l.feature.properties.code === code) found = l.feature.properties.name;
      });
    });
    return found;
  }

  // ---- selection and modes -------------------------------------------------

  function pickedCodes() {
    return Object.keys(state.picked).sort();
  }

  function onFeatureClick(which, p) {
    if (state.busy || state.published) return;
    if (state.mode === "idle" && which === "grid") {
      state.selected = { code: p.code, name: p.name };
    } else if ((state.mode === "merge" && which === "grid") || (state.mode === "move-pick" && which === "child")) {
      if (state.picked[p.code]) delete state.picked[p.code];
      else state.picked[p.code] = p.name;
    } else if (state.mode === "move-target" && which === "grid") {
      save("move", { codes: pickedCodes(), target: p.code });
      return;
    } else if (state.mode === "building-target") {
      // A grid of the edited level (the plot goes to its child next to it) or, when the planner
      // switched them on, a unit of the level below: the API decides whether it can take the plot.
      save("move-buildings", { address_ids: pickedBuildingIds(), target: p.code });
      return;
    } else {
      return;
    }
    restyle();
    update();
  }

  function clearRefused() {
    if (refusedLayer) refusedLayer.clearLayers();
  }

  function stopDrawing() {
    if (drawHandler) {
      drawHandler.disable();
      drawHandler = null;
    }
    if (editLayer) {
      if (editLayer.editing) editLayer.editing.disable();
      map.removeLayer(editLayer);
      editLayer = null;
    }
  }

  function resetMode() {
    stopDrawing();
    state.mode = "idle";
    state.picked = {};
    var container = map.getContainer();
    container.classList.remove("gm-plan-picking", "gm-plan-targeting");
    var children = entry("planChildren");
    if (children && map.hasLayer(children.target)) map.removeLayer(children.target);
    hideBuildings();
    restyle();
    update();
  }

  function startDraw(mode) {
    if (!state.selected) { showError(t("select_first")); return; }
    stopDrawing();
    state.mode = mode;
    var shape = extend({}, settings.styles.selected, { fill: mode === "reshape" });
    drawHandler = mode === "split"
      ? new L.Draw.Polyline(map, { shapeOptions: shape, showLength: false })
      : new L.Draw.Polygon(map, { shapeOptions: shape, showArea: false, allowIntersection: false });
    drawHandler.enable();
    update();
  }

  function startVertices() {
    if (!state.selected) { showError(t("select_first")); return; }
    var code = state.selected.code;
    state.busy = true;
    update();
    // The exact shape, not the one simplified for the view.
    api("GET", "grids/" + encodeURIComponent(code) + "?version=" + state.draft.id).then(function (res) {
      state.busy = false;
      if (!res.ok) { showError(fmt(t("failed"), { message: errorOf(res).message })); update(); return; }
      var layers = L.geoJSON(res.body).getLayers();
      if (!layers.length || !layers[0].editing) { update(); return; }
      stopDrawing();
      editLayer = layers[0];
      editLayer.setStyle(extend({}, settings.styles.selected, { fillOpacity: 0.15 }));
      editLayer.addTo(map);
      // Leaflet.draw gives a polygon one vertex handler, for its first ring only; a grid in
      // several parts (or with a hole) has more. One handler per ring, all on the same layer:
      // each edits its ring in place, so the saved shape keeps every part.
      var rings = [];
      collectRings(editLayer.getLatLngs(), rings);
      editLayer.editing.latlngs = rings;
      editLayer.editing.enable();
      state.mode = "vertices";
      update();
    }, function (err) {
      state.busy = false;
      showError(fmt(t("network"), { message: err.message }));
      update();
    });
  }

  function startMerge() {
    state.mode = "merge";
    state.picked = {};
    if (state.selected) state.picked[state.selected.code] = state.selected.name;
    restyle();
    update();
  }

  function startMove() {
    var children = entry("planChildren");
    if (!children) return;
    state.mode = "move-pick";
    state.picked = {};
    map.getContainer().classList.add("gm-plan-picking");
    if (!map.hasLayer(children.target)) map.addLayer(children.target);
    restyle();
    update();
  }

  // ---- move buildings ------------------------------------------------------
  // Each building is one circle marker in a pane of its own above the grids: the grid layers are
  // brought to the front whenever they reload, which would otherwise cover the points. While the
  // target is chosen only the picked buildings stay, not clickable, so a click on a grid under one
  // still reaches the grid.

  var BUILDING_PANE = "gmPlanBuildings";
  var BUILDING_STYLE = { radius: 6, color: "#1d3557", weight: 2, fillColor: "#ffffff", fillOpacity: 0.9 };
  // The green of the grids picked for a move or merge (editor.py PICKED_STYLE), bigger and filled.
  var BUILDING_PICKED_STYLE = { radius: 8, color: "#008744", weight: 3, fillColor: "#008744", fillOpacity: 0.9 };
  var buildingFeatures = [];   // the buildings of the last answer (the current view)

  function pickedBuildingIds() {
    return Object.keys(state.pickedBuildings).map(Number).sort(function (a, b) { return a - b; });
  }

  /* The map's own notice overlay, shared with gridmap-maps.js ("zoom in to see ..."): each writer keeps
     its text in a data attribute of its own and the overlay shows them all, as gridmap-maps.js does. */
  function mapHint(message) {
    var el = byId("gridmap-hint");
    if (!el) return;
    el.dataset.planBuildings = message || "";
    var parts = [];
    Object.keys(el.dataset).forEach(function (k) {
      if (el.dataset[k]) parts.push(el.dataset[k]);
    });
    el.textContent = parts.join(" ");
    el.hidden = parts.length === 0;
  }

  function buildingTooltip(p) {
    var html = "<div class=\"gm-tip\"><strong>" + esc(p.label) + "</strong><table>";
    html += "<tr><th>" + esc(t("households")) + "</th><td>" + esc(p.households) + "</td></tr>";
    html += "<tr><th>" + esc(t("grid")) + "</th><td>" + esc(p.grid || t("out_of_coverage")) + "</td></tr>";
    return html + "</table></div>";
  }

  function buildingStyle(picked) {
    return extend({}, picked ? BUILDING_PICKED_STYLE : BUILDING_STYLE);
  }

  function markBuilding(marker, picked) {
    marker.setStyle(buildingStyle(picked));  // a circle marker's setStyle takes the radius too
    var el = marker.getElement && marker.getElement();
    if (el) el.classList.toggle("gm-plan-building-picked", picked);
  }

  function toggleBuilding(feature, marker) {
    if (state.busy || state.mode !== "building-pick") return;
    var id = feature.properties.address_id;
    if (state.pickedBuildings[id]) delete state.pickedBuildings[id];
    else state.pickedBuildings[id] = feature;
    markBuilding(marker, !!state.pickedBuildings[id]);
    update();
  }

  /* Draw the buildings of the view (picking) or the picked ones only (choosing the target). */
  function drawBuildings() {
    if (!buildingLayer) return;
    buildingLayer.clearLayers();
    var targeting = state.mode === "building-target";
    var feats = targeting
      ? Object.keys(state.pickedBuildings).map(function (id) { return state.pickedBuildings[id]; })
      : buildingFeatures;
    feats.forEach(function (f) {
      var xy = f.geometry.coordinates;
      var picked = !!state.pickedBuildings[f.properties.address_id];
      var marker = L.circleMarker([xy[1], xy[0]], extend(buildingStyle(picked), {
        pane: BUILDING_PANE, interactive: !targeting,
        className: "gm-plan-building" + (picked ? " gm-plan-building-picked" : ""),
      }));
      marker.feature = f;
      if (!targeting) {
        marker.bindTooltip(buildingTooltip(f.properties), { direction: "top" });
        marker.on("click", function (event) {
          L.DomEvent.stopPropagation(event);
          toggleBuilding(f, marker);
        });
      }
      buildingLayer.addLayer(marker);
    });
  }

  /* Fetch the buildings of the map view; a picked building keeps its pick when it comes back into view. */
  function loadBuildings() {
    if (state.mode !== "building-pick" || !buildingLayer) return;
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map(function (x) { return x.toFixed(6); }).join(",");
    var seq = (buildingSeq += 1);
    state.buildings.loading = true;
    api("GET", "drafts/" + state.draft.id + "/buildings?bbox=" + bbox).then(function (res) {
      if (seq !== buildingSeq) return; // panned again, or the mode ended, meanwhile
      state.buildings.loading = false;
      state.buildings.loads += 1;
      if (!res.ok) {
        state.buildings.error = errorOf(res).message;
        buildingFeatures = [];
        state.buildings.count = 0;
        showError(fmt(t("failed"), { message: state.buildings.error }));
        mapHint("");
      } else {
        state.buildings.error = "";
        state.buildings.truncated = !!res.body.truncated;
        buildingFeatures = res.body.features || [];
        state.buildings.count = buildingFeatures.length;
        // A view with too many buildings sends none: say why the map is empty.
        mapHint(state.buildings.truncated ? fmt(t("buildings_zoom_in"), { limit: res.body.limit })
          : buildingFeatures.length ? "" : t("no_buildings"));
      }
      drawBuildings();
      update();
    }, function (err) {
      if (seq !== buildingSeq) return;
      state.buildings.loading = false;
      state.buildings.loads += 1;
      state.buildings.error = err.message;
      showError(fmt(t("network"), { message: err.message }));
    });
  }

  function startMoveBuildings() {
    if (state.busy || state.published || state.mode !== "idle" || !buildingLayer) return;
    showError("");
    state.mode = "building-pick";
    state.pickedBuildings = {};
    state.buildings = { loads: 0, count: 0, truncated: false, error: "", loading: false };
    buildingFeatures = [];
    buildingLayer.addTo(map);
    loadBuildings();
    update();
  }

  function hideBuildings() {
    buildingSeq += 1; // an answer still on its way is not drawn
    buildingFeatures = [];
    state.pickedBuildings = {};
    state.buildings.loading = false;
    if (buildingLayer) {
      buildingLayer.clearLayers();
      if (map.hasLayer(buildingLayer)) map.removeLayer(buildingLayer);
    }
    mapHint("");
  }

  P.buildingLayer = function () { return buildingLayer; };

  function onSave() {
    if (state.mode === "vertices" && editLayer) {
      save("reshape", { code: state.selected.code, geometry: snappedPolygon(editLayer), leftover: leftover() });
    } else if (state.mode === "merge") {
      var codes = pickedCodes();
      if (codes.length < 2) { showError(t("need_two")); return; }
      save("merge", { codes: codes });
    } else if (state.mode === "move-pick") {
      if (!pickedCodes().length) { showError(t("need_one")); return; }
      state.mode = "move-target";
      var c = map.getContainer();
      c.classList.remove("gm-plan-picking");
      c.classList.add("gm-plan-targeting");
      update();
    } else if (state.mode === "building-pick") {
      if (!pickedBuildingIds().length) { showError(t("need_building")); return; }
      showError("");
      state.mode = "building-target";
      drawBuildings();
      update();
    }
  }

  function leftover() {
    var box = byId("plan-leftover");
    return box && box.checked ? "neighbours" : "refuse";
  }

  // ---- snapping ------------------------------------------------------------
  // Nobody clicks exactly on a border: a drawn corner within SNAP_PX pixels of a corner of the
  // grids on the map takes that corner, else one near a border moves onto it. Without it every
  // hand-drawn shape would leave slivers or overhang its parent.

  var SNAP_PX = 10;

  function collectRings(latlngs, out) {
    if (!latlngs || !latlngs.length) return;
    if (latlngs[0] instanceof L.LatLng) out.push(latlngs);
    else latlngs.forEach(function (x) { collectRings(x, out); });
  }

  function snapRings(bounds) {
    var rings = [];
    ["planGrids", "planParents", "planChildren"].forEach(function (key) {
      var e = entry(key);
      if (!e || !map.hasLayer(e.target)) return;
      e.layer.eachLayer(function (l) {
        if (l.getLatLngs && l.getBounds().intersects(bounds)) collectRings(l.getLatLngs(), rings);
      });
    });
    return rings;
  }

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
          // Along the border in degrees, so a point on a straight border keeps its exact latitude or longitude.
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
  function snappedPolygon(layer) {
    var rings = snapRings(layer.getBounds().pad(0.2));
    return L.polygon(snapLatLngs(layer.getLatLngs(), rings)).toGeoJSON(false).geometry;
  }

  function onDrawn(event) {
    var geometry = state.mode === "reshape" ? snappedPolygon(event.layer) : event.layer.toGeoJSON(false).geometry;
    var code = state.selected && state.selected.code;
    drawHandler = null;
    if (!code) return;
    if (state.mode === "reshape") save("reshape", { code: code, geometry: geometry, leftover: leftover() });
    else if (state.mode === "split") save("split", { code: code, line: geometry });
  }

  // ---- saving --------------------------------------------------------------

  function opLabel(action, op) {
    var kindLabel = t("op_" + ((op && op.kind) || action));
    if (action === "undo" || action === "redo") return fmt(t("op_" + action), { what: kindLabel });
    return kindLabel;
  }

  function save(action, body) {
    if (state.busy) return Promise.resolve(null);
    state.busy = true;
    showError("");
    clearRefused();
    state.lastRefused = null;
    setStatus(t("saving"), true);
    update();
    var payload = extend({ row_version: state.draft.row_version }, body);
    return api("POST", "drafts/" + state.draft.id + "/" + action, payload)
      .then(function (res) {
        if (res.ok) {
          state.draft = res.body.draft;
          state.saved += 1;
          var done = fmt(t("saved"), { what: opLabel(action, res.body.operation) });
          if (action === "split" || action === "merge" || action === "move") state.selected = null;
          stopDrawing();
          state.mode = "idle";
          resetMode();
          return refresh(done);
        }
        return failed(res, action);
      }, function (err) {
        setStatus("", false);
        showError(fmt(t("network"), { message: err.message }));
      })
      .then(function () {
        state.busy = false;
        update();
      });
  }

  function failed(res, action) {
    var err = errorOf(res);
    if (res.status === 409 && err.details.field === "row_version") {
      // Someone else saved first: show their draft, the user redoes the edit on it.
      if (err.details.draft) state.draft = err.details.draft;
      resetMode();
      showError(t("stale"));
      return refresh("");
    }
    if (res.status === 422 && (err.code === "invalid_edit" || err.details.field !== undefined)) {
      state.lastRefused = err;
      showError(fmt(t("refused"), { message: err.message }));
      if (err.details.geometry && refusedLayer) {
        refusedLayer.addData({ type: "Feature", geometry: err.details.geometry, properties: {} });
        refusedLayer.bringToFront();
      }
      stopDrawing();
      if (state.mode === "reshape" || state.mode === "split" || state.mode === "vertices") resetMode();
      setStatus("", false);
      if (err.code === "draft_invalid") return validate();
      return null;
    }
    showError(fmt(t("failed"), { message: err.message }));
    setStatus("", false);
    if (res.status === 409) return reloadDraft();
    return null;
  }

  function reloadDraft() {
    return api("GET", "drafts/" + state.draft.id).then(function (res) {
      if (res.ok) state.draft = res.body;
      update();
    });
  }

  /* Fetch the layers, the validation and the edit log of the draft as it is now. */
  function refresh(done) {
    var query = { rv: state.draft.row_version };
    ["planGrids", "planChildren", "planParents"].forEach(function (key) {
      if (entry(key)) GM.setQuery(key, query);
    });
    markImpactStale();
    return Promise.all([loadOperations(), validate()]).then(function () {
      setStatus(done || "", false);
    });
  }

  // ---- validation ----------------------------------------------------------

  function validate() {
    setStatus(t("validating"), true);
    return api("GET", "versions/" + state.draft.id + "/validation?limit=" + (settings.issueLimit || 500))
      .then(function (res) {
        if (!res.ok) {
          state.validation = null;
          showError(fmt(t("failed"), { message: errorOf(res).message }));
          return;
        }
        state.validation = res.body;
        state.validations += 1;
        renderValidation(res.body);
      }, function (err) {
        showError(fmt(t("network"), { message: err.message }));
      })
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
        var e = entry(key);
        if (!e || bounds) return;
        e.layer.eachLayer(function (l) {
          if (!bounds && l.feature && l.feature.properties.code === issue.code) bounds = l.getBounds();
        });
      });
    }
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17, padding: [30, 30] });
  }

  // ---- edit log ------------------------------------------------------------

  function loadOperations() {
    return api("GET", "drafts/" + state.draft.id + "/operations").then(function (res) {
      if (!res.ok) return;
      state.operations = res.body.operations || [];
      var list = byId("plan-operations");
      list.innerHTML = "";
      if (!state.operations.length) {
        var empty = document.createElement("li");
        empty.className = "text-muted";
        empty.textContent = t("no_operations");
        list.appendChild(empty);
      }
      state.operations.forEach(function (op) {
        var li = document.createElement("li");
        li.className = op.state === "undone" ? "gm-undone" : "";
        li.dataset.kind = op.kind;
        li.dataset.state = op.state;
        var codes = (op.params && (op.params.code || op.params.target || (op.params.codes || []).join(", "))) || "";
        if (op.kind === "move_buildings" && op.params && op.params.address_ids) {
          codes += " (" + fmt(t("op_buildings_n"), { n: op.params.address_ids.length }) + ")";
        }
        li.textContent = t("op_" + op.kind) + " " + codes + " · " + (op.actor || "") +
          (op.state === "undone" ? " " + t("undone") : "");
        list.appendChild(li);
      });
    }, function () { /* the log is informative; the edit itself is already saved */ });
  }

  // ---- undo, redo, publish -------------------------------------------------

  function publish() {
    if (state.busy) return;
    state.busy = true;
    showError("");
    setStatus(t("preparing_impact"), true);
    update();
    api("GET", "versions/" + state.draft.id + "/impact").then(function (res) {
      if (!res.ok) {
        showError(fmt(t("failed"), { message: errorOf(res).message }));
        return null;
      }
      var s = res.body.summary || {};
      var line = fmt(t("impact_line"), {
        grids: s.grids_changed, added: s.added, removed: s.removed, reshaped: s.reshaped,
        reports: s.reports_moved, open: s.open_reports_moved, households: s.households_moved,
      });
      setStatus("", false);
      if (!window.confirm(t("confirm_publish") + "\n\n" + line)) return null;
      setStatus(t("publishing"), true);
      return api("POST", "drafts/" + state.draft.id + "/publish", { row_version: state.draft.row_version })
        .then(function (pub) {
          if (pub.ok) {
            state.published = true;
            setStatus(fmt(t("published"), { generation: pub.body.generation, n: pub.body.open_reports_reassigned }),
              false);
            return null;
          }
          return failed(pub, "publish");
        });
    }, function (err) {
      showError(fmt(t("network"), { message: err.message }));
    }).then(function () {
      state.busy = false;
      if (!state.published && byId("plan-status").classList.contains("gm-busy")) setStatus("", false);
      update();
    });
  }

  // ---- impact preview --------------------------------------------------------
  // What publishing the draft would change, against the published version or one the planner picks:
  // the summary in the panel, the old and new outlines on the map as one overlay of the layer control.

  var layerControl = null;   // the map's L.control.layers (folium creates it after init)
  var impactLayer = null;    // old (dashed red) and new (solid blue) outlines

  if (window.L && L.Control && L.Control.Layers) {
    L.Control.Layers.addInitHook(function () { layerControl = this; });
  }

  function againstChoice() {
    var select = byId("plan-impact-against");
    var option = select && select.selectedOptions && select.selectedOptions[0];
    if (!option || !option.value) return { id: "", name: t("published_version") };
    return { id: option.value, name: option.dataset.name || option.value };
  }

  function impactPath(against, geojson) {
    var q = [];
    if (against.id) q.push("against=" + encodeURIComponent(against.id));
    if (geojson) q.push("format=geojson");
    return "versions/" + state.draft.id + "/impact" + (q.length ? "?" + q.join("&") : "");
  }

  function previewImpact() {
    if (state.impactBusy) return;
    var against = againstChoice();
    state.impactBusy = true;
    showError("");
    setStatus(t("impact_loading"), true);
    update();
    Promise.all([api("GET", impactPath(against, false)), api("GET", impactPath(against, true))])
      .then(function (answers) {
        var bad = answers.filter(function (res) { return !res.ok; })[0];
        if (bad) {
          setStatus("", false);
          showError(fmt(t("failed"), { message: errorOf(bad).message }));
          return;
        }
        state.impact = answers[0].body;
        renderImpact(answers[0].body);
        var n = drawImpact(answers[1].body);
        setStatus(fmt(t(n ? "impact_shown" : "impact_none"), { name: against.name, n: n }), false);
      }, function (err) {
        setStatus("", false);
        showError(fmt(t("network"), { message: err.message }));
      })
      .then(function () {
        state.impactBusy = false;
        update();
      });
  }

  function summaryRow(list, key, label, value) {
    var dt = document.createElement("dt");
    dt.textContent = label;
    var dd = document.createElement("dd");
    dd.dataset.key = key;
    dd.textContent = value;
    list.appendChild(dt);
    list.appendChild(dd);
  }

  function renderImpact(body) {
    var s = body.summary || {};
    var workers = body.workers || [];
    var losing = workers.filter(function (w) { return (w.loses || []).length > 0; });
    var gaining = workers.filter(function (w) { return (w.suggested || []).length > 0; });
    var dl = byId("plan-impact-summary");
    dl.innerHTML = "";
    summaryRow(dl, "grids_changed", t("impact_grids"), s.grids_changed + " (" + fmt(t("impact_kinds"), s) + ")");
    summaryRow(dl, "reports_moved", t("impact_reports"),
      s.reports_moved + " (" + t("impact_open") + " " + s.open_reports_moved + ")");
    summaryRow(dl, "addresses_moved", t("impact_addresses"), s.addresses_moved);
    summaryRow(dl, "buildings_moved", t("impact_buildings"), s.buildings_moved);
    summaryRow(dl, "households_moved", t("impact_households"), s.households_moved);
    summaryRow(dl, "workers_losing", t("impact_workers_losing"), losing.length);
    summaryRow(dl, "workers_gaining", t("impact_workers_gaining"), gaining.length);
    dl.dataset.gridsChanged = s.grids_changed;

    var people = byId("plan-impact-workers");
    people.innerHTML = "";
    workers.forEach(function (w) {
      var parts = [];
      if ((w.loses || []).length) parts.push(fmt(t("impact_worker_loses"), { codes: w.loses.join(", ") }));
      if ((w.changes || []).length) {
        parts.push(fmt(t("impact_worker_changes"), { codes: w.changes.map(function (c) { return c.code; }).join(", ") }));
      }
      if ((w.suggested || []).length) parts.push(fmt(t("impact_worker_gains"), { codes: w.suggested.join(", ") }));
      var li = document.createElement("li");
      li.dataset.staffId = w.staff_id;
      li.textContent = (w.name || "") + ": " + parts.join("; ");
      people.appendChild(li);
    });

    var list = byId("plan-impact-grids");
    list.innerHTML = "";
    (body.grids || []).forEach(function (g) {
      var li = document.createElement("li");
      li.dataset.code = g.code;
      li.dataset.change = g.change;
      var name = g.name_after || g.name_before || "";
      li.textContent = g.code + " " + name + " · " + t("impact_change_" + g.change) + " · " +
        fmt(t("impact_area"), { gained: Math.round(g.area_gained_m2).toLocaleString(),
                                lost: Math.round(g.area_lost_m2).toLocaleString() });
      li.addEventListener("click", function () { focusImpact(g.code); });
      list.appendChild(li);
    });
    byId("plan-impact-stale").hidden = true;
    byId("plan-impact-panel").hidden = false;
  }

  function impactStyle(feature) {
    var s = extend({}, settings.styles[feature.properties.side === "old" ? "old" : "new"]);
    return s;
  }

  /* Draw the diff; returns the number of outlines drawn. */
  function drawImpact(collection) {
    clearImpactLayer();
    var feats = (collection && collection.features) || [];
    // New outlines first, old ones on top: a dashed old border stays visible over a new fill.
    feats = feats.filter(function (f) { return f.properties.side === "new"; })
      .concat(feats.filter(function (f) { return f.properties.side === "old"; }));
    impactLayer = L.geoJSON({ type: "FeatureCollection", features: feats }, {
      style: impactStyle,
      interactive: false,
    });
    impactLayer.addTo(map);
    if (layerControl) layerControl.addOverlay(impactLayer, t("impact_layer"));
    state.impactDrawn = { old: 0, "new": 0 };
    impactLayer.eachLayer(function (l) { state.impactDrawn[l.feature.properties.side] += 1; });
    var bounds = impactLayer.getBounds();
    if (feats.length && bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17, padding: [30, 30] });
    show("plan-impact-hide", true);
    return feats.length;
  }

  function focusImpact(code) {
    if (!impactLayer) return;
    var bounds = null;
    impactLayer.eachLayer(function (l) {
      if (l.feature.properties.code !== code) return;
      bounds = bounds ? bounds.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(),
                                                                       l.getBounds().getNorthEast());
    });
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17, padding: [30, 30] });
  }

  function clearImpactLayer() {
    if (!impactLayer) return;
    if (layerControl) layerControl.removeLayer(impactLayer);
    map.removeLayer(impactLayer);
    impactLayer = null;
    state.impactDrawn = { old: 0, "new": 0 };
  }

  function hideImpact() {
    clearImpactLayer();
    state.impact = null;
    byId("plan-impact-panel").hidden = true;
    show("plan-impact-hide", false);
    setStatus("", false);
    update();
  }

  /* After an edit the preview shown no longer matches the draft: say so rather than show stale numbers silently. */
  function markImpactStale() {
    if (!state.impact) return;
    var el = byId("plan-impact-stale");
    el.textContent = t("impact_stale");
    el.hidden = false;
  }

  P.impactLayer = function () { return impactLayer; };

  // ---- import a level from a file -------------------------------------------
  // The file replaces one level of the draft (under the parent code when given) in one edit, which
  // undo takes back like any other. A refused file leaves the draft unchanged; every per-feature
  // error the API sends is listed in the alert area.

  function showErrors(message, errors) {
    showError(message);
    var el = byId("plan-error");
    if (!el || !errors || !errors.length) return;
    var shown = errors.slice(0, 50);
    var ul = document.createElement("ul");
    ul.className = "gm-import-errors";
    shown.forEach(function (e) {
      var li = document.createElement("li");
      li.dataset.reason = e.reason || "";
      li.textContent = fmt(t("import_feature_error"), {
        index: e.index === null || e.index === undefined ? "" : "#" + (e.index + 1),
        code: e.code || "", message: e.message || e.detail || e.reason,
      });
      ul.appendChild(li);
    });
    if (errors.length > shown.length) {
      var more = document.createElement("li");
      more.textContent = fmt(t("import_more_errors"), { n: errors.length - shown.length });
      ul.appendChild(more);
    }
    el.appendChild(ul);
  }

  /* The import form sits low in the panel: its progress is shown next to it as well as in the status line,
     and a refusal scrolls the alert area (top of the panel) into view. */
  function importStatus(message, busy) {
    setStatus(message, busy);
    var el = byId("plan-import-status");
    if (!el) return;
    el.textContent = message || "";
    el.hidden = !message;
    el.classList.toggle("gm-busy", !!busy);
  }

  function revealError() {
    var el = byId("plan-error");
    if (el && !el.hidden && el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
  }

  /* The import runs as a job: the POST answers 202 with it, and the job is asked about every
     IMPORT_POLL_MS until it is done or failed, its step and progress shown beside the form (a
     <progress> after the status line). Resolves with an answer shaped like a direct one ({ok, status,
     body}: the job's result, or {error: its error} with the error's status), so importFile handles both. */
  var IMPORT_POLL_MS = 500;

  function importProgress(job) {
    var el = byId("plan-import-status");
    var bar = byId("plan-import-progress");
    if (!bar && el) {
      bar = document.createElement("progress");
      bar.id = "plan-import-progress";
      bar.className = "w-100";
      el.parentNode.insertBefore(bar, el.nextSibling);
    }
    if (!job) {
      if (bar) bar.hidden = true;
      return;
    }
    var p = job.progress || {};
    importStatus(fmt(t("import_progress"), { message: job.message || t("importing"), done: p.done,
                                            total: p.total || "?" }), true);
    state.importJob = job;
    if (bar) {
      bar.hidden = false;
      bar.max = p.total || 1;
      bar.value = p.done || 0;
    }
  }

  function followImport(res) {
    if (res.status !== 202 || !res.body || !res.body.job) return res;
    var job = res.body.job;
    return new Promise(function (resolve, reject) {
      function ended(j) {
        importProgress(null);
        state.importJob = j;
        if (j.state === "done") resolve({ ok: true, status: 200, body: j.result });
        else resolve({ ok: false, status: (j.error && j.error.status) || 500, body: { error: j.error || {} } });
      }
      function ask() {
        api("GET", "jobs/" + job.id).then(function (got) {
          if (!got.ok) { resolve(got); return; }
          job = got.body.job;
          if (job.state === "done" || job.state === "failed") { ended(job); return; }
          importProgress(job);
          window.setTimeout(ask, IMPORT_POLL_MS);
        }, reject);
      }
      importProgress(job);
      window.setTimeout(ask, IMPORT_POLL_MS);
    });
  }

  function importFile(event) {
    event.preventDefault();
    if (state.busy) return;
    var form = byId("plan-import-form");
    var input = byId("plan-import-file");
    if (!input.files || !input.files.length) { showError(t("import_no_file")); revealError(); return; }
    var file = input.files[0].name;
    var data = new FormData(form);
    data.set("row_version", state.draft.row_version);
    ["parent", "crs"].forEach(function (name) {
      var value = String(data.get(name) || "").trim();
      if (value) data.set(name, value); else data.delete(name);
    });
    state.busy = true;
    showError("");
    clearRefused();
    state.lastRefused = null;
    importStatus(t("importing"), true);
    update();
    // No Content-Type header: the browser sets multipart/form-data with its boundary.
    fetch(settings.urls.api + "drafts/" + state.draft.id + "/import", {
      method: "POST", credentials: "same-origin", body: data,
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        return { ok: response.ok, status: response.status, body: body };
      });
    }).then(followImport).then(function (res) {
      if (res.ok) {
        state.draft = res.body.draft;
        state.saved += 1;
        state.imported = res.body.read;
        form.reset();
        resetMode();
        var done = fmt(t("imported"), { n: res.body.read.features, file: file, crs: res.body.read.crs || "WGS-84" });
        return refresh(done).then(function () { importStatus(done, false); });
      }
      var err = errorOf(res);
      state.lastRefused = err;
      importStatus("", false);
      if (res.status === 409 && err.details.field === "row_version") {
        return Promise.resolve(failed(res, "import")).then(revealError);
      }
      showErrors(fmt(t("import_refused"), { message: err.message }), err.details.errors);
      revealError();
      if (err.details.geometry && refusedLayer) {
        refusedLayer.addData({ type: "Feature", geometry: err.details.geometry, properties: {} });
      }
      return null;
    }, function (err) {
      importProgress(null);
      importStatus("", false);
      showError(fmt(t("network"), { message: err.message }));
      revealError();
    }).then(function () {
      state.busy = false;
      update();
    });
  }

  // ---- buttons -------------------------------------------------------------

  function show(id, visible) {
    var el = byId(id);
    if (el) el.hidden = !visible;
  }

  function enable(id, enabled) {
    var el = byId(id);
    if (el) el.disabled = !enabled;
  }

  function update() {
    var idle = state.mode === "idle" && !state.busy && !state.published;
    var d = state.draft || {};
    enable("plan-reshape", idle && !!state.selected);
    enable("plan-vertices", idle && !!state.selected);
    enable("plan-split", idle && !!state.selected);
    enable("plan-merge", idle);
    enable("plan-move", idle && !!entry("planChildren"));
    enable("plan-move-buildings", idle);
    enable("plan-undo", idle && !!d.can_undo);
    enable("plan-redo", idle && !!d.can_redo);
    var v = state.validation;
    enable("plan-publish", idle && !!v && v.publishable === true && !d.stale);
    enable("plan-impact", !state.impactBusy);
    enable("plan-import", idle);
    var drawing = state.mode === "reshape" || state.mode === "split";
    show("plan-finish", drawing);
    var picking = state.mode === "move-pick" || state.mode === "building-pick";
    show("plan-save", state.mode === "vertices" || state.mode === "merge" || picking);
    enable("plan-save", !state.busy);
    show("plan-cancel", state.mode !== "idle");
    var save = byId("plan-save");
    if (save) save.textContent = picking ? t("choose_target") : t("save");

    var sel = byId("plan-selection");
    if (sel) {
      sel.textContent = state.selected
        ? fmt(t("selected"), { name: state.selected.name, code: state.selected.code }) : t("nothing_selected");
    }
    var name = state.selected ? state.selected.name + " (" + state.selected.code + ")" : "";
    var n = pickedCodes().length;
    var hints = {
      reshape: fmt(t("draw_polygon"), { name: name }),
      vertices: fmt(t("edit_vertices"), { name: name }),
      split: fmt(t("draw_line"), { name: name }),
      merge: fmt(t("merge_pick"), { n: n }),
      "move-pick": fmt(t("move_pick"), { n: n }),
      "move-target": fmt(t("move_target"), { n: n }),
      "building-pick": fmt(t("move_buildings_pick"), { n: pickedBuildingIds().length }),
      "building-target": fmt(t("move_buildings_target"), { n: pickedBuildingIds().length }),
    };
    setHint(hints[state.mode] || "");
    document.body.dataset.planMode = state.mode;
  }

  function on(id, handler) {
    var el = byId(id);
    if (el) el.addEventListener("click", handler);
  }

  // ---- start ---------------------------------------------------------------

  P.init = function (leafletMap, options) {
    settings = extend(settings, options || {});
    map = leafletMap;
    P.map = map;
    state.draft = settings.draft;
    issueLayer = L.featureGroup().addTo(map);
    refusedLayer = L.geoJSON(null, {
      style: function () { return extend({}, settings.styles.error, { dashArray: "8 4", fillOpacity: 0.6 }); },
      interactive: false,
    }).addTo(map);
    map.on(L.Draw.Event.CREATED, onDrawn);
    if (!map.getPane(BUILDING_PANE)) {
      // Above the grids (overlay pane, 400), under Leaflet's markers, tooltips and popups.
      map.createPane(BUILDING_PANE).style.zIndex = 450;
    }
    buildingLayer = L.featureGroup();
    map.on("moveend", function () { if (state.mode === "building-pick") loadBuildings(); });
    if (L.drawLocal) {
      // Leaflet.draw's own tooltips, in the page's language.
      var h = L.drawLocal.draw.handlers;
      h.polygon.tooltip = { start: t("draw_start"), cont: t("draw_cont"), end: t("draw_polygon_end") };
      h.polyline.tooltip = { start: t("draw_start"), cont: t("draw_cont"), end: t("draw_line_end") };
      h.polyline.error = t("draw_crossing");
    }
    on("plan-reshape", function () { startDraw("reshape"); });
    on("plan-split", function () { startDraw("split"); });
    on("plan-vertices", startVertices);
    on("plan-merge", startMerge);
    on("plan-move", startMove);
    on("plan-move-buildings", startMoveBuildings);
    on("plan-save", onSave);
    on("plan-finish", function () { if (drawHandler) drawHandler.completeShape(); });
    on("plan-cancel", function () { showError(""); resetMode(); });
    on("plan-undo", function () { save("undo", {}); });
    on("plan-redo", function () { save("redo", {}); });
    on("plan-publish", publish);
    on("plan-rebase", function () {
      if (state.busy) return;
      state.busy = true;
      update();
      rebase(state.draft.id, state.draft.row_version).then(function (body) {
        if (!body) return null;
        state.draft = body.draft;
        var stale = byId("plan-stale");
        if (stale) stale.hidden = true;
        return refresh("");
      }).then(function () {
        state.busy = false;
        update();
      });
    });
    on("plan-impact", previewImpact);
    on("plan-impact-hide", hideImpact);
    var importForm = byId("plan-import-form");
    if (importForm) importForm.addEventListener("submit", importFile);

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && state.mode !== "idle") resetMode();
    });
    // Reloaded layers drop a selection whose grid is gone (split, merged, recoded).
    document.addEventListener("gridmap:loaded", function (event) {
      if (event.detail.key !== "planGrids") return;
      if (state.selected && !featureName(state.selected.code)) state.selected = null;
      update();
    });
    update();
    loadOperations();
    validate();
  };

  P.state = state;
})();
