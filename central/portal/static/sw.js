// The portal's service worker: pages from the network first, the last copy when the network fails,
// and the shell (style, script, icon, offline page) from the cache. Never caches a form's answer.
"use strict";
var CACHE = "portal-v1";
var SHELL = ["/portal/static/portal.css", "/portal/static/portal.js", "/portal/static/icon.svg", "/portal/offline"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).pathname.indexOf("/portal/") !== 0) {
    return;
  }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && request.mode === "navigate") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) {
      return hit || (request.mode === "navigate" ? caches.match("/portal/offline") : Response.error());
    });
  }));
});
