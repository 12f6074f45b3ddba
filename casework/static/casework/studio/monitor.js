/* 流程监控: draw a case's diagram with where it stands and the path it took (data-mode="case"),
   or a process's diagram as a heatmap of the time its tasks take (data-mode="heatmap").
   The XML and the figures come in <script type="application/json"> blocks of the page. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function isContainer(element) {
    return element.type === "bpmn:SubProcess" || element.type === "bpmn:Participant" ||
      element.type === "bpmn:Transaction" || element.type === "bpmn:AdHocSubProcess";
  }

  function mark(viewer, ids, marker) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    (ids || []).forEach(function (id) {
      var element = registry.get(id);
      if (!element) return; /* not drawn in this diagram */
      canvas.addMarker(id, marker);
      /* an expanded subprocess is outlined only, so the steps inside it stay readable */
      if (isContainer(element) && element.collapsed !== true) canvas.addMarker(id, "xt-mon-container");
    });
  }

  /* On a narrow screen the whole diagram fitted is too small to read: show the part that
     matters (an active step, the slowest task) at a readable scale; the rest is a drag away. */
  var NARROW = 600; /* px: below this the diagram container is a phone's */

  function focus(viewer, ids) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    if (canvas.getContainer().clientWidth >= NARROW || canvas.zoom() >= 0.45) return;
    var element = (ids || []).map(function (id) { return registry.get(id); })
      .filter(function (e) { return e && !isContainer(e) && e.width; })[0];
    if (!element) return;
    var outer = canvas.viewbox().outer;
    var scale = 0.75;
    var width = outer.width / scale, height = outer.height / scale;
    canvas.viewbox({
      x: element.x + element.width / 2 - width / 2,
      y: element.y + element.height / 2 - height / 2,
      width: width,
      height: height
    });
  }

  function showCase(viewer, data) {
    mark(viewer, data.completed, "xt-mon-done");
    mark(viewer, data.flows, "xt-mon-flow");
    mark(viewer, data.active, "xt-mon-active");
    mark(viewer, data.stopped, "xt-mon-stopped");
    mark(viewer, data.incidents, "xt-mon-incident");
    return (data.incidents || []).concat(data.active || [], data.stopped || [], (data.completed || []).slice().reverse());
  }

  function tint(registry, id, color) {
    var gfx = registry.getGraphics(id);
    var shape = gfx && gfx.querySelector(".djs-visual > :first-child");
    if (!shape) return;
    shape.style.fill = color.replace("hsl(", "hsla(").replace(")", ", 0.22)");
    shape.style.stroke = color;
    shape.style.strokeWidth = "3px";
  }

  function showHeatmap(viewer, data) {
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    Object.keys(data.heat || {}).forEach(function (id) {
      var figure = data.heat[id];
      if (!registry.get(id)) return;
      tint(registry, id, figure.color);
      var label = document.createElement("div");
      label.className = "xt-mon-heat";
      label.style.background = figure.color;
      label.textContent = figure.label;
      label.title = figure.title;
      label.dataset.element = id;
      overlays.add(id, "heat", { position: { top: -24, left: -10 }, html: label });
    });
    Object.keys(data.tokens || {}).forEach(function (id) {
      var element = registry.get(id);
      if (!element) return;
      var badge = document.createElement("div");
      badge.className = "xt-mon-token";
      badge.textContent = data.tokens[id];
      badge.title = "当前停留在此环节的案件：" + data.tokens[id] + " 件";
      badge.dataset.element = id;
      overlays.add(id, "tokens", { position: { bottom: 10, left: -10 }, html: badge });
    });
    /* the slowest task first (the figures come slowest first), else where cases wait */
    return Object.keys(data.heat || {}).concat(Object.keys(data.tokens || {}));
  }

  /* The whole diagram fitted to its box (on a phone: the part that matters, readable), again
     whenever the box changes size. */
  function fit(viewer, ids) {
    var canvas = viewer.get("canvas");
    canvas.resized();
    canvas.zoom("fit-viewport", "auto");
    focus(viewer, ids);
  }

  function render() {
    var el = document.getElementById("monitor-diagram");
    if (!el || el.dataset.rendered || typeof BpmnJS === "undefined") return;
    el.dataset.rendered = "1";
    var xml = readJson("monitor-bpmn");
    var data = readJson("monitor-data") || {};
    var viewer = new BpmnJS({ container: el });
    viewer.importXML(xml)
      .then(function () {
        var ids = el.dataset.mode === "heatmap" ? showHeatmap(viewer, data) : showCase(viewer, data);
        fit(viewer, ids);
        /* The box's width settles after the page's layout (the side menu) and changes with the
           window: fit again whenever it does (not on height alone: a phone's toolbar). */
        var width = el.clientWidth, timer = null;
        var refit = function () {
          if (el.clientWidth === width) return;
          width = el.clientWidth;
          clearTimeout(timer);
          timer = setTimeout(function () { fit(viewer, ids); el.dataset.fitted = String(width); }, 100);
        };
        if (typeof ResizeObserver !== "undefined") new ResizeObserver(refit).observe(el);
        else window.addEventListener("resize", refit);
        el.dataset.fitted = String(width);
        el.dataset.ready = "1";
      })
      .catch(function (err) {
        el.textContent = /no diagram to display/.test(err.message)
          ? "该流程定义没有图形布局（BPMN DI），无法显示流程图。"
          : "流程图加载失败：" + err.message;
      });
  }
  document.addEventListener("turbo:load", render);
  document.addEventListener("DOMContentLoaded", render);
  render();
})();
