// Pingxiang's service worker (issue 21 §1), hand-written, served by the app at /sw.js so its
// scope is the whole site (pingxiang.views.service_worker); nothing from another host.
// - The app shell (styles, scripts, icon) is cached at install under hashed names and served
//   from the cache ever after: a repeat visit fetches no static file.
// - The grid worker's pages (home, worklist, their grid's households and visit forms:
//   grids.offline) are kept and answered from the copy at once, then fetched again in the
//   background for next time (stale-while-revalidate): on a 400 kbit/s, 400 ms link the
//   network costs a second or more before the first byte of HTML (bench/results.md). The
//   page says how old it is ("数据更新于 …", static/js/offline.js) and is told when the
//   newer copy is in. A copy older than the phone's last change of data (any POST from the
//   phone, or a visit sent by the queue) is not answered first: that page goes to the
//   network, so after saving a visit the worklist and the household show it; the copy
//   serves only without signal. Other pages go to the network first, with the copy or the
//   offline page when there is no signal.
// - A login, a logout or a change of post (a POST to those URLs) drops every kept page
//   before the page that follows is answered: no page of another user or post is served.
//   Submitting from a kept page uses the CSRF cookie's token, not the one in the copy.
// - Visits made offline wait in IndexedDB (static/js/offline-queue.js); a Background Sync
//   sends them when the network returns, else the next page opened does.
// - "wipe" (logout, another user, another role) empties the cached pages, and with all:true
//   the queue too. Logout also answers with Clear-Site-Data.
importScripts("{{ queue_script }}");

var VERSION = "{{ version }}";
var SHELL = "px-shell-" + VERSION;
var PAGES = "px-pages";
var SHELL_URLS = {{ shell_urls|safe }};
var OFFLINE_URL = "{{ offline_url }}";
var STATIC_PREFIX = "{{ static_prefix }}";
var KEEP = {{ keep_patterns|safe }};  // the pages worth keeping, as path patterns
var WIPE_ON = {{ wipe_on|safe }};  // POSTs after which no kept page may be shown (login...)
var META = "px-meta";  // when this phone last changed data (no personal data in it)
var WRITTEN = "/__px/written";
var STAMP = "X-Px-Fetched";  // on a kept copy: when its fetch began (this phone's clock, ms)
// A page showing a flash message ("走访已保存") is shown, not kept: the copy would say it again.
var MESSAGES = '<ul class="messages">';
// A copy older than a session (settings.SESSION_COOKIE_AGE) is not shown before the server
// is asked: its session has likely ended, and the phone may be in other hands.
var SESSION_MS = {{ session_ms }};
var writtenAt = null;  // WRITTEN, once read
var settling = Promise.resolve();  // a wipe or a note of a write the next page waits for

function kept(path) {
  return KEEP.some(function (p) { return new RegExp(p).test(path); });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(SHELL_URLS.concat([OFFLINE_URL]));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("px-shell-") === 0 && n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function fromShell(request) {
  return caches.open(SHELL).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (resp) {
        if (resp.ok) { cache.put(request, resp.clone()); }
        return resp;
      });
    });
  });
}

// A page as the server answered it for this user (not a redirect to the login page).
function keepable(request, resp) {
  return resp.ok && resp.type === "basic" && !resp.redirected &&
    (resp.headers.get("Content-Type") || "").indexOf("text/html") === 0 &&
    new URL(resp.url).pathname === new URL(request.url).pathname;
}

// A kept page the server now redirects (a navigation sees only an opaque redirect) or
// answers with the login page: the session ended, and its user's copies go.
function loggedOut(resp) {
  return resp.type === "opaqueredirect" ||
    (resp.redirected && new URL(resp.url).pathname === WIPE_ON[0]);
}

// Keep `resp` for `request`, stamped with when its fetch began (`began`): a copy whose
// fetch began before the phone's last write is older than that write.
function keep(request, resp, began) {
  return resp.text().then(function (text) {
    if (text.indexOf(MESSAGES) !== -1) { return false; }
    var headers = new Headers(resp.headers);
    headers.set(STAMP, String(began));
    var copy = new Response(text, { status: resp.status, statusText: resp.statusText, headers: headers });
    return caches.open(PAGES).then(function (cache) { return cache.put(request.url, copy); })
      .then(function () { return true; });
  });
}

// The network's answer, kept if it is a kept page; `stored` settles when the copy is.
function fetchPage(request) {
  var began = Date.now();
  return fetch(request).then(function (resp) {
    var stored = Promise.resolve(false);
    if (isKept(request) && keepable(request, resp)) {
      stored = keep(request, resp.clone(), began);
    } else if (loggedOut(resp)) {
      stored = wipe(false).then(function () { return false; });
    }
    return { resp: resp, stored: stored };
  });
}
function isKept(request) { return kept(new URL(request.url).pathname); }

