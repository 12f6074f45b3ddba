"""A semantic diff of two BPMN XML texts, element by element (matched by ``id``).

``diff_bpmn(old_xml, new_xml)`` tells which elements were added, removed or changed, and for a
changed element what changed, in Chinese words (名称, 条件表达式, 定时器表达式, 脚本, 候选部门 …),
old value → new value.  Moving shapes or re-routing connections (the diagram interchange part,
``bpmndi``) is no change in meaning: those elements are listed apart, as 仅布局调整.

Pure functions: no database, no engine.  The XML is read with a parser that resolves no
entities, loads no DTD and touches no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

#: Elements whose children are elements of their own (tracked one by one).
_CONTAINERS = {
    "definitions",
    "process",
    "subProcess",
    "transaction",
    "adHocSubProcess",
    "collaboration",
    "laneSet",
    "childLaneSet",
    "choreography",
    "subChoreography",
}
_FLOW_CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess"}
#: Children with an id that belong to their parent's settings rather than being elements.
_NOT_ELEMENTS = {"laneSet", "childLaneSet", "ioSpecification", "ioBinding", "property", "extensionElements"}

TYPE_LABELS = {
    "process": "流程",
    "collaboration": "协作图",
    "participant": "参与者（池）",
    "lane": "泳道",
    "subProcess": "子流程",
    "transaction": "事务子流程",
    "adHocSubProcess": "自由子流程",
    "callActivity": "调用活动",
    "task": "任务",
    "userTask": "用户任务",
    "manualTask": "手工任务",
    "serviceTask": "服务任务",
    "scriptTask": "脚本任务",
    "sendTask": "发送任务",
    "receiveTask": "接收任务",
    "businessRuleTask": "业务规则任务",
    "startEvent": "开始事件",
    "endEvent": "结束事件",
    "intermediateThrowEvent": "中间抛出事件",
    "intermediateCatchEvent": "中间捕获事件",
    "boundaryEvent": "边界事件",
    "exclusiveGateway": "排他网关",
    "inclusiveGateway": "包容网关",
    "parallelGateway": "并行网关",
    "eventBasedGateway": "事件网关",
    "complexGateway": "复杂网关",
    "sequenceFlow": "连线",
    "messageFlow": "消息流",
    "association": "关联",
    "dataObject": "数据对象",
    "dataObjectReference": "数据对象引用",
    "dataStore": "数据存储",
    "dataStoreReference": "数据存储引用",
    "dataInput": "输入数据",
    "dataOutput": "输出数据",
    "textAnnotation": "文本注释",
    "group": "分组",
    "category": "分类",
    "message": "消息",
    "signal": "信号",
    "error": "错误",
    "escalation": "升级",
    "itemDefinition": "数据类型定义",
    "interface": "接口",
}

_EVENT_KINDS = {
    "timerEventDefinition": "定时",
    "messageEventDefinition": "消息",
    "signalEventDefinition": "信号",
    "errorEventDefinition": "错误",
    "escalationEventDefinition": "升级",
    "conditionalEventDefinition": "条件",
    "compensateEventDefinition": "补偿",
    "terminateEventDefinition": "终止",
    "linkEventDefinition": "链接",
    "cancelEventDefinition": "取消",
}
_TIMER_KINDS = {"timeDate": "指定时间", "timeDuration": "时长", "timeCycle": "周期"}

#: spiffworkflow:property names the engine reads, in words.
PROPERTY_LABELS = {
    "candidate_department": "候选部门",
    "candidate_role": "候选角色",
    "keep_assignee": "由认领人继续办理",
    "form_key": "表单",
    "escalation_department": "超期督办部门",
    "escalation_target": "督办对象",
    "legal_clock": "法定时限",
}
_SPIFF_LABELS = {
    "instructionsForEndUser": "办理说明",
    "preScript": "前置脚本",
    "postScript": "后置脚本",
    "messagePayload": "消息内容",
    "messageVariable": "消息变量",
    "calledDecisionId": "调用决策",
    "serviceTaskOperator": "服务调用",
    "unitTests": "脚本测试",
}
#: Attributes with a meaning of their own; a reference names another element (shown by its name).
_ATTRIBUTES: dict[str, tuple[str, bool]] = {
    "sourceRef": ("连线起点", True),
    "targetRef": ("连线终点", True),
    "default": ("默认路径", True),
    "attachedToRef": ("附着环节", True),
    "cancelActivity": ("中断所附环节", False),
    "isInterrupting": ("中断流程", False),
    "calledElement": ("调用流程", False),
    "processRef": ("参与流程", True),
    "messageRef": ("消息", True),
    "signalRef": ("信号", True),
    "errorRef": ("错误", True),
    "escalationRef": ("升级", True),
    "dataObjectRef": ("数据对象", True),
    "dataStoreRef": ("数据存储", True),
    "scriptFormat": ("脚本语言", False),
    "triggeredByEvent": ("事件子流程", False),
    "isExecutable": ("可执行", False),
    "isForCompensation": ("用于补偿", False),
    "instantiate": ("实例化流程", False),
    "eventGatewayType": ("事件网关类型", False),
    "gatewayDirection": ("网关方向", False),
    "implementation": ("实现方式", False),
    "errorCode": ("错误代码", False),
    "escalationCode": ("升级代码", False),
    "categoryValueRef": ("分类", True),
    "associationDirection": ("关联方向", False),
    "parallelMultiple": ("并行多重", False),
    "completionQuantity": ("完成数量", False),
    "startQuantity": ("启动数量", False),
}
_BOOLEAN_WORDS = {"true": "是", "false": "否"}


class BpmnDiffError(ValueError):
    """One of the two texts cannot be read as BPMN XML (a Chinese message)."""


@dataclass(frozen=True)
class FieldChange:
    """One aspect of an element: ``label`` (Chinese), old and new value as shown to people.

    ``key`` is the machine name of the aspect (``name``, ``timer``, ``property:candidate_role`` …);
    ``old_raw``/``new_raw`` are the values before references were turned into names.
    """

    key: str
    label: str
    old: str
    new: str
    old_raw: str = ""
    new_raw: str = ""


@dataclass(frozen=True)
class ElementChange:
    """An element that was added, removed, changed or only moved (``kind``)."""

    kind: str  # added | removed | changed | layout
    element_id: str
    type_label: str
    name: str  # the element's name as people read it (newest side), never empty
    has_name: bool  # False: ``name`` is made up (e.g. "起点 → 终点" for an unnamed connection)
    fields: tuple[FieldChange, ...] = ()

    @property
    def kind_label(self) -> str:
        return {"added": "新增", "removed": "删除", "changed": "修改", "layout": "仅布局调整"}[self.kind]


@dataclass(frozen=True)
class BpmnDiff:
    added: tuple[ElementChange, ...] = ()
    removed: tuple[ElementChange, ...] = ()
    changed: tuple[ElementChange, ...] = ()
    layout_only: tuple[ElementChange, ...] = ()
    identical: bool = False  # the two texts are the same, character for character

    @property
    def has_semantic_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def markers(self) -> dict[str, list[str]]:
        """Element ids per marker, for the two diagrams (old: removed + changed, new: added + changed)."""
        return {
            "added": [c.element_id for c in self.added],
            "removed": [c.element_id for c in self.removed],
            "changed": [c.element_id for c in self.changed],
            "layout": [c.element_id for c in self.layout_only],
        }


# ---------------------------------------------------------------------------
# reading


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""  # a comment or a processing instruction
    return tag.rsplit("}", 1)[-1]


def _ns(tag: Any) -> str:
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    return tag[1:].split("}", 1)[0]


def _parse(xml: str | bytes, which: str) -> Any:
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    if not data.strip():
        raise BpmnDiffError(f"{which}的流程图为空")
    parser = etree.XMLParser(
        encoding="utf-8" if isinstance(xml, str) else None,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        line = f"（第 {exc.lineno} 行）" if exc.lineno else ""
        raise BpmnDiffError(f"{which}的流程图不是格式正确的 XML{line}") from exc
    if root.getroottree().docinfo.doctype:
        raise BpmnDiffError(f"{which}的流程图声明了 DOCTYPE 或实体，不予读取")
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise BpmnDiffError(f"{which}的文件不是 BPMN 2.0 流程图")
    return root


def _text(elem: Any) -> str:
    return "".join(elem.itertext()).strip()


def _number(value: str | None) -> str:
    try:
        return f"{float(value or 0):g}"
    except ValueError:
        return value or ""


def _canonical(elem: Any) -> str:
    """A compact, id-free rendering of an element for settings without a word of their own."""
    attrs = " ".join(f"{_local(k)}={v}" for k, v in sorted(elem.attrib.items()) if _local(k) != "id")
    inner = " ".join(_canonical(child) for child in elem if isinstance(child.tag, str))
    text = (elem.text or "").strip()
    body = " ".join(part for part in (attrs, text, inner) if part)
    return f"{_local(elem.tag)}({body})" if body else _local(elem.tag)


@dataclass
class _Element:
    elem: Any
    element_id: str
    local: str
    parent_id: str
    parent_local: str
    fields: dict[str, tuple[str, str, bool]] = field(default_factory=dict)  # key -> (label, raw, is_ref)


@dataclass
class _Model:
    elements: dict[str, _Element]
    names: dict[str, str]  # id -> name, for every element with an id
    layout: dict[str, str]  # bpmnElement -> its shapes/edges, canonical


def _is_element(elem: Any) -> bool:
    return (
        _ns(elem.tag) == BPMN_NS
        and bool(elem.get("id"))
        and _local(elem.tag) not in _NOT_ELEMENTS
        and _local(elem.getparent().tag) in _CONTAINERS
    )


def _read(xml: str | bytes, which: str) -> _Model:
    root = _parse(xml, which)
    elements: dict[str, _Element] = {}
    names: dict[str, str] = {}
    for elem in root.iter():
        if not isinstance(elem.tag, str) or _ns(elem.tag) == BPMNDI_NS:
            continue
        element_id = elem.get("id")
        if element_id and elem.get("name"):
            names.setdefault(element_id, elem.get("name").strip())
        if elem is root or not _is_element(elem) or element_id in elements:
            continue
        parent = elem.getparent()
        while parent is not None and _local(parent.tag) in ("laneSet", "childLaneSet"):
            parent = parent.getparent()
        item = _Element(elem, element_id, _local(elem.tag), parent.get("id") or "", _local(parent.tag))
        _describe(item)
        elements[element_id] = item
    layout: dict[str, list[str]] = {}
    for diagram_elem in root.iter(f"{{{BPMNDI_NS}}}BPMNShape", f"{{{BPMNDI_NS}}}BPMNEdge"):
        target = diagram_elem.get("bpmnElement")
        if target:
            layout.setdefault(target, []).append(_layout_of(diagram_elem))
    return _Model(elements, names, {k: " | ".join(v) for k, v in layout.items()})


def _layout_of(diagram_elem: Any) -> str:
    parts = [_local(diagram_elem.tag)]
    for k, v in sorted(diagram_elem.attrib.items()):
        if _local(k) not in ("id", "bpmnElement"):
            parts.append(f"{_local(k)}={v}")
    for sub in diagram_elem.iter():
        if sub is diagram_elem or not isinstance(sub.tag, str):
            continue
        local = _local(sub.tag)
        if local == "Bounds":
            parts.append(
                "bounds(" + ",".join(_number(sub.get(a)) for a in ("x", "y", "width", "height")) + ")"
            )
        elif local == "waypoint":
            parts.append(f"wp({_number(sub.get('x'))},{_number(sub.get('y'))})")
        elif local == "BPMNLabel":
            parts.append("label" + ("(" + sub.get("labelStyle") + ")" if sub.get("labelStyle") else ""))
    return " ".join(parts)


# ---------------------------------------------------------------------------
# what an element says


def _describe(item: _Element) -> None:
    elem = item.elem
    put = item.fields

    def add(key: str, label: str, value: str, ref: bool = False) -> None:
        value = value.replace("\r\n", "\n").replace("\r", "\n")  # line ends written either way
        if value == "":
            return
        if key in put:  # a second child of the same kind: keep both
            label0, raw0, ref0 = put[key]
            put[key] = (label0, f"{raw0}；{value}", ref0 and ref)
        else:
            put[key] = (label, value, ref)

    add("type", "类型", item.local)
    add("name", "名称", (elem.get("name") or "").strip())
    if item.parent_local in _FLOW_CONTAINERS:
        add("parent", "所属子流程", item.parent_id, True)
    for attr, value in sorted(elem.attrib.items()):
        local = _local(attr)
        if local in ("id", "name"):
            continue
        label, ref = _ATTRIBUTES.get(local, (f"属性 {local}", False))
        if item.local in ("messageFlow", "association", "dataInputAssociation", "dataOutputAssociation"):
            label = {"sourceRef": "起点", "targetRef": "终点"}.get(local, label)
        add(f"attr:{local}", label, value if ref else _BOOLEAN_WORDS.get(value, value), ref)
    event_kinds = []
    lane_nodes = []
    for child in elem:
        if not isinstance(child.tag, str) or _is_element(child):
            continue
        local = _local(child.tag)
        if local in ("incoming", "outgoing", "laneSet", "childLaneSet"):
            continue  # the connections say it themselves; lanes are elements of their own
        if local == "documentation":
            add("documentation", "文档", _text(child))
        elif local == "conditionExpression":
            add("condition", "条件表达式", _text(child))
        elif local == "script":
            add("script", "脚本", (child.text or "").strip())
        elif local == "text" and item.local == "textAnnotation":
            add("text", "注释内容", _text(child))
        elif local == "flowNodeRef":
            lane_nodes.append((child.text or "").strip())
        elif local == "extensionElements":
            _describe_extensions(child, add)
        elif local in _EVENT_KINDS:
            event_kinds.append(_EVENT_KINDS[local])
            _describe_event_definition(child, local, add)
        elif local == "multiInstanceLoopCharacteristics":
            add("multi_instance", "多实例设置", _multi_instance(child))
        elif local == "standardLoopCharacteristics":
            add("loop", "循环设置", _canonical(child))
        else:
            add(f"other:{local}", f"其他设置（{local}）", _canonical(child))
    if event_kinds:
        put["event_kind"] = ("事件类型", "、".join(event_kinds), False)
    if lane_nodes:
        put["lane_nodes"] = ("泳道内环节", " ".join(sorted(n for n in lane_nodes if n)), True)


def _describe_extensions(extensions: Any, add) -> None:
    for ext in extensions:
        if not isinstance(ext.tag, str):
            continue
        local = _local(ext.tag)
        if _ns(ext.tag) == SPIFF_NS and local == "properties":
            for prop in ext:
                if isinstance(prop.tag, str) and _local(prop.tag) == "property" and prop.get("name"):
                    name = prop.get("name")
                    add(
                        f"property:{name}",
                        PROPERTY_LABELS.get(name, f"扩展属性 {name}"),
                        prop.get("value") or "",
                    )
        elif _ns(ext.tag) == SPIFF_NS and local in _SPIFF_LABELS:
            value = _text(ext) if len(ext) == 0 or local in ("preScript", "postScript") else _canonical(ext)
            add(f"spiff:{local}", _SPIFF_LABELS[local], value)
        else:
            add(f"extension:{local}", f"扩展设置（{local}）", _canonical(ext))


def _describe_event_definition(definition: Any, local: str, add) -> None:
    for attr, value in sorted(definition.attrib.items()):
        name = _local(attr)
        if name == "id":
            continue
        label, ref = _ATTRIBUTES.get(name, (f"事件属性 {name}", False))
        add(f"event:{name}", label, value, ref)
    for child in definition:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        if local == "timerEventDefinition" and name in _TIMER_KINDS:
            add("timer_kind", "定时器类型", _TIMER_KINDS[name])
            add("timer", "定时器表达式", _text(child))
        elif name == "condition":
            add("event_condition", "触发条件", _text(child))
        elif _ns(child.tag) == SPIFF_NS and name in _SPIFF_LABELS:
            add(f"spiff:{name}", _SPIFF_LABELS[name], _text(child) if len(child) == 0 else _canonical(child))
        elif name == "extensionElements":
            _describe_extensions(child, add)
        else:
            add(f"event_other:{name}", f"事件设置（{name}）", _canonical(child))


def _multi_instance(mi: Any) -> str:
    parts = ["串行" if mi.get("isSequential") == "true" else "并行"]
    words = {
        "loopCardinality": "实例数",
        "loopDataInputRef": "输入集合",
        "loopDataOutputRef": "输出集合",
        "completionCondition": "完成条件",
    }
    for child in mi:
        if not isinstance(child.tag, str):
            continue
        local = _local(child.tag)
        if local in words:
            parts.append(f"{words[local]} {_text(child)}")
        elif local == "inputDataItem":
            parts.append(f"元素变量 {child.get('name') or _text(child)}")
        elif local == "outputDataItem":
            parts.append(f"输出变量 {child.get('name') or _text(child)}")
        else:
            parts.append(_canonical(child))
    for attr, value in sorted(mi.attrib.items()):
        if _local(attr) not in ("id", "isSequential"):
            parts.append(f"{_local(attr)}={value}")
    return "；".join(parts)


# ---------------------------------------------------------------------------
# comparing


def _show(model: _Model, raw: str, ref: bool, key: str) -> str:
    if key == "type":
        return TYPE_LABELS.get(raw, raw)
    if key == "property:form_key" and raw in model.names:
        # A form is registered under the id of the task it was made for: name it by that task.
        return f"{model.names[raw]}的表单"
    if not ref:
        return raw
    if key == "parent" and raw in model.elements and model.elements[raw].local == "process":
        return "主流程"
    return "、".join(_ref_name(model, part) for part in raw.split(" ") if part)


def _ref_name(model: _Model, element_id: str) -> str:
    """The name of a referenced element; an unnamed one by its type and id (nothing else names it)."""
    if element_id in model.names:
        return model.names[element_id]
    other = model.elements.get(element_id)
    return f"{TYPE_LABELS.get(other.local, other.local)}（{element_id}）" if other else element_id


def _display_name(model: _Model, item: _Element) -> tuple[str, bool]:
    name = (item.elem.get("name") or "").strip()
    if name:
        return name, True
    if item.local == "textAnnotation":
        text = item.fields.get("text", ("", "", False))[1]
        if text:
            return text[:30], True
    source, target = item.elem.get("sourceRef"), item.elem.get("targetRef")
    if source and target:
        return f"{_name_or_type(model, source)} → {_name_or_type(model, target)}", False
    return f"未命名{TYPE_LABELS.get(item.local, item.local)}", False


def _name_or_type(model: _Model, element_id: str) -> str:
    if element_id in model.names:
        return model.names[element_id]
    other = model.elements.get(element_id)
    return TYPE_LABELS.get(other.local, other.local) if other else element_id


def _summary(model: _Model, item: _Element, kind: str) -> ElementChange:
    """An added or removed element, with what it says (beyond its type and name)."""
    name, has_name = _display_name(model, item)
    fields = []
    for key, (label, raw, ref) in item.fields.items():
        if key in ("type", "name", "parent"):
            continue
        shown = _show(model, raw, ref, key)
        if kind == "added":
            fields.append(FieldChange(key, label, "", shown, "", raw))
        else:
            fields.append(FieldChange(key, label, shown, "", raw, ""))
    return ElementChange(
        kind, item.element_id, TYPE_LABELS.get(item.local, item.local), name, has_name, tuple(fields)
    )


def diff_bpmn(old_xml: str | bytes, new_xml: str | bytes) -> BpmnDiff:
    """Compare two BPMN texts; raises BpmnDiffError (Chinese) if either cannot be read."""
    old = _read(old_xml, "旧版本")
    new = _read(new_xml, "新版本")
    added, removed, changed, layout_only = [], [], [], []
    for element_id, item in new.elements.items():
        before = old.elements.get(element_id)
        if before is None:
            added.append(_summary(new, item, "added"))
            continue
        fields = []
        for key in list(dict.fromkeys([*before.fields, *item.fields])):
            label_old, raw_old, ref_old = before.fields.get(key, ("", "", False))
            label_new, raw_new, ref_new = item.fields.get(key, ("", "", False))
            if raw_old == raw_new:
                continue
            shown_old, shown_new = _show(old, raw_old, ref_old, key), _show(new, raw_new, ref_new, key)
            if shown_old == shown_new and (ref_old or ref_new):
                # Two elements of the same name (many end events read 已转督办): tell them apart.
                shown_old, shown_new = f"{shown_old}（{raw_old}）", f"{shown_new}（{raw_new}）"
            fields.append(FieldChange(key, label_new or label_old, shown_old, shown_new, raw_old, raw_new))
        name, has_name = _display_name(new, item)
        type_label = TYPE_LABELS.get(item.local, item.local)
        if fields:
            changed.append(ElementChange("changed", element_id, type_label, name, has_name, tuple(fields)))
        elif old.layout.get(element_id, "") != new.layout.get(element_id, ""):
            layout_only.append(ElementChange("layout", element_id, type_label, name, has_name))
    for element_id, item in old.elements.items():
        if element_id not in new.elements:
            removed.append(_summary(old, item, "removed"))
    identical = (old_xml.encode("utf-8") if isinstance(old_xml, str) else old_xml) == (
        new_xml.encode("utf-8") if isinstance(new_xml, str) else new_xml
    )
    return BpmnDiff(tuple(added), tuple(removed), tuple(changed), tuple(layout_only), identical)


_CLOCK = re.compile(r"""clock\(\s*["']([^"']+)["']\s*\)""")


def clock_keys(expression: str) -> list[str]:
    """The legal clock keys a timer expression names: ``workdays(clock("push.claim"))`` → ``["push.claim"]``."""
    return _CLOCK.findall(expression or "")
