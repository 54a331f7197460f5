/* Optional: Send sends once; an answer given offline waits in IndexedDB and is sent later.
 * For any form id="survey" (the counter page, the kiosk: data-kiosk) with its texts in
 * id="offline" (surveys/citizen/_offline.html). How and why: README.md, "Offline". */
(function () {
  "use strict";
  var DB = "sukma-offline";
  var STORE = "answers";
  var SPENT = "sukma-spent-keys";
  var RETRY_MS = 30000;
  var SEND_TIMEOUT_MS = 30000; // slower than this on a bad line: keep it and resend (same key)
  var syncing = false;
  var note = "";

  function form() { return document.getElementById("survey"); }
  function box() { return document.getElementById("offline"); }
  function kiosk(f) { return f.hasAttribute("data-kiosk") || location.pathname.indexOf("/kiosk/") === 0; }
  function text(name) { var b = box(); return (b && b.getAttribute("data-" + name)) || ""; }
  var capable = !!(window.fetch && window.indexedDB && window.URLSearchParams && window.DOMParser);

  // ------------------------------------------------------------ IndexedDB
  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function store(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function all() { return store("readonly", function (s) { return s.getAll(); }); }
  function put(item) { return store("readwrite", function (s) { return s.put(item); }); }
  function remove(key) { return store("readwrite", function (s) { return s.delete(key); }); }

  // ------------------------------------------------------------ the form
  function newKey() {
    var bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_");
  }
  function spent() {
    try { return JSON.parse(localStorage.getItem(SPENT) || "[]"); } catch (e) { return []; }
  }
  function spend(key) {
    var keys = spent().filter(function (k) { return k !== key; }).concat([key]);
    try { localStorage.setItem(SPENT, JSON.stringify(keys.slice(-200))); } catch (e) { /* private mode */ }
  }
  function freshKey(f) {
    var input = f.elements.key;
    if (input && (!input.value || spent().indexOf(input.value) >= 0)) input.value = newKey();
  }
  function day(date) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate());
  }
  /* A kept page shows the day it was served: move an untouched date (and its bounds) to today. */
  function freshDate(f) {
    var input = f.elements.service_date;
    var today = day(new Date());
    if (!input || !input.max || input.max >= today) return;
    var oldest = new Date();
    oldest.setDate(oldest.getDate() - 30);
    if (input.value === input.defaultValue) { input.defaultValue = today; input.value = today; }
    input.max = today;
    input.min = day(oldest);
  }
  function button(f) { return f.querySelector("button[type=submit], button:not([type])"); }
  function hold(f) {
    var b = button(f);
    f.setAttribute("data-sending", "1");
    if (!b) return;
    b.disabled = true;
    if (!b.hasAttribute("data-label")) b.setAttribute("data-label", b.textContent);
    b.textContent = text("sending") || b.textContent;
  }
  function release(f) {
    var b = button(f);
    f.removeAttribute("data-sending");
    if (!b) return;
    b.disabled = false;
    if (b.hasAttribute("data-label")) b.textContent = b.getAttribute("data-label");
  }
  function fields(f, offline) {
    var data = new URLSearchParams();
    new FormData(f).forEach(function (value, name) { data.append(name, value); });
    if (offline) {
      data.set("answered_at", new Date().toISOString());
      var date = f.elements.service_date;
      if (date && date.value === date.defaultValue) data.set("service_date", ""); // the day answered
    }
    if (!data.get("key")) data.set("key", newKey());
    return data;
  }

  // ------------------------------------------------------------ sending now
  function onSubmit(event) {
    var f = event.target;
    if (!f || f.id !== "survey") return;
    if (f.hasAttribute("data-sending")) { event.preventDefault(); return; }
    hold(f);
    if (!capable) return; // the browser posts the form; the button stays disabled
    event.preventDefault();
    if (f.elements.key) spend(f.elements.key.value);
    if (navigator.onLine === false) { queue(f).catch(function () { release(f); }); return; }
    var data = fields(f, false);
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, SEND_TIMEOUT_MS);
    fetch(f.action, { method: "POST", body: data, credentials: "same-origin", signal: controller && controller.signal })
      .then(function (response) {
        clearTimeout(timer);
        if (response.redirected && response.ok) { location.assign(response.url); return null; }
        return response.text().then(replacePage);
      }, function () { clearTimeout(timer); return queue(f); })
      .catch(function () { release(f); });
  }
  /* A page the server sent, as a document to read (never rendered). Its inline <style>
     carries that response's nonce, not this page's: left in, Chrome reports it as refused
     by this page's Content-Security-Policy. Only the body is ever used. */
  function parse(html) {
    return new DOMParser().parseFromString(html.replace(/<style[\s\S]*?<\/style>/gi, ""), "text/html");
  }
  /* The server's answer (a refusal, "too many") in place of this page, as a plain post would. */
  function replacePage(html) {
    var doc = parse(html);
    document.title = doc.title;
    document.documentElement.className = doc.documentElement.className;
    document.documentElement.lang = doc.documentElement.lang;
    document.body.replaceWith(document.adoptNode(doc.body));
    window.scrollTo(0, 0);
    document.dispatchEvent(new CustomEvent("sukma:page"));
  }

  // ------------------------------------------------------------ the queue
  function queue(f) {
    var data = fields(f, true);
    var item = {
      key: data.get("key"),
      action: f.action,
      body: data.toString(),
      answeredAt: data.get("answered_at"),
      state: "waiting",
      reason: ""
    };
    return put(item).then(function () {
      note = text("saved");
      if (kiosk(f)) {
        f.reset();
        f.elements.key.value = newKey();
        freshDate(f);
        release(f);
        f.dispatchEvent(new Event("change"));
        if (location.hash) location.hash = ""; // back to the welcome screen, as after thanks
      } else {
        f.hidden = true;
      }
      window.scrollTo(0, 0);
      return render();
    });
  }
  function token() {
    return fetch(location.pathname, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var input = parse(html)
          .querySelector("input[name=csrfmiddlewaretoken]");
        if (!input) throw new Error("no token");
        return input.value;
      });
  }
  function reason(html, status) {
    var doc = parse(html);
    var seen = [];
    doc.querySelectorAll("#errors li, .alert li, .alert p, .err").forEach(function (e) {
      var t = e.textContent.replace(/\s+/g, " ").trim();
      if (t && seen.indexOf(t) < 0) seen.push(t);
    });
    return seen.join(" ") || "HTTP " + status;
  }
  function trackingCode(html) {
    var code = parse(html).getElementById("tracking-code");
    return code ? code.textContent.trim() : "";
  }
  /* The kiosk answers JSON when asked; the counter page answers pages. */
  function outcome(response, body) {
    var json = null;
    if ((response.headers.get("Content-Type") || "").indexOf("json") >= 0) {
      try { json = JSON.parse(body); } catch (e) { json = {}; }
    }
    if (response.ok && (json ? json.stored : response.redirected)) {
      return { sent: true, code: json ? json.tracking_code || "" : trackingCode(body) };
    }
    if (json && (json.errors || json.unregistered)) {
      var errors = json.errors || { all: [json.message] };
      var texts = Object.keys(errors).map(function (k) { return [].concat(errors[k]).join(" "); });
      return { refused: true, reason: texts.join(" ") };
    }
    if (response.status === 400 || response.status === 404) {
      return { refused: true, reason: reason(body, response.status) };
    }
    return {}; // 403 (a stale token), 429 (too many), 5xx: later
  }
  /* One waiting answer: true to go on with the next, false to stop until the next try. */
  function post(item, csrf) {
    var data = new URLSearchParams(item.body);
    data.set("csrfmiddlewaretoken", csrf);
    var headers = { Accept: "application/json, text/html;q=0.9" };
    return fetch(item.action, { method: "POST", body: data, credentials: "same-origin", headers: headers })
      .then(function (response) {
        return response.text().then(function (body) { return outcome(response, body); });
      })
      .then(function (result) {
        if (result.sent) {
          var shared = form() && kiosk(form());
          note = text("sent") + (result.code && !shared ? " " + text("code") + " " + result.code : "");
          return remove(item.key).then(function () { return true; });
        }
        if (result.refused) {
          item.state = "refused";
          item.reason = result.reason;
          return put(item).then(function () { return true; });
        }
        return false;
      }, function () { return false; });
  }
  function sync() {
    if (syncing || !capable || navigator.onLine === false) return Promise.resolve();
    syncing = true;
    return all().then(function (items) {
      var waiting = items.filter(function (i) { return i.state === "waiting"; });
      if (!waiting.length) return null;
      return token().then(function (csrf) {
        return waiting.reduce(function (previous, item) {
          return previous.then(function (goOn) { return goOn && post(item, csrf); });
        }, Promise.resolve(true));
      });
    }).catch(function () { /* no connection yet */ }).then(function () {
      syncing = false;
      return render();
    });
  }

  // ------------------------------------------------------------ what the page shows
  function when(item) {
    var date = new Date(item.answeredAt);
    return isNaN(date) ? "" : date.toLocaleString(document.documentElement.lang || undefined);
  }
  function render() {
    var b = box();
    if (!b || !capable) return Promise.resolve();
    return all().then(function (items) {
      var waiting = items.filter(function (i) { return i.state === "waiting"; }).length;
      var refused = items.filter(function (i) { return i.state === "refused"; });
      var count = b.querySelector(".offline-count");
      var list = b.querySelector(".offline-refused");
      b.querySelector(".offline-note").textContent = note;
      count.setAttribute("data-n", String(waiting));
      count.textContent = waiting ? text("waiting").replace("{n}", waiting) : "";
      list.textContent = "";
      refused.forEach(function (item) {
        var li = document.createElement("li");
        li.textContent = text("refused") + " " + when(item) + ": " + item.reason;
        list.appendChild(li);
      });
      b.hidden = !(note || waiting || refused.length);
    }).catch(function () { /* no IndexedDB (private mode): nothing to show */ });
  }

  // ------------------------------------------------------------ start
  function init() {
    var f = form();
    note = "";
    if (f) { freshKey(f); freshDate(f); }
    render();
  }
  /* After load, so that the first visit's bytes go to the page itself. */
  function register() {
    if (!("serviceWorker" in navigator) || !box()) return;
    var scope = "/" + location.pathname.split("/")[1] + "/";
    navigator.serviceWorker.register(text("worker") || "/sw.js", { scope: scope })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        if (registration.active) registration.active.postMessage({ keep: location.pathname });
      })
      .catch(function () { /* no service worker: the page still works online */ });
  }
  document.addEventListener("submit", onSubmit);
  document.addEventListener("sukma:page", init);
  window.addEventListener("pageshow", function (event) {
    var f = form();
    if (event.persisted && f) { release(f); freshKey(f); }
  });
  window.addEventListener("online", sync);
  setInterval(sync, RETRY_MS);
  // Loaded async: the page may be parsed, or even loaded, before this runs.
  function loaded() { setTimeout(register, 1000); sync(); }
  if (document.readyState === "complete") loaded(); else window.addEventListener("load", loaded);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
