// The visit form on a slow village connection, or none (no inline script: strict CSP).
// - What is typed is kept in localStorage as a draft (one per form page, under the page's
//   path) until the visit is saved or queued. The idempotency key belongs to that one
//   draft: a page whose key is already in the queue or was sent (the service worker's copy
//   of a form opened again offline) gets a new key before anything is typed, so a second
//   visit is never taken for the first. If the server says a key was spent on a visit that
//   reads differently, it keeps the content under a new key and says so (grids.views).
// - Submitting goes through fetch; if the network is down the visit goes into the phone's
//   queue in IndexedDB (static/js/offline-queue.js, shown in the bar of every page by
//   static/js/offline.js) with its photo, and is sent when the network returns.
// - A queued visit the server refused opens here (#queued=<key>) with the reason, to be
//   fixed and saved (or queued again).
// - The photo is made smaller before it leaves the phone: long side at most 1600 px, about
//   300 KB of JPEG, turned the way the camera held it; the server checks and re-encodes it
//   again (pingxiang.uploads). Without JavaScript the form is an ordinary POST.
(function () {
  "use strict";
  var Q = window.PingxiangQueue;
  var OLD_QUEUE = "pingxiang.visitQueue";  // before the queue moved to IndexedDB
  var DRAFT = "pingxiang.visitDraft:";
  var SPENT = "pingxiang.spentKeys";
  var MAX_SIDE = 1600;
  var TARGET_BYTES = 300 * 1024;

  function load(key, fallback) {
    try { return JSON.parse(window.localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, JSON.stringify(value)); }
    } catch (e) { /* storage full or disabled: the form still posts normally */ }
  }
  function draftName(action) {
    try { return DRAFT + new URL(action, window.location.href).pathname; } catch (e) { return DRAFT + action; }
  }
  function spend(key) {
    var keys = load(SPENT, []).filter(function (k) { return k !== key; });
    keys.push(key);
    store(SPENT, keys.slice(-200));
  }
  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
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
        el.checked = Boolean(v) && v.indexOf(el.value) !== -1;
      } else if (v) {
        el.value = v[0];
      }
    });
  }
  function savedUrl(resp) {
    var type = resp.headers.get("Content-Type") || "";
    if (!resp.ok || type.indexOf("application/json") !== 0) { return Promise.resolve(null); }
    return resp.json().then(function (data) { return data.url || null; });
  }
  function putFile(input, file) {
    if (!input || !file || typeof DataTransfer === "undefined") { return; }
    var box = new DataTransfer();
    box.items.add(file);
    input.files = box.files;
  }

  // --- The photo, smaller -------------------------------------------------------------------
  function toBlob(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }
  function shrink(file) {
    if (!file || !/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    // "from-image": the pixels turned as the camera's EXIF orientation says.
    return window.createImageBitmap(file, { imageOrientation: "from-image" }).then(function (img) {
      var side = Math.max(img.width, img.height);
      if (side <= MAX_SIDE && file.size <= TARGET_BYTES) { return file; }  // small already
      var scale = Math.min(1, MAX_SIDE / side);
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";  // JPEG has no transparency
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      function attempt(quality) {
        return toBlob(canvas, quality).then(function (blob) {
          if (blob && blob.size > TARGET_BYTES * 1.15 && quality > 0.45) { return attempt(quality - 0.1); }
          return blob;
        });
      }
      return attempt(0.82).then(function (blob) {
        if (!blob || blob.size >= file.size) { return file; }
        var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
        return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
      });
    }).catch(function () { return file; });  // cannot decode here: the server checks it
  }

  // --- Visits queued by the version of this script that kept them in localStorage --------
  function adoptOldQueue() {
    var old = load(OLD_QUEUE, null);
    if (!old || !Q) { return Promise.resolve(); }
    return Promise.all(old.map(function (q) {
      return Q.get(q.key).then(function (there) {
        if (there) { return null; }
        return Q.put({ key: q.key, action: q.action, pairs: q.pairs, photo: Boolean(q.photo),
                       at: q.at || Date.now(), state: "waiting", reason: "", label: "走访",
                       form: new URL(q.action, window.location.href).pathname });
      });
    })).then(function () { store(OLD_QUEUE, null); }).catch(function () {});
  }

  function usedKey(key) {
    if (!key) { return Promise.resolve(false); }
    if (load(SPENT, []).indexOf(key) !== -1) { return Promise.resolve(true); }
    return Q ? Q.get(key).then(function (item) { return Boolean(item); }, function () { return false; })
             : Promise.resolve(false);
  }

  function enhance(form) {
    var draftKey = draftName(form.getAttribute("action"));
    var keyField = form.querySelector("input[name=idempotency_key]");
    var photoInput = form.querySelector("input[type=file][name=photo]");
    var button = form.querySelector("button[type=submit]");
    var label = form.getAttribute("data-subject") || document.title;
    var fixing = null;  // the queued visit opened here to be fixed (its queue id)
    var wanted = /^#queued=(.+)$/.exec(window.location.hash);
    var draft = load(draftKey, null);

    var ready;
    if (wanted && Q) {
      fixing = decodeURIComponent(wanted[1]);
      ready = Q.get(fixing).then(function (item) {
        if (!item) { fixing = null; return; }
        restore(form, item.pairs);
        if (item.state === "refused") { say("这次走访未能保存：" + item.reason + " 请修改后重新保存。"); }
        if (item.photo) {
          return Q.photoFor(item.key).then(function (file) { putFile(photoInput, file); });
        }
        return null;
      });
    } else if (form.hasAttribute("data-bound")) {
      // The server sent the form back (errors, or a new key for content it would not file
      // under the old one): what it shows is what was typed, and its key is the one to keep.
      store(draftKey, pairsOf(form));
      ready = Promise.resolve();
    } else if (draft) {
      restore(form, draft);
      say("已恢复上次未提交的内容。");
      ready = Promise.resolve();
    } else {
      // A copy of the page (kept by the service worker) may carry a key already used.
      ready = usedKey(keyField && keyField.value).then(function (used) {
        if (used && keyField) { keyField.value = newKey(); }
      });
    }

    form.addEventListener("input", function () { if (!fixing) { store(draftKey, pairsOf(form)); } });
    form.addEventListener("change", function () { if (!fixing) { store(draftKey, pairsOf(form)); } });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.getAttribute("data-busy")) { return; }  // a second tap while sending
      form.setAttribute("data-busy", "1");
      if (button) { button.disabled = true; button.textContent = "正在保存…"; }
      var original = photoInput && photoInput.files && photoInput.files[0];
      ready.then(function () { return shrink(original); }).then(function (file) {
        if (file && file !== original) { putFile(photoInput, file); }
        var pairs = pairsOf(form);
        var key = keyField ? keyField.value : newKey();
        return (Q ? Q.csrfToken() : Promise.resolve(null)).then(function (token) {
          // A form kept by the service worker carries the token of when it was drawn.
          var tokenField = form.querySelector("input[name=csrfmiddlewaretoken]");
          if (token && tokenField) { tokenField.value = token; }
          return window.fetch(form.action, { method: "POST", body: new FormData(form),
                                             credentials: "same-origin",
                                             headers: { "X-Pingxiang-Visit": "1" } });
        })
          .then(savedUrl)
          .then(function (url) {
            if (url) {
              store(draftKey, null);
              spend(key);
              var done = fixing && Q ? Q.remove(fixing) : Promise.resolve();
              done.then(function () { window.location.assign(url); });
            } else {
              form.submit();  // let the server show its messages next to the fields
            }
          }, function () {
            return queue(key, pairs, file);
          });
      });
    });

    function queue(key, pairs, file) {
      var item = { key: fixing || key, action: form.action, pairs: pairs, label: label,
                   form: window.location.pathname };
      var put = Q ? Q.enqueue(item, file || null) : Promise.reject(new Error("no IndexedDB"));
      return put.then(function (saved) {
        store(draftKey, null);  // the queue has it now; the form's next visit is a new draft
        form.removeAttribute("data-busy");
        if (button) { button.disabled = false; button.textContent = "保存走访"; }
        if (file && !saved.photo) {
          say("网络中断：这次走访已保存在本机，联网后会自动补发（本机无法保存照片，需联网后重新上传）。");
        } else {
          say("网络中断：这次走访" + (file ? "和照片" : "") + "已保存在本机，联网后会自动补发。");
        }
        if (window.PingxiangOffline) { window.PingxiangOffline.queued(); }
      }, function () {
        form.removeAttribute("data-busy");
        if (button) { button.disabled = false; button.textContent = "保存走访"; }
        say("网络中断，本机也无法保存这次走访：请联网后再点“保存走访”，填写的内容仍在表单里。");
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    adoptOldQueue().then(function () {
      var form = document.querySelector("form[data-offline-form]");
      if (form) { enhance(form); }
    });
  });
})();
