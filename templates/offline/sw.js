// Pingxiang's service worker (issue 21 §1), hand-written, served by the app at /sw.js so its
// scope is the whole site (pingxiang.views.service_worker); nothing from another host.
// - The app shell (styles, scripts, icon) is cached at install under hashed names and served
//   from the cache ever after: a repeat visit fetches no static file.
// - Pages are fetched from the network first; a copy of the grid worker's pages (home,
//   worklist, their grid's households and visit forms: grids.offline) is kept, refreshed
//   whenever a page asks (static/js/offline.js), and served when there is no network. A page
//   that was never cached gives the offline page, which says what is at hand.
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

function page(request) {
  var path = new URL(request.url).pathname;
  return fetch(request).then(function (resp) {
    if (kept(path) && keepable(request, resp)) {
      var copy = resp.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request.url, copy); });
    }
    return resp;
  }, function () {
    return caches.open(PAGES).then(function (cache) { return cache.match(request.url); })
      .then(function (hit) {
        return hit || caches.open(SHELL).then(function (cache) { return cache.match(OFFLINE_URL); });
      });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }  // posts go to the network; the page queues them
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(fromShell(request));
  } else if (request.mode === "navigate" && !request.headers.get("HX-Request")) {
    event.respondWith(page(request));
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
      return fetch(request).then(function (resp) {
        if (keepable(request, resp)) { done += 1; return cache.put(request.url, resp); }
        return null;
      }, function () { return null; }).then(worker);
    }
    return Promise.all([worker(), worker(), worker()]);
  }).then(function () { return done; });
}

function wipe(everything) {
  var gone = caches.delete(PAGES);
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
  }).then(function (summary) { return tell({ type: "flushed", summary: summary }); }));
});
