/* The kiosk screen: fragments from the server replace #screen; taps, removals and scans arrive by SSE.
   Nothing personal stays on screen: card removal, "Finish" and the idle timer all return to the idle screen. */
(function () {
  "use strict";
  var screen = document.getElementById("screen");
  var base = document.body.dataset.base;
  var idleMs = Number(document.body.dataset.idleTimeout || 30) * 1000;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var lang = document.documentElement.lang;
  var lastGet = base + "screen/idle";
  var idleTimer = null;
  var generation = 0;

  function withLang(url) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "lang=" + encodeURIComponent(lang);
  }

  function put(html, getUrl) {
    screen.innerHTML = html;
    var section = screen.firstElementChild;
    if (getUrl) { lastGet = getUrl; }
    else if (section && section.dataset.card) { lastGet = base + "screen/card/" + encodeURIComponent(section.dataset.card); }
    armIdle();
    screen.querySelectorAll("[data-load]").forEach(function (slot) {
      var mine = generation;
      fetch(withLang(slot.dataset.load), {cache: "no-store"}).then(function (r) { return r.text(); })
        .then(function (html) { if (mine === generation && slot.isConnected) { slot.innerHTML = html; } });
    });
  }

  function load(url, options) {
    var mine = ++generation;
    return fetch(withLang(url), Object.assign({credentials: "same-origin", cache: "no-store"}, options || {}))
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (mine === generation) { put(html, options && options.method === "POST" ? null : url); }
      });
  }

  function post(url, data) {
    return load(url, {method: "POST", body: data, headers: {"X-CSRFToken": csrf}});
  }

  function idle() {
    generation++;
    screen.innerHTML = "";
    clearTimeout(idleTimer);
    idleTimer = null;
    lastGet = base + "screen/idle";
    post(base + "screen/end", new FormData());
  }

  function armIdle() {
    clearTimeout(idleTimer);
    var section = screen.firstElementChild;
    if (section && section.dataset.screen !== "idle") { idleTimer = setTimeout(idle, idleMs); }
  }

  document.addEventListener("pointerdown", armIdle, true);
  document.addEventListener("keydown", armIdle, true);

  screen.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) { return; }
    if (target.hasAttribute("data-end")) { event.preventDefault(); idle(); return; }
    if (target.dataset.go) { event.preventDefault(); load(target.dataset.go); return; }
    if (target.dataset.key) {
      var input = document.getElementById("first-name");
      if (target.dataset.key === "BACK") { input.value = input.value.slice(0, -1); }
      else if (input.value.length < 40) { input.value += target.dataset.key; }
    }
  });

  screen.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-post]");
    if (!form) { return; }
    event.preventDefault();
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    post(form.dataset.post, new FormData(form));
  });

  document.querySelectorAll("[data-lang]").forEach(function (button) {
    if (button.tagName !== "BUTTON") { return; }
    button.addEventListener("click", function () {
      lang = button.dataset.lang;
      document.documentElement.lang = lang;
      document.querySelectorAll(".k-lang").forEach(function (b) { b.classList.toggle("current", b === button); });
      var brand = document.querySelector(".k-brand");  /* the header speaks the shopper's language too */
      if (brand && brand.getAttribute("data-brand-" + lang)) {
        brand.textContent = brand.getAttribute("data-brand-" + lang);
        document.querySelector(".k-langs").setAttribute("aria-label", brand.getAttribute("data-langs-" + lang));
      }
      load(lastGet);
      listen();
    });
  });

  var source = null;
  function listen() {
    if (source) { source.close(); }
    source = new EventSource(withLang(base + "events"));  /* the stream renders taps in this language */
    source.addEventListener("card", function (event) {
      var data = JSON.parse(event.data);
      var url = base + "screen/card/" + encodeURIComponent(data.uid);
      if (data.html) { generation++; put(data.html, url); } else { load(url); }
    });
    source.addEventListener("removed", function (event) {
      var section = screen.firstElementChild;
      var uid = JSON.parse(event.data).uid;
      if (section && section.dataset.card && section.dataset.card !== uid) { return; }  /* a phone card session */
      idle();
    });
    source.addEventListener("qr", function (event) {
      var data = new FormData();
      data.append("payload", JSON.parse(event.data).payload || "");
      post(base + "screen/qr", data);
    });
    source.addEventListener("open", function () { document.body.dataset.live = "yes"; });
  }
  listen();
}());
