/* The survey's service worker: keeps the form pages and their assets so they open offline.
 *
 * Served by Django at /sw.js with VERSION and ASSETS written above this line
 * (sukma/surveys/citizen/pwa.py); registered by offline.js with the scope
 * /s/ (counter pages) or /kiosk/ (a paired tablet). It never touches a POST:
 * answers given offline wait in the page's IndexedDB queue (offline.js).
 *
 * Pages: only the form pages that asked to be kept (a message from
 * offline.js) are cached, keyed by path (?lang=en opens the same form).
 * Network first, so a page is never older than it must be; when the network
 * fails or is too slow the kept copy is shown. The kiosk's page says
 * no-store to the browser's HTTP cache; it is kept here all the same, as
 * the tablet must open it offline. Assets: from the cache (VERSION changes
 * when any of them changes), else the network.
 */
/* global VERSION, ASSETS */
"use strict";

var CACHE = "sukma-" + VERSION;
var PAGE_TIMEOUT_MS = 8000;  // a page this slow on a bad connection: show the kept copy

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    var old = names.filter(function (n) { return n.indexOf("sukma-") === 0 && n !== CACHE; });
    return carryPages(old).then(function () {
      return Promise.all(old.map(function (n) { return caches.delete(n); }));
    });
  }).then(function () { return self.clients.claim(); }));
});

/* The pages kept by the previous version stay available offline after an update. */
function carryPages(oldNames) {
  return caches.open(CACHE).then(function (cache) {
    return Promise.all(oldNames.map(function (name) {
      return caches.open(name).then(function (old) {
        return old.keys().then(function (requests) {
          return Promise.all(requests.filter(isPageRequest).map(function (request) {
            return old.match(request).then(function (r) { return r && cache.put(request, r); });
          }));
        });
      });
    }));
  });
}

function isPageRequest(request) {
  var path = new URL(request.url).pathname;
  return path.indexOf("/static/") !== 0;
}

/* A page asks to be kept (its first visit happened before this worker controlled it). */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.keep && typeof data.keep === "string" && data.keep.charAt(0) === "/") {
    event.waitUntil(keepPage(data.keep));
  }
});

function keepPage(path) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(path, { ignoreVary: true }).then(function (found) {
      if (found) return null;
      return fetch(path, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
        return keepable(r) ? cache.put(path, r) : null;
      }).catch(function () { return null; });
    });
  });
}

/* A form page worth keeping: a plain 200 page, not a redirect. Only the form pages ask to
 * be kept (offline.js runs on them): a thank-you page, with its tracking code, never is. */
function keepable(response) {
  if (!response || response.status !== 200 || response.type !== "basic" || response.redirected) return false;
  return (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  } else if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(url.pathname, { ignoreVary: true }).then(function (r) { return r || fetch(request); }));
  }
});

/* Network first; a kept page is refreshed by each visit and shown when the network fails. */
function page(request, url) {
  var kept = caches.match(url.pathname, { ignoreVary: true });
  var network = fetch(request).then(function (response) {
    var copy = keepable(response) && response.clone();
    kept.then(function (old) {
      if (old && copy) caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
    });
    return response;
  });
  return new Promise(function (resolve, reject) {
    var done = false;
    function fallback() {
      kept.then(function (r) {
        if (done) return;
        if (r) { done = true; resolve(r); }
      });
    }
    var timer = setTimeout(fallback, PAGE_TIMEOUT_MS);
    network.then(function (r) { clearTimeout(timer); if (!done) { done = true; resolve(r); } },
      function (error) {
        clearTimeout(timer);
        kept.then(function (r) {
          if (done) return;
          done = true;
          if (r) resolve(r); else reject(error);
        });
      });
  });
}
