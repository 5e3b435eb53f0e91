// Till screen: keypad, overlays and live updates (Server-Sent Events). Customer text is only ever set with
// textContent, never as HTML.
(function () {
  "use strict";
  var body = document.body;
  var base = body.dataset.base.replace(/\/$/, "");
  var csrf = body.dataset.csrf;
  var confirmAbove = parseInt(body.dataset.confirmAbove, 10);
  var T = JSON.parse(document.getElementById("till-text").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var DRILL_CENTS = 1200;  // the amount every drill asks for
  var digits = "", lines = [], category = null, customer = null, pendingReward = null, pendingFromPool = false, managerAction = null;

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }
  var lang = document.documentElement.lang || "fr";
  var money = new Intl.NumberFormat(lang, { style: "currency", currency: "EUR" });
  var decimal = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  var plurals = new Intl.PluralRules(lang);  // French says "0 point" and "1 point", English "1 point"
  function counted(forms, n) { return forms[plurals.select(n)] || forms.other; }
  function euros(cents) { return money.format(cents / 100); }
  function number(value) { return decimal.format(value); }
  // The screen explains an error by its most specific code it knows (never the server's English text).
  function explain(kinds) {
    var found = (kinds || []).filter(function (k) { return T.errors[k]; })[0];
    return T.errors[found || "KioskError"];
  }
  function topOverlay() {
    var open = Array.prototype.filter.call(document.querySelectorAll(".overlay"), function (o) { return !o.hidden; });
    return open[open.length - 1] || null;
  }
  // Said where the cashier's eyes are: inside the overlay on top, else on the sale screen's message line.
  function say(text, isError) {
    var overlay = topOverlay();
    var line = overlay ? overlay.querySelector(".overlay-error") : null;
    if (line) {
      line.textContent = text || "";
      line.className = "overlay-error" + (isError ? " error" : "");
      line.hidden = !text;
      if (!isError && !text) { return; }
    }
    if (!line || !isError) {
      $("message").textContent = text || "";
      $("message").className = "message" + (isError ? " error" : "");
    }
  }
  function show(id, on) { $(id).hidden = !on; }
  function clearOverlayErrors(overlay) {
    overlay.querySelectorAll(".overlay-error").forEach(function (p) { p.textContent = ""; p.hidden = true; });
  }
  function openOverlay(id) { clearOverlayErrors($(id)); show(id, true); }
  function closeOverlays() {
    document.querySelectorAll(".overlay").forEach(function (o) { o.hidden = true; clearOverlayErrors(o); });
  }

  function call(method, path, data) {
    var headers = { "Accept": "application/json" };
    if (method === "POST") { headers["Content-Type"] = "application/json"; headers["X-CSRFToken"] = csrf; }
    return fetch(base + path, { method: method, headers: headers, credentials: "same-origin",
                               body: method === "POST" ? JSON.stringify(data || {}) : undefined })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.status === 403 && answer.error === "NotSignedIn") { location.href = base + "/signin"; }
          if (!response.ok) {
            var error = new Error(answer.message || ("HTTP " + response.status));
            error.kind = answer.error;
            error.kinds = answer.kinds || (answer.error ? [answer.error] : []);
            throw error;
          }
          return answer;
        });
      }, function () {
        var lost = new Error("network");
        lost.kind = "network"; lost.kinds = ["network"];
        throw lost;
      });
  }
  function post(path, data) {
    return call("POST", path, data).catch(function (error) { say(explain(error.kinds), true); throw error; });
  }

  // -- amount keypad ---------------------------------------------------------------------------------------
  function currentCents() { return digits ? parseInt(digits, 10) : 0; }
  function total() { return lines.reduce(function (s, l) { return s + l[1]; }, 0) + currentCents(); }
  function catName(cat) {
    var button = document.querySelector(".cat[data-cat='" + cat + "']");
    return button ? button.textContent : cat;
  }
  function renderAmount() {
    $("amount").textContent = euros(total());
    $("lines").textContent = lines.map(function (l) { return catName(l[0]) + " " + euros(l[1]); }).join(" + ");
  }
  function keyedLines() {
    var all = {};
    lines.concat(currentCents() > 0 ? [[category || "general", currentCents()]] : []).forEach(function (l) {
      all[l[0]] = (all[l[0]] || 0) + l[1];
    });
    return all;
  }
  function clearKeyed() { digits = ""; lines = []; renderAmount(); }
  document.querySelectorAll("#keypad .key").forEach(function (key) {
    key.addEventListener("click", function () {
      var k = key.dataset.key;
      if (k === "C") { digits = ""; lines = []; } else { digits = (digits + k).replace(/^0+/, "").slice(0, 7); }
      renderAmount();
    });
  });
  document.querySelectorAll(".cat").forEach(function (button) {
    if (button.classList.contains("current")) { category = button.dataset.cat; }
    button.addEventListener("click", function () {
      document.querySelectorAll(".cat").forEach(function (b) { b.classList.remove("current"); b.setAttribute("aria-pressed", "false"); });
      button.classList.add("current");
      button.setAttribute("aria-pressed", "true");
      category = button.dataset.cat;
    });
  });
  if ($("add-line")) {
    $("add-line").addEventListener("click", function () {
      if (currentCents() > 0) { lines.push([category, currentCents()]); digits = ""; renderAmount(); }
    });
  }
  $("sale-ok").addEventListener("click", function () {
    post("/api/sale", { lines: keyedLines() }).then(clearKeyed);
  });
  // The customer tapped while an amount was keyed but OK not pressed: that amount is credited to them now,
  // and said; if it cannot be, the amount stays keyed and the refusal is shown.
  function creditKeyed(c) {
    var keyed = total();
    post("/api/sale", { lines: keyedLines(), for_customer: c.customer_id }).then(function () {
      clearKeyed();
      $("message").textContent = fmt(T.keyed_credited, { amount: euros(keyed) });
      $("message").className = "message notice";
    }).catch(function () {});
  }
  $("sale-cancel").addEventListener("click", function () {
    digits = ""; lines = []; renderAmount(); post("/api/sale/cancel");
  });

  // -- what the till reports ---------------------------------------------------------------------------------
  function showCustomer(c, earned) {
    customer = c;
    show("customer", !!c);
    if (!c) { show("suggest", false); $("points-earned").textContent = ""; return; }
    $("customer-name").textContent = c.first_name && !c.balance_later ? c.first_name : fmt(T.card_only, { suffix: c.card_suffix });
    $("customer-points").textContent = c.points;
    $("customer-points-unit").textContent = counted(T.points_unit, c.points);
    show("customer-pool", !!c.pool);
    $("customer-pool").textContent = c.pool ? fmt(T.pool_balance, {
      pool_id: c.pool.pool_id,
      points: fmt(counted(T.points, c.pool.points), { n: c.pool.points }),
      members: fmt(counted(T.members, c.pool.members), { n: c.pool.members })
    }) : "";
    $("points-earned").textContent = earned === undefined ? "" : fmt(counted(T.earned, earned), { points: earned });
    $("customer-expiry").textContent = c.expiring ? fmt(T.expiring, c.expiring) : "";
    show("suggest", !!c.suggest);
    if (c.suggest) {
      $("suggest-label").textContent = T[c.suggest];
      $("ask-label").textContent = T[c.suggest];
      $("suggest-value").value = "";
      $("suggest-value").dataset.field = c.suggest;
    }
  }
  function showSale(sale) {
    $("prompt").textContent = sale ? fmt(T.tap, { amount: euros(sale.amount_cents) }) : T.idle;
    body.classList.toggle("waiting", !!sale);
  }
  var printerNow = "ok";
  function printerState(state) {
    printerNow = state;
    var text = state === "paper_out" || state === "cover_open" ? T.paper_out
      : state === "offline" || state === "absent" || state === "error" ? T.printer_offline : "";
    $("printer").textContent = text;
    show("printer", !!text);
  }
  function syncState(online) {
    $("sync").textContent = online ? T.online : T.offline;
    $("sync").className = "sync " + (online ? "online" : "offline");
  }

  var handlers = {
    sale: function (d) { showSale(d.sale); if (d.sale) { showCustomer(null); say(""); } },
    cleared: function (d) { showCustomer(null); showSale(d.sale); say(""); },
    customer: function (d) {
      closeOverlays(); showCustomer(d.customer); say(d.customer.balance_later ? T.balance_later : "");
      if (total() > 0 && !body.classList.contains("waiting")) { creditKeyed(d.customer); }
    },
    earned: function (d) {
      closeOverlays(); showSale(null); showCustomer(d.customer, d.points);
      say(d.repeat ? T.repeat : d.customer && d.customer.balance_later ? T.balance_later : "");
    },
    unknown_card: function (d) {
      showCustomer(null);
      if (d.cache_lost) { say(T.cache_lost); return; }
      if (d.capture === "off") { say(T.unknown); return; }
      openCapture(d.capture === "required");
    },
    skipped: function () { closeOverlays(); say(T.skipped); },
    redeemed: function (d) {
      closeOverlays(); showCustomer(d.customer);
      say(fmt(d.from_pool ? T.pool_redeemed : T.redeemed, { reward: d.reward.name, points: d.points_used }));
    },
    refunded: function (d) { closeOverlays(); if (d.customer) { showCustomer(d.customer); } say(fmt(T.refunded, d)); },
    refund_waiting: function () { closeOverlays(); say(T.refund_waiting); },
    undone: function (d) { closeOverlays(); if (d.customer) { showCustomer(d.customer); } say(T.undone); },
    error: function (d) { say(explain(d.kinds || [d.kind]), true); },
    printer: function (d) { $("printer").textContent = explain(d.kinds || [d.kind]); show("printer", true); },
    mode: function () { location.reload(); },
    receipt_scanned: function (d) { openRefund(d.receipt); },
    drill: function (d) {
      closeOverlays();
      $("drill-panel").textContent = fmt(T.drill_steps[d.drill] || T.drill_started, { amount: euros(DRILL_CENTS) });
      $("drill-panel").className = "drill-panel";
      show("drill-panel", true);
    },
    drill_done: function (d) {
      var text = fmt(T.drill_done, { seconds: number(d.seconds), score: d.score });
      $("drill-panel").textContent = text;
      $("drill-panel").className = "drill-panel done";
      show("drill-panel", true);
      $("drill-result").textContent = text;
    }
  };

  var claimsShown = "";  // said once per new held card link, not at every sync round
  function listen() {
    var source = new EventSource(base + "/events");
    source.addEventListener("till", function (e) {
      var data = JSON.parse(e.data);
      if (handlers[data.event]) { handlers[data.event](data); }
    });
    source.addEventListener("status_changed", function (e) {
      var data = JSON.parse(e.data);
      if (data.device === "printer") { printerState(data.state); }
    });
    source.addEventListener("print_job", function (e) {
      var data = JSON.parse(e.data);
      jobStates[data.payload] = data.detail;
      if (data.payload === summaryJob) { summaryState(data.detail); }
    });
    source.addEventListener("sync_status", function (e) {
      var data = JSON.parse(e.data);
      syncState(data.state === "idle" || data.state === "syncing");
      if (data.state === "idle" && !$("cache-lost").hidden) {  // a pull may have rebuilt the cache
        call("GET", "/api/state").then(function (s) { show("cache-lost", !!s.till.cache_lost); }).catch(function () {});
      }
      var claims = (data.card_claims || []).join(", ");
      if (claims && claims !== claimsShown) { claimsShown = claims; say(fmt(T.card_claims, { cards: claims })); }
    });
    source.onopen = function () { refresh().then(function () { body.dataset.live = "yes"; }); };
    source.onerror = function () { body.dataset.live = "no"; };
  }
  function refresh() {
    return call("GET", "/api/state").then(function (s) {
      showSale(s.till.sale);
      if (s.till.customer) { showCustomer(s.till.customer); }
      syncState(s.till.online);
      show("cache-lost", !!s.till.cache_lost);
      if (s.devices && s.devices.printer) { printerState(s.devices.printer); }
    }).catch(function () {});
  }

  // -- new customer ------------------------------------------------------------------------------------------
  var focused = null;
  function withKeyboard(overlay) {
    $(overlay).querySelector(".osk-slot").appendChild($("osk"));
  }
  function openCapture(required) {
    closeOverlays();
    withKeyboard("capture");
    ["first-name", "last-name", "phone", "email"].forEach(function (id) { $(id).value = ""; });
    $("duplicates").textContent = "";
    show("capture-skip", !required);
    openOverlay("capture");
    focused = $("first-name");
    focused.focus();
  }
  var rows = ["1234567890", "AZERTYUIOP", "QSDFGHJKLM", "WXCVBN-'É@.", "⇧␣⌫"];
  var upper = true;
  rows.forEach(function (row) {
    var line = document.createElement("div");
    line.className = "osk-row";
    Array.from(row).forEach(function (ch) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "osk-key" + (ch === "␣" ? " wide" : "");
      b.textContent = ch;
      b.addEventListener("mousedown", function (e) { e.preventDefault(); });
      b.addEventListener("click", function () {
        var field = focused || $("first-name");
        if (ch === "⌫") { field.value = field.value.slice(0, -1); }
        else if (ch === "⇧") { upper = !upper; }
        else if (ch === "␣") { field.value += " "; }
        else {
          var letter = upper ? ch : ch.toLowerCase();
          field.value += letter;
          if (upper && field.value.length === 1 && !field.dataset.caps) { upper = false; }  // names: capital first
        }
        field.dispatchEvent(new Event("input"));
      });
      line.appendChild(b);
    });
    $("osk").appendChild(line);
  });
  ["first-name", "last-name", "phone", "email", "suggest-value", "refund-ref", "refund-amount"].forEach(function (id) {
    $(id).addEventListener("focus", function () { focused = $(id); upper = !!$(id).dataset.caps || $(id).value === ""; });
  });
  var lookup = null;
  ["first-name", "last-name", "phone", "email"].forEach(function (id) {
    $(id).addEventListener("input", function () {
      clearTimeout(lookup);
      var q = $(id).value;
      lookup = setTimeout(function () {
        call("GET", "/api/duplicates?q=" + encodeURIComponent(q)).then(function (answer) {
          var list = $("duplicates");
          list.textContent = "";
          answer.found.forEach(function (f) {
            var li = document.createElement("li");
            li.textContent = [f.first_name, f.last_name, f.phone, f.email, f.card_suffix && "…" + f.card_suffix,
                              f.same_contact && T.same_contact].filter(Boolean).join(" · ");
            li.addEventListener("click", function () {  // the customer is already known: open them
              post("/api/customer/open", { customer_id: f.customer_id }).then(function () { show("capture", false); });
            });
            list.appendChild(li);
          });
        }).catch(function () {});
      }, 120);
    });
  });
  // One touch says the customer agreed, once asked, and saves: the till records the consent with its text's
  // version and time. The customer's refusal is the other button: the sale goes on without capture.
  $("capture-save").addEventListener("click", function () {
    post("/api/register", { first_name: $("first-name").value, consent: true,
                            last_name: $("last-name").value, phone: $("phone").value, email: $("email").value })
      .then(function () { show("capture", false); });
  });
  $("capture-skip").addEventListener("click", function () {
    call("POST", "/api/skip", {}).catch(function (error) {
      say(explain(error.kinds), true);
      if (error.kinds.indexOf("ManagerPinRequired") >= 0) {
        askManager(function (pin) { return post("/api/skip", { manager_pin: pin }); }, explain(error.kinds));
      }
    });
  });
  $("suggest-open").addEventListener("click", function () {
    closeOverlays();
    withKeyboard("ask");
    openOverlay("ask");
    focused = $("suggest-value");
    focused.focus();
  });
  $("suggest-save").addEventListener("click", function () {
    var input = $("suggest-value");
    post("/api/profile", { customer_id: customer.customer_id, field: input.dataset.field, value: input.value })
      .then(function (d) {  // the answer on screen at once: a first name given now replaces the card's number
        closeOverlays(); if (d.customer) { showCustomer(d.customer); } show("suggest", false); say(T.saved);
      });
  });

  // -- reward, refund, undo, reprint, training -----------------------------------------------------------
  $("open-redeem").addEventListener("click", function () {
    var list = $("rewards");
    list.textContent = "";
    show("redeem-confirm", false);
    $("redeem").classList.remove("confirming");
    var rewards = customer ? customer.rewards : [];
    var fromPool = customer && customer.pool_rewards ? customer.pool_rewards : [];
    if (!rewards.length && !fromPool.length) { var p = document.createElement("li"); p.textContent = T.no_rewards; list.appendChild(p); }
    rewards.map(function (r) { return [r, false]; }).concat(fromPool.map(function (r) { return [r, true]; })).forEach(function (pair) {
      var r = pair[0], pool = pair[1];
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button"; b.className = "tool reward"; b.dataset.reward = r.reward_id;
      if (pool) { b.dataset.fromPool = "1"; }
      b.textContent = pool ? fmt(T.pool_reward, r) : r.name + " — " + r.points + " pts";
      b.addEventListener("click", function () {
        pendingReward = r; pendingFromPool = pool;
        $("redeem-question").textContent = fmt(pool ? T.pool_confirm : T.confirm, { reward: r.name, points: r.points }) +
          (r.points > confirmAbove ? " " + fmt(T.pin_needed, { limit: confirmAbove }) : "");
        $("redeem-pin").value = "";
        show("redeem-pin", r.points > confirmAbove);
        show("redeem-pinpad", r.points > confirmAbove);  // a touch screen types the PIN on its own keypad
        $("redeem").classList.toggle("confirming", r.points > confirmAbove);
        show("redeem-confirm", true);
      });
      li.appendChild(b);
      list.appendChild(li);
    });
    openOverlay("redeem");
  });
  $("redeem-ok").addEventListener("click", function () {
    post("/api/redeem", { reward_id: pendingReward.reward_id, pin: $("redeem-pin").value || null,
                          from_pool: pendingFromPool });
  });
  // -- refund: by scanning the receipt's code, by picking one of this till's last receipts, or typed ------
  // Euros typed as "12,5" or "12.05" to whole cents by their digits, never through a float; anything else
  // is sent as -1, which the till refuses as an amount.
  function centsOf(text) {
    var found = /^(\d{1,7})(?:[.,](\d{1,2}))?$/.exec(text);
    return found ? parseInt(found[1], 10) * 100 + parseInt(((found[2] || "") + "00").slice(0, 2), 10) : -1;
  }
  function refundData() {
    var raw = $("refund-amount").value.trim();
    var data = { receipt_ref: $("refund-ref").value.trim() };
    if (raw) { data.refund_cents = centsOf(raw); }
    return data;
  }
  function listReceipts() {
    var list = $("recent-receipts");
    list.textContent = "";
    call("GET", "/api/receipts").then(function (answer) {
      if (!answer.receipts.length) {
        var none = document.createElement("li"); none.textContent = T.no_receipts; list.appendChild(none);
      }
      answer.receipts.forEach(function (r) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button"; b.className = "tool receipt-pick"; b.dataset.ref = r.receipt_ref;
        b.textContent = fmt(T.receipt_row, { at: r.at, name: r.first_name || "—", amount: euros(r.amount_cents), points: r.points }) +
          (r.left_cents <= 0 ? " · " + T.receipt_done : "");
        b.disabled = r.left_cents <= 0;
        b.addEventListener("click", function () { $("refund-ref").value = r.receipt_ref; askRefund(); });
        li.appendChild(b);
        list.appendChild(li);
      });
    }).catch(function () {});
  }
  function openRefund(receipt) {
    closeOverlays();
    withKeyboard("refund");
    $("refund-ref").value = receipt ? receipt.receipt_ref : "";
    $("refund-amount").value = "";
    show("refund-confirm", false);
    show("refund-ok", true);
    $("refund").classList.remove("typing");
    openOverlay("refund");
    listReceipts();
    focused = $("refund-ref");
    if (receipt) { askRefund(); }
  }
  function askRefund() {
    var data = refundData();
    clearOverlayErrors($("refund"));
    if (!data.receipt_ref) { say(T.errors.UnknownReceipt, true); return; }
    $("refund-question").textContent = fmt(T.refund_question, {
      ref: data.receipt_ref, amount: data.refund_cents === undefined ? T.refund_all : euros(data.refund_cents) });
    show("refund-ok", false);
    show("refund-confirm", true);
  }
  $("open-refund").addEventListener("click", function () { openRefund(null); });
  $("refund-ok").addEventListener("click", askRefund);
  // Typing is the fallback: the screen keyboard takes the place of the list of receipts while it is used.
  ["refund-ref", "refund-amount"].forEach(function (id) {
    $(id).addEventListener("input", function () { show("refund-confirm", false); show("refund-ok", true); });
    $(id).addEventListener("focus", function () { $("refund").classList.add("typing"); });
  });
  $("refund-confirm-ok").addEventListener("click", function () {
    var data = refundData();
    post("/api/refund", data).catch(function (error) {
      if ((error.kinds || []).indexOf("ReceiptNeedsCentral") >= 0) {  // a manager may note it for when central answers
        askManager(function (pin) { data.later = true; data.manager_pin = pin; return post("/api/refund", data); },
                   explain(error.kinds));
      }
    });
  });
  // -- cancel the last operation: asked first; after its time, a manager's PIN right there ----------------
  $("undo").addEventListener("click", function () {
    closeOverlays();
    $("undo-question").textContent = T.undo_question;
    $("undo-pin").value = "";
    show("undo-manager", false);
    show("undo-pinpad", false);
    openOverlay("undo-box");
  });
  $("undo-ok").addEventListener("click", function () {
    var pin = $("undo-pin").value;
    call("POST", "/api/undo", pin ? { manager_pin: pin } : {}).catch(function (error) {
      say(explain(error.kinds), true);
      if (error.kinds.indexOf("UndoNeedsManager") >= 0 || (pin && error.kinds.indexOf("SignInRefused") >= 0)) {
        $("undo-question").textContent = T.undo_manager;
        $("undo-pin").value = "";
        show("undo-manager", true);
        show("undo-pinpad", true);
      }
    });
  });
  document.querySelectorAll(".overlay .pinpad").forEach(function (pad) {
    pad.querySelectorAll(".key").forEach(function (b) {
      b.addEventListener("click", function () {
        var pin = $(pad.dataset.target), k = b.dataset.key;
        pin.value = k === "C" ? "" : k === "⌫" ? pin.value.slice(0, -1) : (pin.value + k).slice(0, 8);
      });
    });
  });
  function askManager(action, why) {
    managerAction = action;
    $("manager-pin").value = "";
    openOverlay("manager");
    if (why) { say(why, true); }
  }
  $("manager-ok").addEventListener("click", function () {
    if (managerAction) { managerAction($("manager-pin").value).then(function () { show("manager", false); }).catch(function () {}); }
  });
  $("reprint").addEventListener("click", function () { post("/api/reprint").then(function () { say(T.printer_ok); }); });
  // -- today's summary, made by central, on the receipt printer (managers only) -----------------------------
  var summaryJob = null, jobStates = {};
  function printerTrouble() {
    return printerNow === "paper_out" || printerNow === "cover_open" ? T.summary_paper_out
      : printerNow === "offline" || printerNow === "absent" || printerNow === "error" ? T.summary_printer_offline : "";
  }
  function summaryState(state) {
    if (state === "printed") { summaryJob = null; say(T.summary_printed); }
    else if (state === "held") { say(printerTrouble() || T.summary_paper_out); }
    else if (state === "expired" || state === "discarded") { summaryJob = null; say(T.summary_not_printed, true); }
  }
  if ($("daily-summary")) {
    $("daily-summary").addEventListener("click", function () {
      say(T.summary_asking);
      call("POST", "/api/daily-summary", {}).then(function (answer) {
        summaryJob = answer.job_id;
        if (answer.printer) { printerState(answer.printer); }
        say(printerTrouble() || T.summary_printing);
        if (jobStates[summaryJob]) { summaryState(jobStates[summaryJob]); }  // its news came before the answer
      }).catch(function (error) {
        say(T.summary_errors[error.kind] || explain(error.kinds), true);
      });
    });
  }
  function showChecklist() {
    call("GET", "/api/checklist").then(function (answer) {
      answer.checklist.forEach(function (row) {
        var cell = document.querySelector("[data-best='" + row.drill + "']");
        if (cell) { cell.textContent = row.best ? "✓ " + number(row.best.seconds) + " s · " + row.best.score + "/100" : "—"; }
      });
    }).catch(function () {});
  }
  $("training").addEventListener("click", function () {
    if (body.querySelector(".training-banner")) { showChecklist(); openOverlay("drills"); return; }
    post("/api/training", { on: true });
  });
  $("training-off").addEventListener("click", function () { post("/api/training", { on: false }); });
  document.querySelectorAll(".drill").forEach(function (b) {
    b.addEventListener("click", function () { post("/api/drill", { drill: b.dataset.drill }); });
  });
  document.querySelectorAll(".overlay .close").forEach(function (b) {
    b.addEventListener("click", closeOverlays);
  });

  // Signed out after the session timeout without a touch (the server forgets the session too).
  var idle = null, timeoutMs = parseInt(body.dataset.timeout, 10) * 1000;
  function touched() {
    clearTimeout(idle);
    idle = setTimeout(function () { location.href = base + "/signin"; }, timeoutMs);
  }
  document.addEventListener("pointerdown", touched, true);
  touched();

  renderAmount();
  listen();
})();
