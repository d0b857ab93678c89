// The case form's 社/网格 list follows the chosen village. Works without it: the server
// checks that the 社/网格 lies in the village.
(function () {
  "use strict";

  // <select data-narrows="ID">: the select #ID keeps only the options whose data-village is
  // the value chosen here (all of them while nothing is chosen). The server checks the pair
  // anyway; this only keeps 32 villages' 社 and 网格 out of the way.
  function narrow(source) {
    var target = document.getElementById(source.getAttribute("data-narrows"));
    if (!target) return;
    if (!target.pxAll) {
      target.pxAll = Array.prototype.map.call(target.children, function (node) {
        return node.cloneNode(true);
      });
    }
    var chosen = source.value;
    var kept = target.value;
    target.textContent = "";
    target.pxAll.forEach(function (node) {
      if (node.tagName !== "OPTGROUP") {
        target.appendChild(node.cloneNode(true));
        return;
      }
      var group = node.cloneNode(false);
      Array.prototype.forEach.call(node.children, function (option) {
        if (!chosen || option.getAttribute("data-village") === chosen) {
          group.appendChild(option.cloneNode(true));
        }
      });
      if (group.children.length) target.appendChild(group);
    });
    target.value = kept;
    if (target.value !== kept) target.value = "";
  }

  Array.prototype.forEach.call(document.querySelectorAll("select[data-narrows]"), narrow);

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-narrows")) narrow(el);
  });
})();
