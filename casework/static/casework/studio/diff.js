/* 版本对比: two read-only bpmn-js viewers (old, new) with the changes marked —
   added (green) on the new one, removed (red) on the old one, changed (amber) on both.
   A click on an item of the change list brings that element into view on both sides. */
(function () {
  var MARKS = {
    old: { removed: "xt-diff-removed", changed: "xt-diff-changed" },
    new: { added: "xt-diff-added", changed: "xt-diff-changed" }
  };
  var viewers = [];

  function markers() {
    var node = document.getElementById("diff-markers");
    try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
  }

  function show(el, ids) {
    var viewer = new BpmnJS({ container: el });
    var side = el.dataset.diffSide;
    viewers.push(viewer);
    return fetch(el.dataset.xmlUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        var marked = 0;
        Object.keys(MARKS[side] || {}).forEach(function (kind) {
          (ids[kind] || []).forEach(function (id) {
            if (!registry.get(id)) return; // not drawn (a message, a collapsed plane's root…)
            canvas.addMarker(id, MARKS[side][kind]);
            marked += 1;
          });
        });
        el.dataset.marked = String(marked);
        el.dataset.ready = "1";
      })
      .catch(function (err) { el.textContent = "流程图加载失败：" + err.message; el.dataset.ready = "error"; });
  }

  function bounds(points) {
    var xs = points.map(function (p) { return p.x; }), ys = points.map(function (p) { return p.y; });
    var x = Math.min.apply(null, xs), y = Math.min.apply(null, ys);
    return { x: x, y: y, width: Math.max.apply(null, xs) - x, height: Math.max.apply(null, ys) - y };
  }

  function focus(id) {
    viewers.forEach(function (viewer) {
      var registry = viewer.get("elementRegistry");
      var canvas = viewer.get("canvas");
      registry.getAll().forEach(function (e) { if (canvas.hasMarker(e, "xt-diff-focus")) canvas.removeMarker(e, "xt-diff-focus"); });
      var element = registry.get(id);
      if (!element) return;
      // Centre the element at 100 % (a connection by its first waypoint's box).
      var box = element.waypoints ? bounds(element.waypoints) : element;
      var outer = canvas.viewbox().outer;
      canvas.viewbox({
        x: box.x + box.width / 2 - outer.width / 2,
        y: box.y + box.height / 2 - outer.height / 2,
        width: outer.width,
        height: outer.height
      });
      canvas.addMarker(element, "xt-diff-focus");
    });
  }

  function render() {
    var sides = document.querySelectorAll("[data-diff-side]");
    if (!sides.length || typeof BpmnJS === "undefined") return;
    if (sides[0].dataset.rendered) return;
    var ids = markers();
    sides.forEach(function (el) { el.dataset.rendered = "1"; show(el, ids); });
    document.querySelectorAll(".xt-changes [data-element-id], .xt-layout-list [data-element-id]").forEach(function (item) {
      function go() {
        focus(item.dataset.elementId);
        var top = document.querySelector(".xt-diff-viewers");
        if (top && top.getBoundingClientRect().top < 0) top.scrollIntoView({ behavior: "smooth", block: "start" });
      }
      item.addEventListener("click", go);
      item.addEventListener("keydown", function (ev) { if (ev.key === "Enter") go(); });
    });
  }
  document.addEventListener("turbo:load", render);
  document.addEventListener("DOMContentLoaded", render);
  render();
})();
