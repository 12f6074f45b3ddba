/* The studio's BPMN editor: bpmn-js modeler (our static files), the properties panel, saving the
   draft, server-side checks pinned to their elements, and deploying a new version. */
(function () {
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () {
        return { message: "服务器返回了无法识别的响应（HTTP " + response.status + "）" };
      }).then(function (data) { data._ok = response.ok; data._status = response.status; return data; });
    }, function () {
      return { _ok: false, message: "无法连接服务器，请检查网络后重试；编辑内容仍在页面中" };
    });
  }

  function boot() {
    var root = document.getElementById("studio-editor");
    if (!root || root.dataset.booted || typeof BpmnJS === "undefined") return;
    root.dataset.booted = "1";
    var catalogue = JSON.parse(document.getElementById("studio-catalogue").textContent);
    var readOnly = root.dataset.deployed === "1";
    var modeler = new BpmnJS({
      container: document.getElementById("studio-canvas"),
      additionalModules: [window.XTStudioTranslate],
      moddleExtensions: { spiffworkflow: window.XTSpiffModdle }
    });
    var panel = new window.XTStudioPanel(document.getElementById("studio-props"), modeler, catalogue);
    var problemsBox = root.querySelector("[data-testid=studio-problems]");
    var stateEl = root.querySelector("[data-testid=save-state]");
    var revisionEl = root.querySelector("[data-testid=revision]");
    var revision = parseInt(root.dataset.revision, 10);
    var dirty = false, marked = [], busy = false;

    function setState(text, kind) {
      stateEl.textContent = text;
      stateEl.className = "xt-studio-state" + (kind ? " xt-studio-state--" + kind : "");
    }

    function xml() { return modeler.saveXML({ format: true }).then(function (r) { return r.xml; }); }

    function clearProblems() {
      var canvas = modeler.get("canvas"), overlays = modeler.get("overlays");
      marked.forEach(function (id) { try { canvas.removeMarker(id, "xt-problem"); } catch (e) { /* gone */ } });
      marked = [];
      overlays.remove({ type: "xt-problem" });
      problemsBox.textContent = "";
    }

    function showProblems(problems, title, kind) {
      clearProblems();
      var registry = modeler.get("elementRegistry"), canvas = modeler.get("canvas"), overlays = modeler.get("overlays");
      var heading = document.createElement("h2");
      heading.textContent = title;
      problemsBox.appendChild(heading);
      if (!problems.length) { problemsBox.className = "xt-studio-problems xt-studio-problems--ok"; return; }
      problemsBox.className = "xt-studio-problems xt-studio-problems--" + (kind || "bad");
      var list = document.createElement("ol");
      var counts = {};
      problems.forEach(function (p) {
        var element = p.element_id ? registry.get(p.element_id) : null;
        var li = document.createElement("li");
        li.dataset.elementId = p.element_id || "";
        var where = document.createElement("b");
        var elsewhere = element ? null : diagramOf(p.element_id);
        where.textContent = element ? (element.businessObject.name || p.element_id) :
          elsewhere ? (elsewhere.name || p.element_id) : (p.element_id || "整个流程图");
        li.appendChild(where);
        li.appendChild(document.createTextNode("：" + p.reason));
        if (elsewhere) {
          var hint = document.createElement("span");
          hint.className = "xt-muted";
          hint.textContent = "（在“" + elsewhere.diagram + "”图中，点击切换）";
          li.appendChild(hint);
          li.className = "xt-studio-problem--linked";
          li.tabIndex = 0;
          li.addEventListener("click", function () {
            openDiagram(elsewhere.index).then(function () { showProblems(problems, title, kind); });
          });
        }
        if (element) {
          li.className = "xt-studio-problem--linked";
          li.tabIndex = 0;
          li.addEventListener("click", function () {
            modeler.get("selection").select(element);
            canvas.scrollToElement(element);
          });
          if (marked.indexOf(p.element_id) < 0) { canvas.addMarker(p.element_id, "xt-problem"); marked.push(p.element_id); }
          counts[p.element_id] = (counts[p.element_id] || 0) + 1;
          if (counts[p.element_id] === 1) {
            var badge = document.createElement("div");
            badge.className = "xt-problem-badge";
            badge.dataset.problemFor = p.element_id;
            badge.title = p.reason;
            badge.textContent = "!";
            overlays.add(p.element_id, "xt-problem", { position: badgePosition(element), html: badge });
          }
        }
        list.appendChild(li);
      });
      problemsBox.appendChild(list);
    }

    function importNote(message) {
      var m = /^unsupported document encoding <([^>]+)>/.exec(message);
      if (m) return "文件声明的编码 " + m[1] + " 不受支持，已按 UTF-8 读取（内容为英文字符时不受影响）";
      m = /^unparsable content <([^>]+)> detected/.exec(message);
      if (m) return "无法识别的内容 <" + m[1] + ">，编辑器未显示它（导出原文件时保留）";
      m = /^unknown type <([^>]+)>/.exec(message);
      if (m) return "未知的元素类型 " + m[1] + "，编辑器未显示它";
      if (/^multiple DI elements defined for/.test(message)) return "同一元素有多个图形定义，只显示第一个";
      if (/^no bpmnElement referenced in/.test(message)) return "有图形未关联任何流程元素，已忽略";
      return "流程图导入提示（bpmn-js）：" + message;
    }

    /* bpmn-js drops a reference it cannot resolve when it saves; SpiffWorkflow reads some of them as
       variable names (bpmn:loopDataInputRef "targets"). Keep each one as a detached element with that
       id, so the saved file says what the imported one said. */
    function keepUnresolved(warnings) {
      var moddle = modeler.get("moddle");
      return warnings.filter(function (w) {
        var unresolved = /^unresolved reference </.test(w.message || "");
        if (!unresolved || !w.element || !w.property || typeof w.value !== "string") return true;
        var holder = moddle.create("bpmn:DataInput", { id: w.value });
        var descriptor = w.element.$descriptor.propertiesByName[w.property.replace(/^bpmn:/, "")] ||
          w.element.$descriptor.propertiesByName[w.property];
        if (descriptor && descriptor.isMany) w.element.get(w.property).push(holder);
        else w.element.set(w.property, holder);
        return false;
      });
    }

    function badgePosition(element) {
      if (!element.waypoints) return { top: -10, right: 10 };
      var xs = element.waypoints.map(function (w) { return w.x; });
      var ys = element.waypoints.map(function (w) { return w.y; });
      var a = element.waypoints[Math.floor((element.waypoints.length - 1) / 2)];
      var b = element.waypoints[Math.floor(element.waypoints.length / 2)];
      return { left: (a.x + b.x) / 2 - Math.min.apply(null, xs) - 10, top: (a.y + b.y) / 2 - Math.min.apply(null, ys) - 10 };
    }

    /* A file may hold several diagrams (BPMN DI planes): a selector switches between them. */
    var diagrams = [];
    function diagramOf(id) {
      if (!id) return null;
      for (var i = 0; i < diagrams.length; i += 1) {
        var found = diagrams[i].ids[id];
        if (found !== undefined) return { index: i, diagram: diagrams[i].name, name: found };
      }
      return null;
    }
    function openDiagram(index) {
      var d = diagrams[index];
      return modeler.open(d.id).then(function () { fit(); select.value = String(index); });
    }
    var select = document.createElement("select");
    select.setAttribute("data-testid", "studio-diagram");
    select.setAttribute("aria-label", "选择流程图");
    select.addEventListener("change", function () { openDiagram(parseInt(select.value, 10)); });
    function listDiagrams() {
      var defs = modeler.getDefinitions();
      diagrams = (defs.diagrams || []).map(function (diagram, index) {
        var ids = {};
        (diagram.plane.planeElement || []).forEach(function (di) {
          if (di.bpmnElement) ids[di.bpmnElement.id] = di.bpmnElement.name || "";
        });
        var element = diagram.plane.bpmnElement;
        var name = diagram.name || (element && element.name) || "图 " + (index + 1);
        return { id: diagram.id, name: name, ids: ids };
      });
      if (diagrams.length < 2) return;
      select.textContent = "";
      diagrams.forEach(function (d, i) {
        var option = document.createElement("option");
        option.value = String(i);
        option.textContent = d.name;
        select.appendChild(option);
      });
      var bar = document.createElement("div");
      bar.className = "xt-studio-diagrams";
      var label = document.createElement("span");
      label.textContent = "本文件有 " + diagrams.length + " 张流程图：";
      bar.appendChild(label);
      bar.appendChild(select);
      root.querySelector(".xt-studio-body").before(bar);
    }

    /* Fit the diagram into the part of the canvas the palette leaves free. */
    function fit() {
      var canvas = modeler.get("canvas");
      canvas.zoom("fit-viewport");
      var palette = root.querySelector(".djs-palette");
      var container = document.getElementById("studio-canvas");
      var box = canvas.viewbox();
      if (!palette || !box.inner.width) return;
      var left = palette.offsetLeft + palette.offsetWidth + 12;
      var width = container.clientWidth - left - 12, height = container.clientHeight - 24;
      var scale = Math.min(width / box.inner.width, height / box.inner.height, 1);
      if (scale <= 0) return;
      canvas.viewbox({
        x: box.inner.x - left / scale,
        y: box.inner.y - 12 / scale,
        width: container.clientWidth / scale,
        height: container.clientHeight / scale
      });
    }

    function save() {
      if (readOnly) return Promise.resolve(false);
      setState("保存中…");
      return xml().then(function (text) {
        return post(root.dataset.saveUrl, { xml: text, revision: revision });
      }).then(function (data) {
        if (!data._ok) {
          setState(data.message || "保存失败", "bad");
          if (data._status === 409) { dirty = true; }
          return false;
        }
        revision = data.revision;
        revisionEl.textContent = revision;
        dirty = false;
        setState("已保存 " + data.saved_at, "ok");
        return true;
      });
    }

    function check() {
      setState("校验中…");
      return xml().then(function (text) { return post(root.dataset.checkUrl, { xml: text }); }).then(function (data) {
        if (data._ok) {
          showProblems(data.problems, data.deployable ? "校验通过：可以部署" : "校验发现 " + data.problems.length + " 个问题");
          setState(dirty ? "未保存" : "已保存", dirty ? "warn" : "ok");
        } else {
          setState(data.message || "校验失败", "bad");
        }
        return data;
      });
    }

    var dialog = document.getElementById("studio-deploy-dialog");
    var deployError = dialog.querySelector("[data-testid=deploy-error]");
    function deploy() {
      var comment = document.getElementById("deploy-comment").value;
      if (!comment.trim()) { deployError.textContent = "请填写部署说明"; return; }
      deployError.textContent = "部署中…";
      xml().then(function (text) {
        return post(root.dataset.deployUrl, { xml: text, revision: revision, comment: comment });
      }).then(function (data) {
        if (data.revision) { revision = data.revision; revisionEl.textContent = revision; dirty = false; }
        if (data._ok) { dirty = false; window.location.href = data.url; return; }
        if (data.problems) {
          dialog.close();
          showProblems(data.problems, "未部署：校验发现 " + data.problems.length + " 个问题");
          setState("已保存（未部署）", "warn");
          return;
        }
        deployError.textContent = data.message || "部署失败";
      });
    }

    /* Unchanged since it was opened or saved: the file exactly as stored (an imported file comes
       back byte for byte); with unsaved edits: what the editor holds now. */
    function exportXml() {
      if (!dirty) {
        window.location.href = root.dataset.xmlUrl + "?download=1";
        return;
      }
      xml().then(function (text) {
        var blob = new Blob([text], { type: "application/xml" });
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = root.dataset.name + ".bpmn";
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
      });
    }

    root.querySelector(".xt-studio-toolbar").addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (!button || busy) return;
      var action = button.dataset.action;
      if (action === "undo") modeler.get("commandStack").undo();
      else if (action === "redo") modeler.get("commandStack").redo();
      else if (action === "save") save();
      else if (action === "check") check();
      else if (action === "export") exportXml();
      else if (action === "deploy" && !readOnly) { deployError.textContent = ""; dialog.showModal(); }
    });
    dialog.addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (!button) return;
      if (button.dataset.action === "deploy-confirm") deploy();
      else dialog.close();
    });

    modeler.on("commandStack.changed", function () {
      dirty = true;
      setState("未保存", "warn");
      var selected = modeler.get("selection").get();
      if (!root.querySelector(".xt-studio-props").contains(document.activeElement)) {
        panel.show(selected.length === 1 ? owner(selected[0]) : null);
      }
    });
    function owner(element) { return element && element.type === "label" && element.labelTarget ? element.labelTarget : element; }
    modeler.on("selection.changed", function (event) {
      panel.show(event.newSelection.length === 1 ? owner(event.newSelection[0]) : null);
    });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
    document.addEventListener("turbo:before-visit", function (event) {
      if (dirty && !window.confirm("流程图有未保存的修改，确定离开？")) event.preventDefault();
    });
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); save(); }
    });

    fetch(root.dataset.xmlUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (text) { return modeler.importXML(text); })
      .then(function (result) {
        listDiagrams();
        fit();
        panel.show(null);
        var warnings = keepUnresolved((result && result.warnings) || []);
        if (warnings.length) {
          showProblems(warnings.map(function (w) {
            return { element_id: w.element && w.element.id || "", reason: importNote(w.message || "") };
          }), "导入时有 " + warnings.length + " 条提示（不影响显示和编辑）", "info");
        }
        root.dataset.ready = "1";
        setState("已保存", "ok");
      })
      .catch(function (err) {
        root.dataset.ready = "error";
        problemsBox.textContent = "流程图无法显示：" + err.message + "。可导出文件检查，或点击“校验”查看服务器的检查结果。";
        problemsBox.className = "xt-studio-problems xt-studio-problems--bad";
      });

    window.XTStudio = { modeler: modeler, save: save, check: check };
  }
  document.addEventListener("turbo:load", boot);
  document.addEventListener("DOMContentLoaded", boot);
  boot();
})();
