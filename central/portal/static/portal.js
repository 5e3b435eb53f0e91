// Registers the service worker that keeps the portal usable on a poor connection.
"use strict";
(function () {
  var script = document.currentScript;
  if ("serviceWorker" in navigator && script) {
    navigator.serviceWorker.register(script.dataset.sw, { scope: "/portal/" }).catch(function () {});
  }
})();
