// The phone's position for a field form (issue 21 §3), only when the user ticks
// "记录本次位置" (pingxiang.geo.PositionFormMixin); the browser asks for its own permission
// too. Fills the hidden latitude/longitude/accuracy fields; unticking clears them. Without
// JavaScript, or when the phone gives no fix, the form is saved without a position.
(function () {
  "use strict";
  function field(box, name) {
    return box.querySelector("input[name$='" + name + "']");
  }
  function say(box, text) {
    var status = box.querySelector("[data-location-status]");
    if (status) { status.textContent = text; }
  }
  function clear(box) {
    ["latitude", "longitude", "accuracy"].forEach(function (name) {
      var input = field(box, name);
      if (input) { input.value = ""; }
    });
  }
  var REASONS = {1: "未获允许（可在浏览器设置中允许定位）", 2: "手机暂时无法定位", 3: "定位超时"};
  function locate(box) {
    if (!navigator.geolocation) {
      say(box, "这台设备不能定位；走访照常保存，不带位置。");
      return;
    }
    say(box, "正在定位…");
    navigator.geolocation.getCurrentPosition(function (pos) {
      var c = pos.coords;
      field(box, "latitude").value = c.latitude.toFixed(7);
      field(box, "longitude").value = c.longitude.toFixed(7);
      field(box, "accuracy").value = Math.round(c.accuracy);
      say(box, "已定位，精度约 " + Math.round(c.accuracy) + " 米");
    }, function (err) {
      clear(box);
      say(box, "未能定位：" + (REASONS[err.code] || "未知原因") + "；走访照常保存，不带位置。");
    }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
  }
  function statusFor(box, consent) {
    var status = box.querySelector("[data-location-status]");
    if (!status) {  // a form drawn by {{ form }}: the line goes next to the box ticked
      status = document.createElement("span");
      status.className = "location-status";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      status.setAttribute("data-location-status", "");
      consent.parentNode.appendChild(status);
    }
    return status;
  }
  function init() {
    // The include (templates/includes/location.html) marks its fieldset; elsewhere the form.
    document.querySelectorAll("input[name$='position_consent']").forEach(function (consent) {
      var box = consent.closest("[data-location]") || consent.form;
      if (!box || consent.dataset.locationReady) { return; }
      consent.dataset.locationReady = "1";
      statusFor(box, consent);
      consent.addEventListener("change", function () {
        if (consent.checked) { locate(box); } else { clear(box); say(box, ""); }
      });
      // A form sent back with consent but no position (an error elsewhere): try again.
      if (consent.checked && !field(box, "latitude").value) { locate(box); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
