/* Work done on the phone waits here (IndexedDB) until it is sent, so nothing is lost offline.
 *
 * Two stores, each entry tagged with the account that made it (a shared phone never sends one
 * worker's positions under another's sign-in):
 *   fixes  patrol positions {user, time, lon, lat, accuracy}: sent oldest first in batches to
 *          POST /api/v1/patrols/fixes; deleted only after a 2xx. The API stores each worker and
 *          instant once, so a batch sent again after a lost answer adds nothing.
 *   jobs   a report or an action on an event {user, kind, url, body, photo (Blob), photoField,
 *          headers}: its photo is uploaded first (POST /api/v1/photos, one row per picture), then
 *          the body goes with the photo's URL. Reports carry an Idempotency-Key; actions carry the
 *          state they were made from (expected_state), so a second delivery is refused, not applied
 *          twice.
 * One sender at a time across the app's tabs (navigator.locks where the browser has it). */
import { api, errorOf, setCsrfToken } from "../core.js";

var DB_NAME = "gridmap-worker";
var DB_VERSION = 1;
var opening = null;

function request(req) {
  return new Promise(function (resolve, reject) {
    req.onsuccess = function () { resolve(req.result); };
    req.onerror = function () { reject(req.error); };
  });
}

function database() {
  if (!opening) {
    opening = new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        db.createObjectStore("fixes", { keyPath: "key", autoIncrement: true }).createIndex("user", "user");
        db.createObjectStore("jobs", { keyPath: "key", autoIncrement: true }).createIndex("user", "user");
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { opening = null; reject(req.error); };
    });
  }
  return opening;
}

function store(name, mode) {
  return database().then(function (db) { return db.transaction(name, mode).objectStore(name); });
}

function done(tx) {
  return new Promise(function (resolve, reject) {
    tx.oncomplete = function () { resolve(); };
    tx.onerror = tx.onabort = function () { reject(tx.error); };
  });
}

/* The user's first `limit` entries of a store, oldest first. */
function oldest(name, user, limit) {
  return store(name, "readonly").then(function (s) {
    return request(s.index("user").getAll(IDBKeyRange.only(user), limit));
  });
}

function remove(name, keys) {
  return database().then(function (db) {
    var tx = db.transaction(name, "readwrite");
    keys.forEach(function (k) { tx.objectStore(name).delete(k); });
    return done(tx);
  });
}

export function addFix(user, fix) {
  return store("fixes", "readwrite").then(function (s) {
    return request(s.add({ user: user, time: fix.time, lon: fix.lon, lat: fix.lat, accuracy: fix.accuracy }));
  });
}

export function addJob(user, job) {
  return store("jobs", "readwrite").then(function (s) {
    return request(s.add(Object.assign({ user: user, created: Date.now() }, job)));
  });
}

/* {fixes, jobs, reports, actions}: how many entries of the user wait. */
export function waiting(user) {
  return Promise.all([oldest("fixes", user), oldest("jobs", user)]).then(function (found) {
    return { fixes: found[0].length, jobs: found[1].length,
             jobList: found[1].map(function (j) { return { key: j.key, kind: j.kind, ticket: j.ticket || null,
                                                    action: j.body && j.body.action }; }) };
  });
}

function exclusive(fn) {
  if (navigator.locks && navigator.locks.request) return navigator.locks.request("gridmap-outbox", fn);
  return fn();
}

// ---- sending ------------------------------------------------------------------------------

/* An API call that, when the session's CSRF token is stale (a shell opened from the cache),
 * fetches a fresh one and tries once more. Rejects when the server is not reached. */
function call(settings, method, url, body, options) {
  return api(method, url, body, options).then(function (res) {
    if (res.status !== 400 || errorOf(res).code !== "csrf_failed") return res;
    return api("GET", settings.api.csrf).then(function (fresh) {
      if (!fresh.ok) return res;
      setCsrfToken(fresh.body.csrf_token);
      return api(method, url, body, options);
    });
  });
}

/* Whether an answer means "try again later" (the entry stays) rather than "done" or "refused". */
function transient(res) {
  return res.status === 401 || res.status === 408 || res.status === 429 || res.status >= 500 || res.status === 0;
}

var BATCH = 200;

function sendFixes(settings, user, report) {
  return oldest("fixes", user, BATCH).then(function (batch) {
    if (!batch.length) return;
    var fixes = batch.map(function (f) { return { time: f.time, lon: f.lon, lat: f.lat, accuracy: f.accuracy }; });
    return call(settings, "POST", settings.api.fixes, { fixes: fixes }).then(function (res) {
      if (transient(res)) { report.stopped = res; return; }
      // 2xx: stored (or stored before). A batch the API refuses whole (4xx) would be refused
      // again: it is dropped and said, so it cannot block the positions behind it for ever.
      if (!res.ok) report.errors.push({ kind: "fixes", error: errorOf(res) });
      else report.fixes += batch.length;
      return remove("fixes", batch.map(function (f) { return f.key; })).then(function () {
        if (batch.length === BATCH) return sendFixes(settings, user, report);
      });
    });
  });
}

function uploadPhoto(settings, job) {
  if (!job.photo || job.photoUrl) return Promise.resolve({ ok: true });
  var form = new FormData();
  form.append("photo", job.photo, "photo.jpg");
  return call(settings, "POST", settings.api.photos, form).then(function (res) {
    if (!res.ok) return res;
    job.photoUrl = res.body.url;
    // Kept with the job: a retry after a lost answer to the report re-uses the link.
    return store("jobs", "readwrite").then(function (s) { return request(s.put(job)); }).then(function () {
      return res;
    });
  });
}

function sendJob(settings, job, report) {
  return uploadPhoto(settings, job).then(function (up) {
    if (!up.ok) return up;
    var body = Object.assign({}, job.body);
    if (job.photoUrl) body[job.photoField] = (body[job.photoField] || []).concat([job.photoUrl]);
    return call(settings, "POST", job.url, body, { headers: job.headers || {} });
  }).then(function (res) {
    if (transient(res)) { report.stopped = res; return false; }
    report.jobs.push({ key: job.key, kind: job.kind, ticket: job.ticket || null, ok: res.ok, status: res.status,
                       body: res.body, error: res.ok ? null : errorOf(res) });
    return remove("jobs", [job.key]).then(function () { return true; });
  });
}

function sendJobs(settings, user, report) {
  return oldest("jobs", user, 1).then(function (found) {
    if (!found.length) return;
    return sendJob(settings, found[0], report).then(function (goOn) {
      if (goOn) return sendJobs(settings, user, report);
    });
  });
}

/* Send what waits for the user: jobs in the order they were made, then positions.
 * Resolves {fixes: n sent, jobs: [answers], errors: [...], stopped: answer | null, offline: bool}. */
export function flush(settings) {
  var user = settings.user.id;
  var report = { fixes: 0, jobs: [], errors: [], stopped: null, offline: false };
  return exclusive(function () {
    return sendJobs(settings, user, report).then(function () {
      if (!report.stopped) return sendFixes(settings, user, report);
    });
  }).then(function () { return report; }, function (e) {
    // fetch rejects when the server is not reached: everything stays for the next try.
    report.offline = true;
    report.error = String(e && e.message || e);
    return report;
  });
}
