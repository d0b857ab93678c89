// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Marks that scripts run: the pickers' search boxes show only then (without JavaScript
  // a picker is its plain select).
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.classList && el.classList.contains("autosubmit") && el.form) {
      el.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-print]") : null;
    if (el) {
      event.preventDefault();
      window.print();
    }
  });
})();
