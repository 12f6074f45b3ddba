// A search box above each <select data-filter="placeholder">: typing keeps the options whose
// text contains what was typed (and the groups that still hold one); the chosen option stays.
(function () {
  "use strict";

  function attach(select) {
    if (select.dataset.filterReady) return;
    select.dataset.filterReady = "1";
    var original = Array.prototype.map.call(select.children, function (node) {
      return node.cloneNode(true);
    });
    var input = document.createElement("input");
    input.type = "search";
    input.className = "xt-select-filter";
    input.placeholder = select.dataset.filter || "输入文字筛选";
    input.setAttribute("aria-label", input.placeholder);
    input.setAttribute("data-testid", "select-filter");
    var count = document.createElement("div");
    count.className = "xt-muted";
    count.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(count, select.nextSibling);

    function matches(option, words) {
      var text = option.textContent.toLowerCase();
      return !option.value || words.every(function (w) { return text.indexOf(w) !== -1; });
    }

    function render() {
      var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var chosen = select.value;
      var shown = 0;
      select.textContent = "";
      original.forEach(function (node) {
        if (node.tagName === "OPTGROUP") {
          var group = node.cloneNode(false);
          Array.prototype.forEach.call(node.children, function (option) {
            if (matches(option, words) || option.value === chosen) {
              group.appendChild(option.cloneNode(true));
              shown += 1;
            }
          });
          if (group.children.length) select.appendChild(group);
        } else if (matches(node, words) || node.value === chosen) {
          select.appendChild(node.cloneNode(true));
          if (node.value) shown += 1;
        }
      });
      select.value = chosen;
      count.textContent = words.length ? "符合条件的 " + shown + " 项" : "";
    }

    input.addEventListener("input", render);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // do not submit the form; pick the first match instead
        var first = select.querySelector("option:not([value=''])");
        if (first) select.value = first.value;
      }
    });
  }

  function attachAll() {
    document.querySelectorAll("select[data-filter]").forEach(attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", attachAll);
  } else {
    attachAll();
  }
  document.addEventListener("turbo:load", attachAll);
})();
