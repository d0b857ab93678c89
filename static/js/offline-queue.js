// The phone's queue of visits made without signal (issue 21 §1), in IndexedDB so that the
// pages (static/js/offline.js, grids/visit-form.js) and the service worker (its Background
// Sync, templates/offline/sw.js) read and send the same one. No inline code (strict CSP).
//
// One record per draft, keyed by the draft's own id (`key`, the idempotency key it was
// queued with); `pairs` are the form's fields, whose idempotency_key the server may replace
// when it refuses one (a key spent on another visit). States:
//   waiting  -> sending -> saved (with the visit's url)
//                       -> refused (with the server's reason; opened and fixed on its form)
// Sending is in order, one at a time, under a lock shared by every tab and the service
// worker (Web Locks), and the server files each key once: a visit is saved exactly once
// however many senders wake up.
(function (root) {
  "use strict";
  var DB = "pingxiang-offline";
  var VISITS = "visits";
  var PHOTOS = "visitPhotos";  // the photo's File, under the draft's key (as before)
  var LOCK = "pingxiang-visit-queue";
  var SAVED_KEPT_MS = 10 * 60 * 1000;  // a saved item stays listed this long, then goes

  function open() {
    return new Promise(function (resolve, reject) {
      if (!root.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var req = root.indexedDB.open(DB, 2);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains(PHOTOS)) { db.createObjectStore(PHOTOS); }
        if (!db.objectStoreNames.contains(VISITS)) { db.createObjectStore(VISITS, { keyPath: "key" }); }
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
      req.onblocked = function () { reject(new Error("IndexedDB blocked")); };
    });
  }
  function run(stores, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(stores, mode);
        var req = work(tx);
        tx.oncomplete = function () { db.close(); resolve(req ? req.result : undefined); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() {
    return run([VISITS], "readonly", function (tx) { return tx.objectStore(VISITS).getAll(); })
      .then(function (items) { return (items || []).sort(function (a, b) { return a.at - b.at; }); });
  }
  function get(key) {
    return run([VISITS], "readonly", function (tx) { return tx.objectStore(VISITS).get(key); });
  }
  function put(item) {
    return run([VISITS], "readwrite", function (tx) { return tx.objectStore(VISITS).put(item); });
  }
  function update(key, changes) {
    return run([VISITS], "readwrite", function (tx) {
      var store = tx.objectStore(VISITS);
      var req = store.get(key);
      req.onsuccess = function () {
        if (!req.result) { return; }
        Object.keys(changes).forEach(function (k) { req.result[k] = changes[k]; });
        store.put(req.result);
      };
      return null;
    });
  }
  function remove(key) {
    return run([VISITS, PHOTOS], "readwrite", function (tx) {
      tx.objectStore(VISITS).delete(key);
      tx.objectStore(PHOTOS).delete(key);
      return null;
    });
  }
  function keepPhoto(key, file) {
    return run([PHOTOS], "readwrite", function (tx) {
      return tx.objectStore(PHOTOS).put({ blob: file, name: file.name || "photo.jpg",
                                          type: file.type || "" }, key);
    });
  }
  function photoFor(key) {
    return run([PHOTOS], "readonly", function (tx) { return tx.objectStore(PHOTOS).get(key); })
      .then(function (rec) { return rec ? new File([rec.blob], rec.name, { type: rec.type }) : null; });
  }
  function dropPhoto(key) {
    return run([PHOTOS], "readwrite", function (tx) { return tx.objectStore(PHOTOS).delete(key); })
      .catch(function () { /* nothing stored, or storage gone */ });
  }
  // Everything of this phone's user: on logout the server's Clear-Site-Data does it too.
  function wipe() {
    return run([VISITS, PHOTOS], "readwrite", function (tx) {
      tx.objectStore(VISITS).clear();
      tx.objectStore(PHOTOS).clear();
      return null;
    }).catch(function () { /* no database yet */ });
  }

  // Put a visit in the queue (or back in, fixed): waiting, at the end of the line unless it
  // was there already.
  function enqueue(item, photo) {
    var kept = photo ? keepPhoto(item.key, photo).then(function () { return true; },
                                                       function () { return false; })
                     : Promise.resolve(false);
    return kept.then(function (hasPhoto) {
      return get(item.key).then(function (old) {
        item.at = old ? old.at : Date.now();
        item.photo = hasPhoto || Boolean(old && old.photo && !photo);
        item.state = "waiting";
        item.reason = "";
        return put(item).then(function () { return item; });
      });
    });
  }

  // The CSRF token the server expects now: its cookie (Django's CSRF_COOKIE_NAME, left at its
  // default; not HttpOnly). A page kept by the service worker, or a queued visit, carries the
  // token of when it was drawn. A page reads document.cookie; the service worker cookieStore
  // where the browser has it.
  var CSRF_COOKIE = "csrftoken";
  function csrfToken() {
    if (root.document) {
      var m = new RegExp("(?:^|;\\s*)" + CSRF_COOKIE + "=([^;]+)").exec(root.document.cookie);
      return Promise.resolve(m ? decodeURIComponent(m[1]) : null);
    }
    if (root.cookieStore && root.cookieStore.get) {
      return root.cookieStore.get(CSRF_COOKIE).then(function (c) { return c ? c.value : null; },
                                                     function () { return null; });
    }
    return Promise.resolve(null);
  }

  function keyOf(pairs) {
    var hit = (pairs || []).filter(function (p) { return p[0] === "idempotency_key"; })[0];
    return hit ? hit[1] : null;
  }

  // One item to the server. `token`: a fresh CSRF token from the page, when a page sends.
  // Resolves to "saved", "refused" or "later" (no network, or the server would not take it
  // now, e.g. a login since it was queued): the queue stops there to keep the order.
  function send(item, token) {
    var photo = item.photo ? photoFor(item.key).catch(function () { return null; })
                           : Promise.resolve(null);
    return Promise.all([photo, token ? token : csrfToken()]).then(function (got) {
      var file = got[0];
      token = got[1];
      var body = new FormData();
      item.pairs.forEach(function (p) {
        body.append(p[0], p[0] === "csrfmiddlewaretoken" && token ? token : p[1]);
      });
      if (file) { body.append("photo", file, file.name); }
      return root.fetch(item.action, { method: "POST", body: body, credentials: "same-origin",
                                       redirect: "manual",
                                       headers: { "X-Pingxiang-Visit": "queued" } });
    }).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      if (!resp.ok || type.indexOf("application/json") !== 0) { return { state: "later" }; }
      return resp.json().then(function (data) {
        if (data.url) { return { state: "saved", url: data.url }; }
        if (data.refused !== undefined) {
          var pairs = item.pairs;
          if (data.key) {  // the server's new key for content its old key cannot carry
            pairs = pairs.map(function (p) { return p[0] === "idempotency_key" ? [p[0], data.key] : p; });
          }
          return { state: "refused", reason: data.refused || "服务器未接受这次走访。", pairs: pairs,
                   moved: Boolean(data.moved) };
        }
        return { state: "later" };
      });
    }, function () { return { state: "later" }; });
  }

  function withLock(work) {
    if (root.navigator && root.navigator.locks && root.navigator.locks.request) {
      return root.navigator.locks.request(LOCK, work);
    }
    return work();
  }

  // Send what waits, oldest first; `changed(item)` hears of every change of state.
  function flush(token, changed) {
    changed = changed || function () {};
    return withLock(function () {
      return all().then(function (items) {
        var todo = items.filter(function (i) { return i.state === "waiting" || i.state === "sending"; });
        var summary = { saved: 0, refused: 0, left: 0 };
        function next(i) {
          if (i >= todo.length) { return summary; }
          var item = todo[i];
          return update(item.key, { state: "sending" }).then(function () {
            item.state = "sending";
            changed(item);
            return send(item, token);
          }).then(function (result) {
            if (result.state === "later") {
              summary.left = todo.length - i;
              return update(item.key, { state: "waiting" }).then(function () {
                item.state = "waiting";
                changed(item);
                return summary;
              });
            }
            var changes = { state: result.state, reason: result.reason || "", done_at: Date.now() };
            if (result.url) { changes.url = result.url; }
            if (result.pairs) { changes.pairs = result.pairs; }
            if (result.moved) { changes.moved = true; }
            var after = update(item.key, changes);
            if (result.state === "saved") {
              summary.saved += 1;
              after = after.then(function () { return dropPhoto(item.key); });
            } else {
              summary.refused += 1;
            }
            return after.then(function () {
              Object.keys(changes).forEach(function (k) { item[k] = changes[k]; });
              changed(item);
              return next(i + 1);
            });
          });
        }
        return next(0);
      });
    });
  }

  // Saved items listed for a while after sending, then gone.
  function prune() {
    return all().then(function (items) {
      var old = items.filter(function (i) {
        return i.state === "saved" && Date.now() - (i.done_at || 0) > SAVED_KEPT_MS;
      });
      return Promise.all(old.map(function (i) { return remove(i.key); }));
    }).catch(function () {});
  }

  root.PingxiangQueue = {
    all: all, get: get, put: put, update: update, remove: remove, enqueue: enqueue,
    flush: flush, prune: prune, wipe: wipe, photoFor: photoFor, keepPhoto: keepPhoto,
    dropPhoto: dropPhoto, keyOf: keyOf, csrfToken: csrfToken
  };
})(typeof self !== "undefined" ? self : window);