function lastWrite() {
  if (writtenAt !== null) { return Promise.resolve(writtenAt); }
  return caches.open(META).then(function (cache) { return cache.match(WRITTEN); })
    .then(function (hit) { return hit ? hit.text() : "0"; })
    .then(function (text) {
      writtenAt = Math.max(writtenAt || 0, Number(text) || 0);
      return writtenAt;
    });
}
function noteWrite() {
  var at = Date.now();
  writtenAt = at;
  return caches.open(META).then(function (cache) {
    return cache.put(WRITTEN, new Response(String(at)));
  });
}

function offlinePage() {
  return caches.open(SHELL).then(function (cache) { return cache.match(OFFLINE_URL); });
}

function copyOf(request) {
  return caches.open(PAGES).then(function (cache) { return cache.match(request.url); });
}

// Tell the page that was answered from the copy that a newer one is in.
function told(clientId, request) {
  if (!clientId) { return null; }
  return self.clients.get(clientId).then(function (client) {
    if (client) { client.postMessage({ type: "page-refreshed", url: request.url }); }
  });
}

function page(event) {
  var request = event.request;
  if (!isKept(request)) {
    return fetch(request).catch(function () {
      return copyOf(request).then(function (hit) { return hit || offlinePage(); });
    });
  }
  return settling.then(function () {
    return Promise.all([copyOf(request), lastWrite()]);
  }).then(function (found) {
    var hit = found[0];
    var network = fetchPage(request);
    var stamp = Number(hit ? hit.headers.get(STAMP) || 0 : 0);
    if (hit && stamp > found[1] && Date.now() - stamp < SESSION_MS) {
      // At once from the copy; the network's answer is the next copy.
      event.waitUntil(network.then(function (got) {
        return got.stored.then(function (stored) {
          return stored ? told(event.resultingClientId, request) : null;
        });
      }).catch(function () { /* no signal: the copy stays */ }));
      return hit;
    }
    return network.then(function (got) { return got.resp; }, function () {
      return hit || offlinePage();
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method !== "GET") {
    // Posts go to the network (the page queues visits itself); what follows may not be
    // answered from a copy older than this.
    settling = WIPE_ON.indexOf(url.pathname) !== -1 ? wipe(false) : noteWrite();
    settling = settling.catch(function () {});
    event.waitUntil(settling);
    return;
  }
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(fromShell(request));
  } else if (request.mode === "navigate" && !request.headers.get("HX-Request")) {
    event.respondWith(page(event));
  }
});

// The page's refresh: fetch every page of the bundle (grids.offline) into the cache, a few
// at a time; answer how many were kept.
function refresh(urls) {
  var done = 0;
  var queue = urls.slice();
  return caches.open(PAGES).then(function (cache) {
    function worker() {
      var url = queue.shift();
      if (!url) { return Promise.resolve(); }
      var request = new Request(url, { credentials: "same-origin", redirect: "follow" });
      var began = Date.now();
      return fetch(request).then(function (resp) {
        if (!keepable(request, resp)) { return null; }
        return keep(request, resp, began).then(function (stored) { if (stored) { done += 1; } });
      }, function () { return null; }).then(worker);
    }
    return Promise.all([worker(), worker(), worker()]);
  }).then(function () { return done; });
}

function wipe(everything) {
  var gone = Promise.all([caches.delete(PAGES), caches.delete(META)]).then(function () {
    writtenAt = null;
  });
  if (everything) { gone = gone.then(function () { return PingxiangQueue.wipe(); }); }
  return gone;
}

function tell(message) {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (clients) {
    clients.forEach(function (c) { c.postMessage(message); });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var reply = function (message) {
    if (event.ports && event.ports[0]) { event.ports[0].postMessage(message); }
  };
  if (data.type === "refresh") {
    event.waitUntil(refresh(data.urls || []).then(function (n) { reply({ type: "refreshed", kept: n }); }));
  } else if (data.type === "wipe") {
    event.waitUntil(wipe(Boolean(data.all)).then(function () { reply({ type: "wiped" }); }));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag !== "px-visits") { return; }
  event.waitUntil(PingxiangQueue.flush(null, function (item) {
    tell({ type: "queue", key: item.key, state: item.state });
  }).then(function (summary) {
    // Its posts do not pass through this worker's fetch handler: note the write here.
    return (summary && summary.saved ? noteWrite() : Promise.resolve()).then(function () {
      return tell({ type: "flushed", summary: summary });
    });
  }));
});
