/* The workers' lookup page (/lookup): suggestions as you type, lookup by
 * address, grid code or the phone's location, the answer as cards and on a
 * small Leaflet map. Everything is built with textContent (never innerHTML
 * with data) and wired with addEventListener: the page's CSP allows no
 * inline handlers. An ES module, run after the page's map script (which
 * hands over the map as window.gridmapLookupMap). */
import { api, errorOf, fmt, locationError } from "./core.js";

var form = document.getElementById("lookup-form");
if (form) start();

function start() {
  var settings = JSON.parse(form.getAttribute("data-settings"));
  var T = settings.texts;
  var input = document.getElementById("lookup-q");
  var list = document.getElementById("lookup-suggestions");
  var statusBox = document.getElementById("lookup-status");
  var resultBox = document.getElementById("lookup-result");
  var matchBox = document.getElementById("lookup-match");
  var gridBox = document.getElementById("lookup-grid");
  var neighbourBox = document.getElementById("lookup-neighbours");
  var mapBox = document.getElementById("lookup-map");
  var map = window.gridmapLookupMap || null;
  var drawn = map ? L.featureGroup().addTo(map) : null;

  var suggestTimer = null;
  var suggestAbort = null;
  var lookupAbort = null;
  var composing = false;
  var active = -1;
  var items = [];

  window.gridmapLookup = { last: null, suggestions: [] };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function setStatus(text, isError) {
    statusBox.textContent = text || "";
    statusBox.classList.toggle("gm-lookup-error", !!isError);
  }

  // ------------------------------------------------------------------ suggestions

  function closeSuggestions() {
    list.hidden = true;
    clear(list);
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(i) {
    items.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    active = i;
    if (i >= 0) input.setAttribute("aria-activedescendant", items[i].id);
  }

  function showSuggestions(found) {
    clear(list);
    items = found.map(function (s, i) {
      var li = el("li", { id: "lookup-suggestion-" + i, role: "option", "aria-selected": "false",
                          "data-id": String(s.id), className: "gm-lookup-suggestion" },
                  [el("span", { className: "gm-lookup-suggestion-text", text: s.text }),
                   s.grid_code ? el("span", { className: "gm-lookup-suggestion-code", text: s.grid_code }) : null]);
      li.gridmapSuggestion = s;
      list.appendChild(li);
      return li;
    });
    window.gridmapLookup.suggestions = found;
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
    active = -1;
  }

  function fetchSuggestions() {
    var q = input.value.trim();
    if (!q || /^\d+$/.test(q)) { closeSuggestions(); return; }   // grid codes need no suggestions
    if (suggestAbort) suggestAbort.abort();
    suggestAbort = new AbortController();
    api("GET", settings.api.suggest + "?" + new URLSearchParams({ q: q }).toString(), undefined,
        { signal: suggestAbort.signal })
      .then(function (res) {
        var found = res.ok && res.body ? res.body.suggestions : [];
        if (input.value.trim() === q) showSuggestions(found || []);
      })
      .catch(function (e) { if (e.name !== "AbortError") closeSuggestions(); });
  }

  function scheduleSuggestions() {
    if (composing) return;   // Chinese IME: wait for the composed characters
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(fetchSuggestions, settings.debounce_ms);
  }

  function pick(li) {
    var s = li.gridmapSuggestion;
    input.value = s.text;
    closeSuggestions();
    lookup({ address_id: s.id });
  }

  input.addEventListener("input", scheduleSuggestions);
  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () { composing = false; scheduleSuggestions(); });
  input.addEventListener("keydown", function (e) {
    if (list.hidden || !items.length) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight((active + 1) % items.length); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); pick(items[active]); }
    else if (e.key === "Escape") { closeSuggestions(); }
  });
  // mousedown, not click: it comes before the input's blur closes the list.
  list.addEventListener("mousedown", function (e) {
    var li = e.target.closest("li[role=option]");
    if (li) { e.preventDefault(); pick(li); }
  });
  input.addEventListener("blur", function () { setTimeout(closeSuggestions, 150); });

  // ------------------------------------------------------------------ lookups

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(suggestTimer);
    closeSuggestions();
    search();
  });

  function search() {
    var q = input.value.trim();
    if (!q) { setStatus(T.empty, true); return; }
    lookup(/^\d{6,17}$/.test(q) ? { code: q } : { address: q });
  }


  document.getElementById("lookup-locate").addEventListener("click", function () {
    if (!navigator.geolocation) { setStatus(T.no_geolocation, true); return; }
    setStatus(T.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      // Browsers report WGS-84 (GPS), what the lookup takes by default.
      lookup({ lon: pos.coords.longitude.toFixed(7), lat: pos.coords.latitude.toFixed(7) });
    }, function (err) {
      setStatus(fmt(T.location_denied, { reason: locationError(T, err) }), true);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  });

  function lookup(params) {
    params.geometry = "true";
    if (lookupAbort) lookupAbort.abort();
    lookupAbort = new AbortController();
    setStatus(T.searching);
    api("GET", settings.api.lookup + "?" + new URLSearchParams(params).toString(), undefined,
        { signal: lookupAbort.signal })
      .then(function (res) {
        window.gridmapLookup.last = res.body;
        if (res.status === 200) { setStatus(""); render(res.body); return; }
        var error = errorOf(res);
        if (error.code === "out_of_coverage") { renderOutside(error); return; }
        setStatus(fmt(T.failed, { error: error.message }), true);
      })
      .catch(function (e) { if (e.name !== "AbortError") setStatus(fmt(T.failed, { error: e.message }), true); });
  }

  // ------------------------------------------------------------------ rendering

  function staffList(staff) {
    return el("ul", { className: "gm-lookup-staff" }, staff.map(function (p) {
      return el("li", {}, [
        el("span", { className: "gm-lookup-staff-name", text: p.name }),
        el("span", { className: "gm-lookup-staff-role", text: p.role_label }),
        p.phone ? el("a", { className: "btn btn-success gm-lookup-call", href: "tel:" + p.phone.replace(/[^0-9+]/g, ""),
                            text: p.phone, "aria-label": fmt(T.call, { phone: p.phone }) }) : null
      ]);
    }));
  }

  function renderMatch(match) {
    clear(matchBox);
    if (!match) return;
    if (match.status === "matched" && match.best) {
      var line = el("p", { className: "gm-lookup-matched" }, [
        el("strong", { text: fmt(T.matched, { text: match.best.text }) }),
        el("span", { className: "gm-lookup-confidence",
                     text: " · " + fmt(T.confidence, { percent: Math.round(match.confidence * 100) }) })]);
      matchBox.appendChild(line);
      if (match.source && match.source !== "library") {
        matchBox.appendChild(el("p", { className: "gm-lookup-note", text: fmt(T.external, { source: match.source }) }));
      }
      return;
    }
    var candidates = match.candidates || [];
    matchBox.appendChild(el("p", { className: "gm-lookup-note",
      text: candidates.length ? (match.status === "ambiguous" ? T.ambiguous : T.unmatched) : T.no_candidates }));
    if (!candidates.length) return;
    var ul = el("ul", { className: "gm-lookup-candidates" });
    candidates.forEach(function (c) {
      var b = el("button", { type: "button", className: "btn btn-outline-primary gm-lookup-candidate",
                             "data-id": String(c.id) },
                 [el("span", { text: c.text }), c.grid_code ? el("small", { text: " " + c.grid_code }) : null]);
      b.addEventListener("click", function () { input.value = c.text; lookup({ address_id: c.id }); });
      ul.appendChild(el("li", {}, [b]));
    });
    matchBox.appendChild(ul);
  }

  function renderGrid(body) {
    clear(gridBox);
    var grid = body.grid;
    gridBox.hidden = !grid;
    if (!grid) return;
    var levelLabel = T["level_" + grid.level] || grid.level_label || "";
    gridBox.appendChild(el("h2", { className: "gm-lookup-grid-name" }, [
      el("span", { text: grid.name }), el("small", { text: " " + levelLabel })]));
    gridBox.appendChild(el("p", { className: "gm-lookup-code" }, [
      el("span", { text: T.code + " " }), el("code", { id: "lookup-grid-code", text: grid.code })]));
    var chain = (body.chain || []).slice(0, -1).map(function (g) { return g.name; });
    if (chain.length) gridBox.appendChild(el("p", { className: "gm-lookup-chain", text: T.chain + ": " + chain.join(" › ") }));
    gridBox.appendChild(el("h3", { text: T.workers }));
    if (grid.staff && grid.staff.length) {
      gridBox.appendChild(staffList(grid.staff));
    } else {
      // A micro-grid without its own worker is still someone's: the nearest level up that has one.
      var up = (body.chain || []).slice(0, -1).reverse().filter(function (g) { return g.staff && g.staff.length; })[0];
      gridBox.appendChild(el("p", { className: "gm-lookup-note",
                                    text: up ? fmt(T.worker_above, { name: up.name }) : T.no_worker }));
      if (up) gridBox.appendChild(staffList(up.staff));
    }
    (body.dedicated || []).forEach(function (d) {
      gridBox.appendChild(el("p", { className: "gm-lookup-dedicated", text: T.dedicated + ": " + d.name + " (" + d.code + ")" }));
      if (d.staff && d.staff.length) gridBox.appendChild(staffList(d.staff));
    });
  }

  function renderNeighbours(body) {
    clear(neighbourBox);
    var near = body.neighbours || [];
    neighbourBox.hidden = near.length === 0;
    if (!near.length) return;
    neighbourBox.appendChild(el("p", { className: "gm-lookup-note", text: fmt(T.neighbours, { m: settings.near_m }) }));
    near.forEach(function (n) {
      neighbourBox.appendChild(el("div", { className: "gm-lookup-neighbour" }, [
        el("strong", { text: n.name + " " }), el("code", { text: n.code }),
        el("span", { text: " · " + fmt(T.distance, { m: Math.round(n.distance_m) }) }),
        n.staff && n.staff.length ? staffList(n.staff) : null]));
    });
  }

  function drawMap(body) {
    if (!map) return;
    mapBox.hidden = false;
    map.invalidateSize();
    drawn.clearLayers();
    (body.neighbours || []).forEach(function (n) {
      if (n.geometry) L.geoJSON(n.geometry, { style: { color: "#6c757d", weight: 1.5, dashArray: "4 4", fillOpacity: 0.05 } })
        .bindTooltip(n.name + " " + n.code).addTo(drawn);
    });
    if (body.grid && body.grid.geometry) {
      L.geoJSON(body.grid.geometry, { style: { color: "#ff7f00", weight: 3, fillOpacity: 0.12 } })
        .bindTooltip(body.grid.name + " " + body.grid.code).addTo(drawn);
    }
    if (body.point) {
      L.circleMarker([body.point.lat, body.point.lon], { radius: 8, color: "#fff", weight: 2, fillColor: "#d7191c", fillOpacity: 1 }).addTo(drawn);
    }
    var bounds = drawn.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18 });
  }

  function render(body) {
    resultBox.hidden = false;
    renderMatch(body.match);
    renderGrid(body);
    renderNeighbours(body);
    if (body.grid || body.point) drawMap(body); else mapBox.hidden = true;
    if (body.out_of_coverage) matchBox.appendChild(el("p", { className: "gm-lookup-note", text: T.outside }));
    resultBox.scrollIntoView({ block: "nearest" });
  }

  function renderOutside(error) {
    setStatus("");
    resultBox.hidden = false;
    clear(matchBox);
    gridBox.hidden = true;
    neighbourBox.hidden = true;
    matchBox.appendChild(el("p", { className: "gm-lookup-note", text: T.outside }));
    var nearest = error.details && error.details.nearest;
    if (nearest) matchBox.appendChild(el("p", { text: fmt(T.nearest, { name: nearest.name, code: nearest.code,
                                                                       distance: Math.round(nearest.distance_m) }) }));
    if (map && error.details) drawMap({ point: { lon: error.details.lon, lat: error.details.lat } });
  }

  // A query in the page's address (?q=: the form sent without script, or a shared link) is looked up at once.
  if (input.value.trim()) search();
}
