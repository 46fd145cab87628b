/* GridMap's browser core: the helpers every page script shares, defined once.
 *
 * A native ES module (no build step): page modules import what they use, e.g.
 *   import { api, errorOf, esc, fmt } from "./core.js";
 * tests/test_static_js.py fails when a page script defines any of these again.
 */

// ---- text -----------------------------------------------------------------------

/* Fill a translated template: %(name)s takes values.name (missing or null: empty), %% is a
 * literal %, as in Python's %-formatting of the same gettext strings. */
export function fmt(template, values) {
  return String(template).replace(/%\((\w+)\)s|%%/g, function (match, key) {
    if (!key) return "%";
    var v = values ? values[key] : undefined;
    return v === undefined || v === null ? "" : String(v);
  });
}

var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/* Text made safe to put inside markup or an attribute value. */
export function esc(value) {
  if (value === undefined || value === null) return "";
  return String(value).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
}

/* t(key) for a page: the page's translated text, or the key itself when the page sent none.
 * Reads settings.texts at call time, so texts given later to init() are found. */
export function textsOf(settings) {
  return function (key) {
    return (settings.texts && settings.texts[key]) || key;
  };
}

/* What to say when the browser gives no position: the reason by the GeolocationPositionError's code
 * (1 permission denied, 2 position unavailable, 3 timeout) and what to do, from the page's texts
 * geo_1 .. geo_3 (app.labels.GEOLOCATION_ERRORS). ``texts`` is a texts object or a textsOf function. */
export function locationError(texts, err) {
  var code = err && (err.code === 1 || err.code === 2 || err.code === 3) ? err.code : 2;
  return typeof texts === "function" ? texts("geo_" + code) : texts["geo_" + code];
}

/* A <tr> of a tooltip or detail table; nothing when there is no value. */
export function row(label, value) {
  if (value === undefined || value === null || value === "") return "";
  return "<tr><th>" + esc(label) + "</th><td>" + esc(value) + "</td></tr>";
}

export function byId(id) {
  return document.getElementById(id);
}

// ---- Beijing time -------------------------------------------------------------------
// Every time GridMap shows is Beijing time (Asia/Shanghai), whatever zone the browser is in;
// a time without a zone means Beijing time, as on the server.

var BEIJING = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Shanghai", hourCycle: "h23",
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
});

function millis(value) {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  var s = String(value).trim().replace(" ", "T");
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += "T00:00:00";
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += "+08:00";
  return Date.parse(s);
}

function beijingParts(value) {
  if (value === undefined || value === null || value === "") return null;
  var ms = millis(value);
  if (isNaN(ms)) return null;
  var parts = {};
  BEIJING.formatToParts(new Date(ms)).forEach(function (p) { parts[p.type] = p.value; });
  return parts;
}

/* "YYYY-MM-DD HH:mm" in Beijing time, from an ISO string, a Date or epoch milliseconds; "" for none. */
export function beijingTime(value) {
  var p = beijingParts(value);
  return p ? p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute : "";
}

/* "HH:mm:ss" in Beijing time (a clock: the live desk, a patrol's playback). */
export function beijingClock(value) {
  var p = beijingParts(value);
  return p ? p.hour + ":" + p.minute + ":" + p.second : "";
}

/* An <input type="datetime-local"> value (it has no zone) as an ISO time in Beijing time. */
export function beijingInput(value) {
  if (!value) return null;
  return (value.length === 16 ? value + ":00" : value) + "+08:00";
}

// ---- the JSON API ---------------------------------------------------------------------

/* The session's CSRF token (base.html puts it in <meta name="csrf-token">). */
export function csrfToken() {
  var meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

/* Replace the page's CSRF token: a page the phone app's service worker opened from its cache
 * carries the token of an older session (static/js/worker/outbox.js fetches a fresh one). */
export function setCsrfToken(token) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && token) meta.setAttribute("content", token);
}

// The server's rule (app/auth/__init__.py): a cookie-signed write carries the token, a read does not.
var READS = { GET: true, HEAD: true, OPTIONS: true };

/* fetch from the JSON API: resolves {ok, status, body} for every HTTP answer (body null when it is
 * not JSON); rejects when the server is not reached or the request is aborted (options.signal).
 * A FormData body goes as multipart (the browser sets its Content-Type), anything else as JSON.
 * options.accept replaces the Accept header (GeoJSON layers); options.headers adds others
 * (an Idempotency-Key). */
export function api(method, url, body, options) {
  options = options || {};
  var headers = Object.assign({}, options.headers || {}, { Accept: options.accept || "application/json" });
  if (!READS[method]) headers["X-CSRFToken"] = csrfToken();
  var init = { method: method, headers: headers, credentials: "same-origin" };
  if (options.signal) init.signal = options.signal;
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(url, init).then(function (response) {
    return response.text().then(function (text) {
      var data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      return { ok: response.ok, status: response.status, body: data };
    });
  });
}

/* The API's error answer {"error": {"code", "message", "details"}}, complete even when the body is not. */
export function errorOf(res) {
  var e = (res.body && res.body.error) || {};
  return { code: e.code || "", message: e.message || "HTTP " + res.status, details: e.details || {} };
}
