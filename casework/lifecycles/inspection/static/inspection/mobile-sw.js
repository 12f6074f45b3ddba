/* 移动监管执法 — the service worker.  Served by the view at …/m/sw.js, which puts self.XT_CONFIG
 * (version, scope, shell files, pages, offline page, the store script) in front of this file.
 *
 * - the app shell (CSS, JS, icons) from the cache, refreshed when the version changes;
 * - pages under the scope: network first, the last copy when offline, else the offline page;
 * - results queued on the phone: sent on Background Sync (and by the pages when back online). */
/* global XTStore */
"use strict";

var C = self.XT_CONFIG;
importScripts(C.store);

var SHELL = "xt-shell-" + C.version;
var PAGES = "xt-pages";

function cachePages(cache) {
  return Promise.all(C.pages.map(function (url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (response.ok && !response.redirected) return cache.put(url, response);
    }).catch(function () {});
  }));
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) { return cache.addAll(C.shell); })
      .then(function () { return caches.open(PAGES); })
      .then(cachePages)
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) { return key.indexOf("xt-shell-") === 0 && key !== SHELL; })
        .map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function fromShell(request) {
  return caches.match(request, { cacheName: SHELL }).then(function (hit) {
    return hit || fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

function networkFirst(request) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && response.type === "basic") {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { cacheName: PAGES }).then(function (hit) {
      return hit || caches.match(C.offline, { cacheName: PAGES }).then(function (page) {
        return page || Response.error();
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;  // uploads go to the network (the queue retries them)
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (C.shell.indexOf(url.pathname) >= 0) {
    event.respondWith(fromShell(request));
    return;
  }
  if (request.mode === "navigate" && url.pathname.indexOf(C.scope) === 0) {
    event.respondWith(networkFirst(request));
  }
});

function tellPages(summary) {
  return self.clients.matchAll({ type: "window" }).then(function (windows) {
    windows.forEach(function (client) { client.postMessage({ type: "xt-flushed", summary: summary }); });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === XTStore.SYNC_TAG) {
    event.waitUntil(XTStore.flush().then(function (summary) {
      if (summary.waiting) throw new Error("still waiting");  // the browser tries again later
      return tellPages(summary);
    }));
  }
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "flush") {
    event.waitUntil(XTStore.flush().then(tellPages));
  }
});
