// The visit form on a slow village connection (no inline script: strict CSP).
// - What is typed is kept in localStorage as a draft (one per form page, under the page's
//   path) until the server has the visit: saved now, sent from the queue, or answered
//   "already saved" for the draft's key. The key belongs to that one draft: once the server
//   has it, the draft goes, and the next visit starts from the page's new key. If the
//   server says a key was spent on a visit that reads differently, it keeps the content
//   under a new key and says so (grids.views); nothing typed is dropped in silence.
// - Submitting goes through fetch; if the network is down the visit waits in a local queue
//   and is sent again when the browser is back online (on this page or any grids page).
// - The optional photo waits too: localStorage holds text only, so the File goes into
//   IndexedDB under the visit's idempotency key and is sent with the queued fields as
//   multipart when the network returns (then removed). A draft sent back by the server
//   gets its photo put back into the file input.
// - Every form carries a server-made idempotency key, so a resend or a double tap saves
//   one visit only, with its photo once. Without JavaScript the form is an ordinary POST.
(function () {
  "use strict";
  var QUEUE = "pingxiang.visitQueue";
  var DRAFT = "pingxiang.visitDraft:";
  var PHOTO_DB = "pingxiang-offline";
  var PHOTOS = "visitPhotos";

  // --- Photos waiting in IndexedDB, keyed by the visit's idempotency key ---------------
  function openPhotos() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var req = window.indexedDB.open(PHOTO_DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(PHOTOS); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function photoStore(mode, work) {
    return openPhotos().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(PHOTOS, mode);
        var req = work(tx.objectStore(PHOTOS));
        tx.oncomplete = function () { db.close(); resolve(req ? req.result : undefined); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function keepPhoto(key, file) {
    return photoStore("readwrite", function (s) {
      return s.put({ blob: file, name: file.name || "photo.jpg", type: file.type || "" }, key);
    });
  }
  function photoFor(key) {
    return photoStore("readonly", function (s) { return s.get(key); }).then(function (rec) {
      return rec ? new File([rec.blob], rec.name, { type: rec.type }) : null;
    });
  }
  function dropPhoto(key) {
    return photoStore("readwrite", function (s) { return s.delete(key); })
      .catch(function () { /* nothing stored, or storage gone: nothing to remove */ });
  }

  function load(key, fallback) {
    try { return JSON.parse(window.localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, JSON.stringify(value)); }
    } catch (e) { /* storage full or disabled: the form still posts normally */ }
  }
  // The draft's name: the form's path, whether the page wrote it as a path or the queue
  // kept form.action (an absolute URL); one name for both, so sending clears the draft.
  function draftName(action) {
    try { return DRAFT + new URL(action, window.location.href).pathname; } catch (e) { return DRAFT + action; }
  }
  function keyOf(pairs) {
    var hit = (pairs || []).filter(function (p) { return p[0] === "idempotency_key"; })[0];
    return hit ? hit[1] : null;
  }
  // The server has the visit sent under `key`: its draft goes (a newer draft, under another
  // key, stays).
  function forgetDraft(action, key) {
    var draft = load(draftName(action), null);
    if (draft && (keyOf(draft) === key || !keyOf(draft))) { store(draftName(action), null); }
  }
  function say(text) {
    var el = document.getElementById("offline-status");
    if (!el) { return; }
    el.textContent = text || "";
    el.hidden = !text;
  }
  function pairsOf(form) {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "file" || el.type === "submit") { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      out.push([el.name, el.value]);
    });
    return out;
  }
  function restore(form, pairs) {
    var values = {};
    pairs.forEach(function (p) { (values[p[0]] = values[p[0]] || []).push(p[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit" || el.name === "csrfmiddlewaretoken") { return; }
      var v = values[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        if (v) { el.checked = v.indexOf(el.value) !== -1; }
      } else if (v) {
        el.value = v[0];
      }
    });
  }
  function freshToken() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : null;
  }
  function post(action, pairs, photo) {
    var body = new FormData();  // multipart, so the photo can travel with the fields
    var token = freshToken();
    pairs.forEach(function (p) {
      body.append(p[0], p[0] === "csrfmiddlewaretoken" && token ? token : p[1]);
    });
    if (photo) { body.append("photo", photo, photo.name); }
    // "queued": sent in the background, nobody goes to its page, so no flash message for it
    // (it would greet the user on whatever page they open next).
    return window.fetch(action, { method: "POST", body: body, credentials: "same-origin",
                                  headers: { "X-Pingxiang-Visit": "queued" } });
  }
  // Saved: the server answers JSON {url} (a plain POST gets a redirect instead).
  function savedUrl(resp) {
    var type = resp.headers.get("Content-Type") || "";
    if (!resp.ok || type.indexOf("application/json") !== 0) { return Promise.resolve(null); }
    return resp.json().then(function (data) { return data.url || null; });
  }
  function pendingNote() {
    var queue = load(QUEUE, []);
    if (queue.length) { say("本机有 " + queue.length + " 条走访等待联网后补发。"); }
    return queue.length;
  }

  var flushing = false;
  var refused = 0;  // queued visits the server sent back during this flush
  function flush() {
    var queue = load(QUEUE, []);
    if (flushing || !queue.length || navigator.onLine === false) { pendingNote(); return; }
    flushing = true;
    var item = queue[0];
    var photo = item.photo ? photoFor(item.key).catch(function () { return null; })
                           : Promise.resolve(null);
    photo.then(function (file) {
      return post(item.action, item.pairs, file);
    }).then(savedUrl).then(function (url) {
      if (!url) {
        // Refused by the server (e.g. a field no longer valid, or its key spent on another
        // visit): back into the form as a draft, and the user is told below; its photo
        // stays in IndexedDB and goes back into the form with it.
        store(draftName(item.action), item.pairs);
        refused += 1;
        return null;
      }
      forgetDraft(item.action, item.key);  // saved, or "already saved": the server has it
      return item.photo ? dropPhoto(item.key) : null;  // saved with the visit: not again
    }).then(function () {
      var rest = load(QUEUE, []).filter(function (q) { return q.key !== item.key; });
      store(QUEUE, rest);
      flushing = false;
      if (rest.length) {
        flush();
      } else if (refused) {
        say("网络已恢复，但有 " + refused + " 条待补发的走访未能保存，内容已放回表单，请打开该户的走访表单核对后重新保存。");
        refused = 0;
      } else {
        say("网络已恢复，待补发的走访已全部保存。");
      }
    }).catch(function () {
      flushing = false;
      pendingNote();
    });
  }

  function putBackPhoto(form, key) {
    var input = form.querySelector("input[type=file][name=photo]");
    if (!input || !key || typeof DataTransfer === "undefined") { return; }
    photoFor(key).then(function (file) {
      if (!file || input.files.length) { return; }
      var box = new DataTransfer();
      box.items.add(file);
      input.files = box.files;
      say("已恢复上次未提交的内容（含照片）。");
    }).catch(function () { /* no stored photo */ });
  }

  function enhance(form) {
    var draftKey = draftName(form.getAttribute("action"));
    var draft = load(draftKey, null);
    var keyField = form.querySelector("input[name=idempotency_key]");
    if (form.hasAttribute("data-bound")) {
      // The server sent the form back (errors, or a new key for content it would not file
      // under the old one): what it shows is what was typed, and its key is the one to keep.
      store(draftKey, pairsOf(form));
    } else if (draft) {
      restore(form, draft);
      say("已恢复上次未提交的内容。");
      putBackPhoto(form, keyField && keyField.value);
    }
    form.addEventListener("input", function () { store(draftKey, pairsOf(form)); });
    form.addEventListener("change", function () { store(draftKey, pairsOf(form)); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.getAttribute("data-busy")) { return; }  // a second tap while sending
      form.setAttribute("data-busy", "1");
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; button.textContent = "正在保存…"; }
      var pairs = pairsOf(form);
      var key = keyField ? keyField.value : String(Date.now());
      var photoInput = form.querySelector("input[type=file][name=photo]");
      var file = photoInput && photoInput.files && photoInput.files[0];
      window.fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                                  headers: { "X-Pingxiang-Visit": "1" } })
        .then(savedUrl)
        .then(function (url) {
          if (url) {
            store(draftKey, null);
            dropPhoto(key).then(function () { window.location.assign(url); });
          } else {
            form.submit();  // let the server show its messages next to the fields
          }
        })
        .catch(function () {
          // The photo first (IndexedDB), then the queue entry that says it has one.
          var kept = file ? keepPhoto(key, file).then(function () { return true; },
                                                       function () { return false; })
                          : Promise.resolve(false);
          return kept.then(function (hasPhoto) {
            var queue = load(QUEUE, []).filter(function (q) { return q.key !== key; });
            queue.push({ key: key, action: form.action, pairs: pairs, at: Date.now(),
                         photo: hasPhoto });
            store(QUEUE, queue);
            form.removeAttribute("data-busy");
            if (button) { button.disabled = false; button.textContent = "保存走访"; }
            if (file && !hasPhoto) {
              say("网络中断：这次走访已保存在本机，联网后会自动补发（本机无法保存照片，需联网后重新上传）。");
            } else {
              say("网络中断：这次走访" + (hasPhoto ? "和照片" : "") + "已保存在本机，联网后会自动补发。");
            }
          });
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-offline-form]");
    if (form) { enhance(form); }
    flush();
  });
  window.addEventListener("online", flush);
})();
