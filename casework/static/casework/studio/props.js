/* The studio's properties panel: the fields our engine reads, in Chinese, written back into the
   diagram through bpmn-js commands (so 撤销 / 重做 cover them too).

   Human tasks: candidate_department / candidate_role / keep_assignee / form_key /
   escalation_department (spiffworkflow:property); timer events: the legal clock rule
   (workdays(clock("key"))) or a raw expression; gateway flows: the condition; script tasks: the script. */
(function () {
  var TYPE_NAMES = {
    "bpmn:Process": "流程", "bpmn:Collaboration": "协作图", "bpmn:Participant": "池/参与者", "bpmn:Lane": "泳道",
    "bpmn:UserTask": "用户任务", "bpmn:ManualTask": "手工任务", "bpmn:ScriptTask": "脚本任务",
    "bpmn:ServiceTask": "服务任务", "bpmn:SendTask": "发送任务", "bpmn:ReceiveTask": "接收任务",
    "bpmn:BusinessRuleTask": "业务规则任务", "bpmn:Task": "任务", "bpmn:CallActivity": "调用活动",
    "bpmn:SubProcess": "子流程", "bpmn:StartEvent": "开始事件", "bpmn:EndEvent": "结束事件",
    "bpmn:BoundaryEvent": "边界事件", "bpmn:IntermediateCatchEvent": "中间捕获事件",
    "bpmn:IntermediateThrowEvent": "中间抛出事件", "bpmn:ExclusiveGateway": "排他网关",
    "bpmn:ParallelGateway": "并行网关", "bpmn:InclusiveGateway": "包容网关", "bpmn:EventBasedGateway": "事件网关",
    "bpmn:ComplexGateway": "复杂网关", "bpmn:SequenceFlow": "顺序流", "bpmn:MessageFlow": "消息流",
    "bpmn:TextAnnotation": "文字注释", "bpmn:DataObjectReference": "数据对象", "bpmn:DataStoreReference": "数据存储",
    "bpmn:Group": "分组", "bpmn:Association": "关联"
  };
  var CLOCK_EXPR = /^\s*workdays\(\s*clock\(\s*["']([^"']+)["']\s*\)\s*\)\s*$/;

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") el.textContent = attrs[k];
      else if (k.indexOf("on") === 0) el.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) el.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) el.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return el;
  }

  var uid = 0;
  function field(label, control, hint) {
    uid += 1;
    control.id = control.id || "xt-prop-" + uid;
    return h("div", { class: "xt-field xt-prop" }, [
      h("label", { for: control.id, text: label }), control,
      hint ? h("p", { class: "xt-muted xt-prop-hint", text: hint }) : null
    ]);
  }

  function select(options, value, onchange, testid) {
    var el = h("select", { "data-testid": testid, onchange: function () { onchange(el.value); } });
    options.forEach(function (o) {
      var opt = h("option", { value: o.value, text: o.label });
      if (o.value === value) opt.selected = true;
      el.appendChild(opt);
    });
    if (value && !options.some(function (o) { return o.value === value; })) {
      el.appendChild(h("option", { value: value, text: value + "（未登记）", selected: "selected" }));
    }
    return el;
  }

  function text(value, onchange, attrs) {
    var el = h(attrs && attrs.multiline ? "textarea" : "input", {
      type: attrs && attrs.multiline ? undefined : "text",
      rows: attrs && attrs.multiline ? 3 : undefined,
      "data-testid": attrs && attrs.testid, placeholder: attrs && attrs.placeholder, spellcheck: "false"
    });
    el.value = value || "";
    el.addEventListener("change", function () { onchange(el.value); });
    return el;
  }

  function Panel(container, modeler, catalogue) {
    this.container = container;
    this.modeler = modeler;
    this.catalogue = catalogue;
    this.element = null;
  }

  Panel.prototype.bo = function () { return this.element.businessObject; };

  Panel.prototype.properties = function () {
    var ext = this.bo().extensionElements;
    var values = (ext && ext.values) || [];
    for (var i = 0; i < values.length; i += 1) {
      if (values[i].$type === "spiffworkflow:Properties") return values[i];
    }
    return null;
  };

  Panel.prototype.prop = function (name) {
    var props = this.properties();
    var found = ((props && props.values) || []).filter(function (p) { return p.name === name; })[0];
    return found ? found.value || "" : "";
  };

  Panel.prototype.setProp = function (name, value) {
    var element = this.element, modeling = this.modeler.get("modeling"), moddle = this.modeler.get("moddle");
    var bo = element.businessObject;
    value = (value || "").trim();
    var props = this.properties();
    var current = ((props && props.values) || []).filter(function (p) { return p.name === name; })[0];
    if (!value) {
      if (current) {
        modeling.updateModdleProperties(element, props, {
          values: props.values.filter(function (p) { return p !== current; })
        });
      }
      return;
    }
    if (current) { modeling.updateModdleProperties(element, current, { value: value }); return; }
    var ext = bo.extensionElements;
    if (!ext) {
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      modeling.updateProperties(element, { extensionElements: ext });
    }
    if (!props) {
      props = moddle.create("spiffworkflow:Properties", { values: [] });
      modeling.updateModdleProperties(element, ext, { values: (ext.values || []).concat([props]) });
    }
    var created = moddle.create("spiffworkflow:Property", { name: name, value: value });
    modeling.updateModdleProperties(element, props, { values: (props.values || []).concat([created]) });
  };

  Panel.prototype.show = function (element) {
    this.element = element;
    var c = this.container;
    c.textContent = "";
    if (!element) {
      c.appendChild(h("p", { class: "xt-muted", text: "在流程图中选择一个元素以编辑其属性。" }));
      return;
    }
    var bo = element.businessObject, type = bo.$type, self = this;
    c.appendChild(h("h2", { text: TYPE_NAMES[type] || type.replace("bpmn:", "") }));
    c.appendChild(h("p", { class: "xt-muted xt-prop-id", "data-testid": "prop-id", text: "元素 ID：" + bo.id }));
    if (type !== "bpmn:Collaboration" && type !== "bpmn:Process" && element.type !== "label") {
      c.appendChild(field("名称", text(bo.name, function (v) {
        self.modeler.get("modeling").updateLabel(element, v);
      }, { testid: "prop-name" })));
    }
    var human = type === "bpmn:UserTask" || type === "bpmn:ManualTask";
    if (human) this.humanTask(c);
    var timer = (bo.eventDefinitions || []).filter(function (d) { return d.$type === "bpmn:TimerEventDefinition"; })[0];
    if (timer) this.timer(c, timer);
    if (type === "bpmn:SequenceFlow" && bo.sourceRef &&
        (bo.sourceRef.$type === "bpmn:ExclusiveGateway" || bo.sourceRef.$type === "bpmn:InclusiveGateway")) {
      this.condition(c);
    }
    if (type === "bpmn:ScriptTask") {
      c.appendChild(field("脚本", text(bo.script, function (v) {
        self.modeler.get("modeling").updateProperties(element, { script: v });
      }, { multiline: true, testid: "prop-script" }), "Python 语句，在受限环境中执行；部署时校验。"));
    }
    var doc = (bo.documentation || [])[0];
    c.appendChild(field("说明", text(doc ? doc.text : "", function (v) {
      var moddle = self.modeler.get("moddle");
      self.modeler.get("modeling").updateProperties(element, {
        documentation: v ? [moddle.create("bpmn:Documentation", { text: v })] : []
      });
    }, { multiline: true, testid: "prop-doc" })));
  };

  Panel.prototype.humanTask = function (c) {
    var self = this, cat = this.catalogue;
    c.appendChild(h("h3", { text: "办理人" }));
    var departments = cat.departments.map(function (d) { return { value: '"' + d.code + '"', label: d.name }; });
    var dept = this.prop("candidate_department");
    var known = departments.some(function (d) { return d.value === dept; });
    var mode = select([{ value: "", label: "按泳道名称（默认）" }].concat(departments)
      .concat([{ value: "__expr__", label: "按案件数据（表达式）…" }]),
      known || !dept ? dept : "__expr__", function (v) {
        if (v === "__expr__") { expr.hidden = false; expr.focus(); return; }
        self.setProp("candidate_department", v);
      }, "prop-department");
    var expr = text(known ? "" : dept, function (v) { self.setProp("candidate_department", v); },
      { testid: "prop-department-expr", placeholder: "如 department（案件数据中的部门代码）" });
    expr.hidden = known || !dept;
    var wrap = h("div", {}, [mode, expr]);
    c.appendChild(field("候选部门", wrap, "固定部门，或案件数据中保存部门代码的变量。"));
    c.appendChild(field("候选角色", select(cat.roles.map(function (r) { return { value: r.code, label: r.name }; }),
      this.prop("candidate_role") || "officer", function (v) { self.setProp("candidate_role", v); }, "prop-role")));
    var keep = h("input", { type: "checkbox", "data-testid": "prop-keep" });
    keep.checked = this.prop("keep_assignee") === "true";
    keep.addEventListener("change", function () { self.setProp("keep_assignee", keep.checked ? "true" : ""); });
    c.appendChild(h("label", { class: "xt-prop-check" }, [keep, " 上一环节办理人继续办理（无需再次认领）"]));
    var forms = [{ value: "", label: "与任务 ID 同名的表单（默认）" }].concat(
      cat.forms.map(function (f) { return { value: f.key, label: f.name + "（" + f.key + "）" }; }));
    c.appendChild(field("表单", select(forms, this.prop("form_key"), function (v) { self.setProp("form_key", v); },
      "prop-form"), "办理时填写的表单；可复用本流程其他环节的表单。"));
    var supervisors = cat.departments.filter(function (d) { return d.kind === "效能督查机构"; })
      .map(function (d) { return { value: d.code, label: d.name }; });
    c.appendChild(field("超期督办部门", select([{ value: "", label: "平台默认督办机构" }].concat(supervisors),
      this.prop("escalation_department"), function (v) { self.setProp("escalation_department", v); }, "prop-escalation"),
      "本环节超期转效能督办时由哪个督查机构办理。"));
  };

  Panel.prototype.timer = function (c, timer) {
    var self = this, modeling = this.modeler.get("modeling"), moddle = this.modeler.get("moddle");
    var slot = timer.timeDate ? "timeDate" : timer.timeDuration ? "timeDuration" : timer.timeCycle ? "timeCycle" : "timeDate";
    var current = timer[slot] ? timer[slot].body || "" : "";
    var match = CLOCK_EXPR.exec(current);
    c.appendChild(h("h3", { text: "法定时限" }));
    var rules = this.catalogue.clocks;
    var basis = h("div", { class: "xt-prop-basis", "data-testid": "prop-clock-basis" });
    function showBasis(key) {
      var rule = rules.filter(function (r) { return r.key === key; })[0];
      basis.textContent = "";
      if (!rule) { if (key) basis.appendChild(h("p", { class: "xt-prop-warn", text: "规则表中没有“" + key + "”" })); return; }
      basis.appendChild(h("p", { text: rule.title + "：" + rule.days + " 个" + rule.unit + "（" + rule.area + "）" }));
      basis.appendChild(h("p", { class: "xt-muted", text: "依据：" + rule.basis }));
      if (rule.variants.length) basis.appendChild(h("p", { class: "xt-muted", text: "地方规定：" + rule.variants.join("；") }));
    }
    function write(expr) {
      modeling.updateModdleProperties(self.element, timer, (function () {
        var o = {}; o[slot] = moddle.create("bpmn:FormalExpression", { body: expr }); return o;
      })());
    }
    var options = [{ value: "", label: match ? "—" : "（自定义表达式）" }].concat(rules.map(function (r) {
      return { value: r.key, label: r.title + "（" + r.days + " 个" + r.unit + "）" };
    }));
    c.appendChild(field("时限规则", select(options, match ? match[1] : "", function (key) {
      if (!key) return;
      write('workdays(clock("' + key + '"))');
    }, "prop-clock"), "引用法定时限规则表；天数与依据随规则表变化，按案件所在地适用地方规定。"));
    c.appendChild(basis);
    showBasis(match ? match[1] : "");
    c.appendChild(field("定时器表达式", text(current, function (v) { write(v); }, { testid: "prop-timer-expr" }),
      "一般不必直接编辑；如 workdays(clock(\"push.claim\"))。"));
  };

  Panel.prototype.condition = function (c) {
    var self = this, bo = this.bo(), moddle = this.modeler.get("moddle");
    var isDefault = bo.sourceRef.default === bo;
    c.appendChild(h("h3", { text: "出口条件" }));
    if (isDefault) { c.appendChild(h("p", { class: "xt-muted", text: "这是网关的默认出口：其他条件都不满足时走这条。" })); return; }
    var current = bo.conditionExpression ? bo.conditionExpression.body || "" : "";
    c.appendChild(field("条件表达式", text(current, function (v) {
      self.modeler.get("modeling").updateProperties(self.element, {
        conditionExpression: v ? moddle.create("bpmn:FormalExpression", { body: v }) : undefined
      });
    }, { multiline: true, testid: "prop-condition", placeholder: "如 decision == \"claim\"" }),
    "Python 表达式，引用案件数据；部署时校验。"));
  };

  window.XTStudioPanel = Panel;
})();
