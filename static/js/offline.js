// Working without signal, on every page (issue 21 §1); no inline code (strict CSP).
// - Registers the service worker (/sw.js, templates/offline/sw.js) and, for a grid worker,
//   asks it to keep a fresh copy of their pages whenever the phone is online; the
//   households of their grid are kept here for the search box that works offline.
// - Shows the queue of visits made offline (static/js/offline-queue.js) in the bar under the
//   header: how many wait, each one's state, why one was refused and a link to fix it; sends
//   the queue when the network is back (Background Sync where the browser has it).
// - Forgets this phone's copies when another user or another post is on it; logout does it
//   on the server's word too (Clear-Site-Data), after a warning if visits still wait.
(function () {
  "use strict";
  var Q = window.PingxiangQueue;
  var DATA = "pingxiang.offlineData";
  var OWNER = "pingxiang.owner";
  var DRAFT = "pingxiang.visitDraft:";
  // Each refresh renders every household page of the grid again (and logs each view of its
  // members, SECURITY.md): once an hour while pages are opened, not on every page.
  var REFRESH_EVERY_MS = 60 * 60 * 1000;
  var STATES = { waiting: "等待发送", sending: "正在发送", saved: "已保存", refused: "未能保存" };
  var unsent = 0;

  function load(key) {
    try { return JSON.parse(window.localStorage.getItem(key)); } catch (e) { return null; }
  }
  function store(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, JSON.stringify(value)); }
    } catch (e) { /* storage full or disabled: the pages still work online */ }
  }
  function byId(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  // The CSRF token of now (its cookie), else the page's (a kept copy's may be older).
  function freshToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    var fallback = input ? input.value : null;
    return Q ? Q.csrfToken().then(function (t) { return t || fallback; }) : Promise.resolve(fallback);
  }
  // htmx's header on <body> too, for a page answered from the service worker's copy.
  function freshHeaders(body) {
    if (!Q) { return; }
    Q.csrfToken().then(function (token) {
      if (!token) { return; }
      var headers = {};
      try { headers = JSON.parse(body.getAttribute("hx-headers") || "{}"); } catch (e) { headers = {}; }
      headers["X-CSRFToken"] = token;
      body.setAttribute("hx-headers", JSON.stringify(headers));
    });
  }
  function note(text) {
    var box = byId("offline-note");
    if (!box) { return; }
    box.textContent = text || "";
    box.hidden = !text;
    show();
  }
  function show() {
    var bar = byId("offline-bar");
    if (!bar) { return; }
    var note = byId("offline-note");
    var queue = byId("offline-queue");
    var dated = byId("offline-dated");
    var net = byId("offline-net");
    bar.hidden = [note, queue, dated, net].every(function (n) { return !n || n.hidden; });
  }

  // --- The queue in the bar ---------------------------------------------------------------
  function itemRow(item) {
    var li = el("li", null, "queue-item queue-" + item.state);
    li.setAttribute("data-state", item.state);
    li.setAttribute("data-key", item.key);
    li.appendChild(el("span", item.label || "走访", "queue-label"));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", STATES[item.state] || item.state, "tag queue-state"));
    if (item.state === "refused") {
      li.appendChild(el("span", item.reason, "queue-reason"));
      if (!item.moved && item.form) {
        var fix = el("a", "打开修改");
        fix.href = item.form + "#queued=" + encodeURIComponent(item.key);
        li.appendChild(fix);
      }
      var drop = el("button", "删除这条", "linkbutton queue-drop");
      drop.type = "button";
      drop.setAttribute("data-drop", item.key);
      li.appendChild(drop);
    } else if (item.state === "saved" && item.url) {
      var open = el("a", "查看");
      open.href = item.url;
      li.appendChild(open);
    }
    return li;
  }
  function render() {
    if (!Q) { return Promise.resolve(); }
    return Q.all().then(function (items) {
      var box = byId("offline-queue");
      var list = byId("offline-queue-list");
      var count = byId("offline-queue-count");
      if (!box || !list || !count) { return; }
      unsent = items.filter(function (i) { return i.state !== "saved"; }).length;
      count.textContent = String(unsent);
      count.setAttribute("data-count", String(unsent));
      list.textContent = "";
      items.forEach(function (item) { list.appendChild(itemRow(item)); });
      box.hidden = items.length === 0;
      if (items.some(function (i) { return i.state === "refused"; })) { box.open = true; }
      show();
    }).catch(function () { /* no IndexedDB: nothing can be queued either */ });
  }

  // What a round of sending did, whoever sent (this page, or the service worker's sync).
  function told(summary) {
    if (!summary) { return; }
    if (summary.refused) {
      note("网络已恢复，但有 " + summary.refused + " 条待补发的走访未能保存，请点开“待发送走访”查看原因并修改。");
    } else if (!summary.left && summary.saved) {
      note("网络已恢复，待补发的走访已全部保存（" + summary.saved + " 条）。");
    }
  }

  var flushing = null;
  function flush() {
    if (!Q || navigator.onLine === false) { return render(); }
    if (flushing) { return flushing; }
    flushing = Q.all().then(function (items) {
      if (!items.some(function (i) { return i.state === "waiting" || i.state === "sending"; })) {
        return null;
      }
      return freshToken().then(function (token) {
        return Q.flush(token, function () { render(); });
      });
    }).then(function (summary) {
      flushing = null;
      told(summary);
      return render();
    }, function () { flushing = null; return render(); });
    return flushing;
  }

  // Called by the visit form after it queued a visit: a Background Sync sends it even if
  // the page is closed by then; the `online` handler below does otherwise.
  function queued() {
    render();
    if (navigator.serviceWorker && navigator.serviceWorker.ready) {
      navigator.serviceWorker.ready.then(function (reg) {
        if (reg.sync && reg.sync.register) { return reg.sync.register("px-visits"); }
        return null;
      }).catch(function () { /* no Background Sync: the next page opened sends it */ });
    }
  }

  // --- The service worker and its copies ----------------------------------------------------
  function worker(message) {
    if (!navigator.serviceWorker) { return Promise.resolve(null); }
    return navigator.serviceWorker.ready.then(function (reg) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data); };
        reg.active.postMessage(message, [channel.port2]);
      });
    });
  }
  function dropCopies() {
    store(DATA, null);
    var gone = window.caches ? window.caches.delete("px-pages").catch(function () {}) : Promise.resolve();
    return gone.then(function () { return worker({ type: "wipe" }); });
  }
  function forgetUser() {
    Object.keys(window.localStorage).forEach(function (k) {
      if (k.indexOf(DRAFT) === 0) { store(k, null); }
    });
    return Promise.all([dropCopies(), Q ? Q.wipe() : null]);
  }
  // Another user on this phone, or the same user in another post: their pages go (the queue
  // too for another user: nothing of one user is left for the next).
  function checkOwner(body) {
    var now = body.getAttribute("data-offline-owner") || "";
    var before = load(OWNER);
    if (!now) {
      // Logged out (the login page): no user's pages stay; a visit still waiting stays for
      // its user's next login (a session that ran out is no reason to lose it).
      return before ? dropCopies() : Promise.resolve();
    }
    store(OWNER, now);
    if (!before || before === now) { return Promise.resolve(); }
    var sameUser = before.split(":")[0] === now.split(":")[0];
    return sameUser ? dropCopies() : forgetUser();
  }

  // A page answered from the service worker's copy at once says when it was drawn; the
  // worker tells it when a newer copy is in (`newer`), and a tap shows that one.
  var COPY_AFTER_MS = 60 * 1000;
  var newerIn = false;
  function pageAge(body) {
    var at = Number(body.getAttribute("data-rendered-at") || 0) * 1000;
    return at ? Date.now() - at : 0;
  }
  function dated(newer) {
    newerIn = newerIn || newer === true;
    newer = newerIn;
    var body = document.body;
    var data = load(DATA);
    var line = byId("offline-dated");
    var net = byId("offline-net");
    if (net) { net.hidden = navigator.onLine !== false; }
    var label = null;
    if (body && body.getAttribute("data-rendered") && (newer || pageAge(body) > COPY_AFTER_MS)) {
      label = body.getAttribute("data-rendered");
    } else if (data && data.label) {
      label = data.label;
    }
    if (line && label) {
      line.textContent = "数据更新于 " + label;
      line.hidden = false;
      if (newer) {
        line.appendChild(document.createTextNode("，已取到新数据 "));
        var again = el("a", "刷新");
        again.href = window.location.href;
        again.setAttribute("data-newer", "1");
        line.appendChild(again);
      }
    }
    show();
  }

  function refresh(body) {
    var url = body.getAttribute("data-offline-bundle");
    var data = load(DATA);
    if (!url || navigator.onLine === false) { return; }
    if (data && Date.now() - (data.fetched || 0) < REFRESH_EVERY_MS) {
      body.setAttribute("data-offline-ready", "1");
      return;
    }
    window.fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (resp) {
      if (!resp.ok) { throw new Error("bundle " + resp.status); }
      return resp.json();
    }).then(function (bundle) {
      // The households (search) and the label are stored at once; the time of the refresh
      // only when the worker has kept the pages. A page opened before that (a quick tap on
      // a slow link, which may cut this page's message to the worker short) refreshes
      // again, instead of taking the pages for kept for the next hour.
      var fresh = { label: bundle.label, fetched: 0, households: bundle.households };
      store(DATA, fresh);
      dated();
      return worker({ type: "refresh", urls: bundle.pages }).then(function () {
        fresh.fetched = Date.now();
        store(DATA, fresh);
      });
    }).then(function () {
      body.setAttribute("data-offline-ready", "1");
    }).catch(function () { /* next time */ });
  }

  // --- Household search on the phone's copy -----------------------------------------------
  function search(form) {
    var input = form.querySelector("input[name=q]");
    var words = (input ? input.value : "").trim().toLowerCase().split(/\s+/).filter(Boolean);
    var data = load(DATA);
    var out = byId("offline-results");
    if (!out) {
      out = el("div", null, "card offline-results");
      out.id = "offline-results";
      out.setAttribute("role", "status");
      form.parentNode.insertBefore(out, form.nextSibling);
    }
    out.textContent = "";
    if (!data || !data.households) {
      out.appendChild(el("p", "没有网络，本机也还没有存下本网格的住户，联网后打开一次首页即可。"));
      return;
    }
    var hits = data.households.filter(function (h) {
      var text = [h.text, h.name, h.house, h.address].join(" ").toLowerCase();
      return words.every(function (w) { return text.indexOf(w) !== -1; });
    });
    out.appendChild(el("p", "离线查找（数据更新于 " + data.label + "）：找到 " + hits.length + " 户", "muted"));
    var list = el("ul", null, "plain");
    hits.slice(0, 50).forEach(function (h) {
      var li = el("li");
      var a = el("a", (h.name ? h.name + " " : "") + h.address);
      a.href = h.url;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      var visit = el("a", "记录走访");
      visit.href = h.visit_url;
      li.appendChild(visit);
      list.appendChild(li);
    });
    out.appendChild(list);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-offline-search") && navigator.onLine === false) {
      event.preventDefault();
      search(form);
    } else if (form.hasAttribute("data-logout") && unsent > 0) {
      if (!window.confirm("本机还有 " + unsent + " 条走访没有发送，退出后会从本机删除。确定退出吗？")) {
        event.preventDefault();
      }
    }
  });
  document.addEventListener("click", function (event) {
    var drop = event.target.closest ? event.target.closest("[data-drop]") : null;
    if (drop && Q && window.confirm("删除这条未能保存的走访？删除后无法恢复。")) {
      Q.remove(drop.getAttribute("data-drop")).then(render);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    if (body.hasAttribute("data-offline-page")) {  // the service worker's stand-in page
      dated();
      render();
      return;
    }
    checkOwner(body).then(function () {
      if (!body.getAttribute("data-offline-owner")) { return; }
      freshHeaders(body);
      if (navigator.serviceWorker && window.isSecureContext) {
        navigator.serviceWorker.register(body.getAttribute("data-sw"), { scope: "/" })
          .then(function () { refresh(body); })
          .catch(function () { /* the pages still work online */ });
      }
      dated();
      return Q ? Q.prune().then(flush) : null;
    });
  });
  window.addEventListener("online", function () { dated(); flush(); });
  window.addEventListener("offline", dated);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "queue") { render(); }
      if (data.type === "page-refreshed" && data.url === window.location.href.split("#")[0]) {
        dated(true);
      }
      if (data.type === "flushed") {
        render();
        told(data.summary);
      }
    });
  }

  window.PingxiangOffline = { queued: queued, render: render, flush: flush, note: note };
})();
