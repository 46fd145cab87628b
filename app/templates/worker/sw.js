/* GridMap's service worker for the worker's phone app (scope {{ scope }}), served by app.worker.pages.
 * A classic script: it keeps the app shell and the vendored assets so the app opens with no
 * network, and answers the app's reads from what it kept when the network is gone. It sends
 * nothing itself: the pages send what waits in IndexedDB (static/js/worker/outbox.js), and a
 * background sync only wakes them. Version {{ version }} changes with any kept file. */
"use strict";

var VERSION = {{ version|tojson }};
var SHELL = "gridmap-shell-" + VERSION;
var DATA = "gridmap-data";
var ASSETS = {{ precache|tojson }};
var PAGES = {{ pages|tojson }};
var SCOPE = new URL({{ scope|tojson }}, self.location).pathname;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    // The pages need the worker's sign-in: kept when they load, never a sign-in redirect.
    var pages = PAGES.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (res) {
        if (res.ok && !res.redirected) return cache.put(url, res);
      }).catch(function () {});
    });
    return Promise.all([cache.addAll(ASSETS)].concat(pages));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("gridmap-shell-") === 0 && k !== SHELL; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function networkFirst(request, cacheName, key) {
  return fetch(request).then(function (res) {
    if (res.ok && !res.redirected) {
      var copy = res.clone();
      caches.open(cacheName).then(function (cache) { cache.put(key || request, copy); });
    }
    return res;
  }).catch(function () {
    return caches.open(cacheName).then(function (cache) { return cache.match(key || request); })
      .then(function (hit) { if (hit) return hit; throw new Error("offline"); });
  });
}

function cacheFirst(request) {
  return caches.match(request, { ignoreSearch: true }).then(function (hit) {
    return hit || fetch(request).then(function (res) {
      if (res.ok) {
        var copy = res.clone();
        caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
      }
      return res;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.indexOf(SCOPE) === 0 && url.pathname !== SCOPE + "sw.js") {
    // A page: the network's (fresh sign-in and token), else the kept shell of that page.
    var key = url.pathname;
    event.respondWith(networkFirst(request, SHELL, key).catch(function () {
      return caches.match(SCOPE, { ignoreSearch: true }).then(function (hit) {
        return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
      });
    }));
  } else if (url.pathname.indexOf("/static/") >= 0) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.indexOf("/api/v1/") >= 0) {
    // The app's reads (its tasks, today's figures): fresh when possible, the last answer offline.
    event.respondWith(networkFirst(request, DATA).catch(function () {
      return new Response(JSON.stringify({ error: { code: "offline", message: "offline", details: null } }),
                          { status: 503, headers: { "Content-Type": "application/json" } });
    }));
  }
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "forget-data") event.waitUntil(caches.delete(DATA));
});

// Where the browser has background sync, the network's return wakes the open pages to send.
self.addEventListener("sync", function (event) {
  if (event.tag !== "gridmap-outbox") return;
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (clients) {
    clients.forEach(function (client) { client.postMessage({ type: "flush" }); });
  }));
});
