// Virtual hardware panel: buttons post JSON to /panel/..., the page refreshes its state every 700 ms.
(function () {
  "use strict";
  var base = document.body.dataset.base.replace(/\/$/, "");
  var csrf = document.body.dataset.csrf;
  var message = document.getElementById("message");

  function say(text, isError) {
    message.textContent = text;
    message.className = isError ? "error" : "";
  }

  function post(path, body) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (csrf) { headers["X-CSRFToken"] = csrf; }
    return fetch(base + path, { method: "POST", headers: headers, body: JSON.stringify(body || {}) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok || data.ok === false) { throw new Error(data.message || ("HTTP " + response.status)); }
          return data;
        });
      })
      .then(function (data) { refresh(); return data; })
      .catch(function (error) { say(error.message, true); throw error; });
  }

  function item(parent, label, state, detail) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.textContent = label + " ";
    var badge = document.createElement("span");
    badge.className = "state " + state;
    badge.textContent = state;
    li.appendChild(name);
    li.appendChild(badge);
    if (detail) {
      var small = document.createElement("small");
      small.textContent = " " + detail;
      li.appendChild(small);
    }
    parent.appendChild(li);
    return li;
  }

  function render(state) {
    var devices = document.getElementById("devices");
    devices.replaceChildren();
    Object.keys(state.devices).forEach(function (name) {
      item(devices, name, state.devices[name].state, state.devices[name].detail);
    });
    var printer = state.devices.printer;
    document.getElementById("printer-state").textContent = printer ? printer.state : "?";
    var emulator = state.emulator || {};
    document.getElementById("card-on-reader").textContent = emulator.card || "none";
    var lights = document.getElementById("lights");
    lights.replaceChildren();
    Object.keys(emulator.lights || {}).forEach(function (name) {
      var span = document.createElement("span");
      span.className = "light " + name + (emulator.lights[name] ? " on" : "");
      span.textContent = name;
      lights.appendChild(span);
    });
    var jobs = document.getElementById("jobs");
    jobs.replaceChildren();
    state.jobs.slice(-10).forEach(function (job) {
      var li = item(jobs, job.job_id, job.state, job.reason);
      if (job.state === "held" || job.state === "expired") {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = "Reprint";
        button.className = "reprint";
        button.addEventListener("click", function () {
          post("/jobs/" + encodeURIComponent(job.job_id) + "/reprint").then(function () { say("Reprint queued"); });
        });
        li.appendChild(button);
      }
    });
    var receipts = document.getElementById("receipts");
    document.getElementById("receipt-count").textContent = state.receipts.length;
    if (receipts.childElementCount !== state.receipts.length) {
      receipts.replaceChildren();
      state.receipts.slice().reverse().forEach(function (receipt) {
        var pre = document.createElement("pre");
        pre.className = "receipt" + (receipt.complete ? "" : " torn");
        pre.textContent = receipt.text;
        receipts.appendChild(pre);
      });
    }
  }

  function refresh() {
    return fetch(base + "/state").then(function (r) { return r.json(); }).then(render)
      .catch(function () { say("Panel lost contact with the kiosk service", true); });
  }

  function value(id) { return document.getElementById(id).value.trim(); }
  function on(id, handler) { document.getElementById(id).addEventListener("click", handler); }

  on("present-card", function () {
    var uid = value("card-uid") || value("card-select");
    if (!uid) { say("Choose a demo card or type a UID", true); return; }
    post("/card", { uid: uid }).then(function (data) { say("Card " + data.uid + " on the reader"); });
  });
  on("remove-card", function () { post("/card/remove").then(function () { say("Card removed"); }); });
  on("scan-qr", function () {
    var payload = value("qr-payload");
    if (!payload) { say("Type the QR code content", true); return; }
    post("/scan", { payload: payload }).then(function () { say("QR code scanned"); });
  });
  [["paper-out", "Paper out"], ["paper-back", "Paper loaded"], ["unplug-printer", "Printer unplugged"],
   ["replug-printer", "Printer plugged in"]].forEach(function (pair) {
    var action = pair[0].replace("-printer", "");
    on(pair[0], function () { post("/printer/" + action).then(function () { say(pair[1]); }); });
  });

  refresh();
  setInterval(refresh, 700);
})();
