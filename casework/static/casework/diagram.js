/* Render the case's BPMN diagram with bpmn-js (served from our static files) and mark the
   steps that are open now. */
(function () {
  function render() {
    var el = document.getElementById("diagram");
    if (!el || el.dataset.rendered || typeof BpmnJS === "undefined") return;
    el.dataset.rendered = "1";
    var viewer = new BpmnJS({ container: el });
    fetch(el.dataset.xmlUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        canvas.zoom("fit-viewport");
        (el.dataset.current || "").split(",").filter(Boolean).forEach(function (id) {
          try { canvas.addMarker(id, "xt-current"); } catch (e) { /* element not drawn */ }
        });
        el.dataset.ready = "1";
      })
      .catch(function (err) { el.textContent = "流程图加载失败：" + err.message; });
  }
  document.addEventListener("turbo:load", render);
  document.addEventListener("DOMContentLoaded", render);
  render();
})();
