// The visit form on a slow village connection (no inline script: strict CSP).
// - What is typed is kept in localStorage as a draft until the visit is saved.
// - Submitting goes through fetch; if the network is down the visit waits in a local queue
//   and is sent again when the browser is back online (on this page or any grids page).
// - Every form carries a server-made idempotency key, so a resend or a double tap saves
//   one visit only. Without JavaScript the form is an ordinary POST.
(function () {
  "use strict";
  var QUEUE = "pingxiang.visitQueue";
  var DRAFT = "pingxiang.visitDraft:";

  function load(key, fallback) {
    try { return JSON.parse(window.localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, JSON.stringify(value)); }
    } catch (e) { /* storage full or disabled: the form still posts normally */ }
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
  function post(action, pairs) {
    var body = new URLSearchParams();
    var token = freshToken();
    pairs.forEach(function (p) {
      body.append(p[0], p[0] === "csrfmiddlewaretoken" && token ? token : p[1]);
    });
    return window.fetch(action, { method: "POST", body: body, credentials: "same-origin",
                                  headers: { "X-Pingxiang-Visit": "1" } });
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
  function flush() {
    var queue = load(QUEUE, []);
    if (flushing || !queue.length || navigator.onLine === false) { pendingNote(); return; }
    flushing = true;
    var item = queue[0];
    post(item.action, item.pairs).then(savedUrl).then(function (url) {
      var rest = load(QUEUE, []).filter(function (q) { return q.key !== item.key; });
      store(QUEUE, rest);
      if (!url) {
        // Refused by the server (e.g. a field no longer valid): back into the form as a draft.
        store(DRAFT + item.action, item.pairs);
      } else {
        store(DRAFT + item.action, null);
      }
      flushing = false;
      if (rest.length) { flush(); } else { say("网络已恢复，待补发的走访已全部保存。"); }
    }).catch(function () {
      flushing = false;
      pendingNote();
    });
  }

  function enhance(form) {
    var draftKey = DRAFT + form.getAttribute("action");
    var draft = load(draftKey, null);
    if (draft) { restore(form, draft); say("已恢复上次未提交的内容。"); }
    form.addEventListener("input", function () { store(draftKey, pairsOf(form)); });
    form.addEventListener("change", function () { store(draftKey, pairsOf(form)); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.getAttribute("data-busy")) { return; }  // a second tap while sending
      form.setAttribute("data-busy", "1");
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; button.textContent = "正在保存…"; }
      var pairs = pairsOf(form);
      var keyField = form.querySelector("input[name=idempotency_key]");
      window.fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                                  headers: { "X-Pingxiang-Visit": "1" } })
        .then(savedUrl)
        .then(function (url) {
          if (url) {
            store(draftKey, null);
            window.location.assign(url);
          } else {
            form.submit();  // let the server show its messages next to the fields
          }
        })
        .catch(function () {
          var queue = load(QUEUE, []).filter(function (q) { return q.key !== (keyField && keyField.value); });
          queue.push({ key: keyField ? keyField.value : String(Date.now()), action: form.action, pairs: pairs, at: Date.now() });
          store(QUEUE, queue);
          form.removeAttribute("data-busy");
          if (button) { button.disabled = false; button.textContent = "保存走访"; }
          say("网络中断：这次走访已保存在本机，联网后会自动补发（照片需联网后重新上传）。");
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
