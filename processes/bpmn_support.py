"""Constructs a BPMN file may hold that our engine (SpiffWorkflow 3.2) cannot run.

``unsupported`` reads the XML tree (before SpiffWorkflow parses it) and returns every problem at
once, each pinned to the element a process admin sees in the diagram.  SpiffWorkflow stops at the
first of these with an English message, or silently ignores some (an unknown event definition
becomes a plain event); these checks name them all in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .bpmn_messages import label_of, shape_id
from .bpmn_problems import BPMN_NS, NSMAP, Problem
from .bpmn_reach import disconnected

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

# flow nodes SpiffWorkflow has no parser for
_NO_PARSER = {
    "businessRuleTask": "业务规则任务（businessRuleTask）",
    "complexGateway": "复杂网关（complexGateway）",
}
# flow nodes that may have several outgoing sequence flows
_SPLITTING = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "startEvent"}
_CONDITIONAL_GATEWAYS = {"exclusiveGateway", "inclusiveGateway"}
_SUBPROCESSES = {"subProcess", "transaction"}

_EVENT_KINDS = {
    "messageEventDefinition": "消息",
    "signalEventDefinition": "信号",
    "timerEventDefinition": "定时",
    "conditionalEventDefinition": "条件",
    "errorEventDefinition": "错误",
    "escalationEventDefinition": "升级",
    "cancelEventDefinition": "取消",
    "terminateEventDefinition": "终止",
    "compensateEventDefinition": "补偿",
    "linkEventDefinition": "链接",
}
# event definitions SpiffWorkflow reads on each kind of event (others are silently dropped)
_SUPPORTED_EVENTS = {
    "startEvent": {"messageEventDefinition", "signalEventDefinition", "timerEventDefinition",
                   "conditionalEventDefinition"},
    "endEvent": {"messageEventDefinition", "cancelEventDefinition", "errorEventDefinition",
                 "escalationEventDefinition", "terminateEventDefinition"},
    "intermediateCatchEvent": {"messageEventDefinition", "signalEventDefinition", "timerEventDefinition",
                               "conditionalEventDefinition"},
    "intermediateThrowEvent": {"escalationEventDefinition", "messageEventDefinition", "signalEventDefinition",
                               "timerEventDefinition"},
    "boundaryEvent": {"cancelEventDefinition", "errorEventDefinition", "escalationEventDefinition",
                      "messageEventDefinition", "signalEventDefinition", "timerEventDefinition",
                      "conditionalEventDefinition"},
}  # fmt: skip
_EVENT_NAMES = {
    "startEvent": "开始事件",
    "endEvent": "结束事件",
    "intermediateCatchEvent": "中间捕获事件",
    "intermediateThrowEvent": "中间抛出事件",
    "boundaryEvent": "边界事件",
}
_REFERENCES = {
    "messageEventDefinition": ("messageRef", "message", "消息"),
    "signalEventDefinition": ("signalRef", "signal", "信号"),
    "errorEventDefinition": ("errorRef", "error", "错误"),
    "escalationEventDefinition": ("escalationRef", "escalation", "升级"),
}


# an ISO 8601 date, duration or cycle written as it is (SpiffWorkflow evaluates timers as expressions)
ISO_TIME = re.compile(r"R\d*/\S+|P(?:\d|T\d)\S*|\d{4}-\d{2}-\d{2}(?:T\S*)?")


def _local(element: Any) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag[len(BPMN_NS) + 2 :] if tag.startswith(f"{{{BPMN_NS}}}") else ""


def _bpmn(element: Any, path: str) -> list[Any]:
    return element.xpath(path, namespaces=NSMAP)


def _flow_nodes(container: Any) -> Iterator[Any]:
    """Every element of a process or sub-process, nested sub-processes included."""
    for child in container.iterchildren():
        if not _local(child):
            continue
        yield child
        if _local(child) in _SUBPROCESSES | {"adHocSubProcess"}:
            yield from _flow_nodes(child)


def unsupported(root: Any, processes: list[Any]) -> list[Problem]:
    """Problems of ``processes`` (the entry process and those it calls) plus file-wide ones."""
    problems = _data_stores(root)
    ids = {element.get("id"): element for element in _bpmn(root, "//bpmn:*[@id]")}
    for process in processes:
        if not _bpmn(process, "./bpmn:startEvent"):
            problems.append(Problem(shape_id(root, process), f"流程“{label_of(process)}”没有开始事件"))
        for node in _flow_nodes(process):
            problems.extend(_node_problems(root, node, ids))
    return problems


def _node_problems(root: Any, node: Any, ids: dict[str, Any]) -> list[Problem]:
    kind, node_id, label = _local(node), node.get("id") or "", label_of(node)
    problems: list[Problem] = []
    if kind in _NO_PARSER:
        problems.append(Problem(node_id, f"“{label}”是{_NO_PARSER[kind]}，引擎不支持这种元素"))
    if kind == "sequenceFlow":
        return problems
    unreachable = disconnected(node)
    if unreachable is not None:
        problems.append(unreachable)
    outgoing = node.getparent().xpath("./bpmn:sequenceFlow[@sourceRef=$ref]", namespaces=NSMAP, ref=node_id)
    if len(outgoing) > 1 and kind not in _SPLITTING:
        problems.append(
            Problem(
                node_id,
                f"“{label}”有 {len(outgoing)} 条出口顺序流，引擎只支持从网关分支；请在其后加排他网关或并行网关",
            )
        )
    if kind in _CONDITIONAL_GATEWAYS and len(outgoing) > 1:
        default = node.get("default")
        for flow in outgoing:
            if flow.get("id") != default and not _bpmn(flow, "./bpmn:conditionExpression[normalize-space()]"):
                problems.append(
                    Problem(
                        flow.get("id") or node_id,
                        f"网关“{label}”的出口顺序流“{label_of(flow)}”没有条件，也不是默认流",
                    )
                )
    if kind in _SUBPROCESSES:
        starts, ends = _bpmn(node, "./bpmn:startEvent"), _bpmn(node, "./bpmn:endEvent")
        if len(starts) != 1:
            problems.append(
                Problem(node_id, f"子流程“{label}”须有且只有一个开始事件（现有 {len(starts)} 个）")
            )
        if not ends:
            problems.append(Problem(node_id, f"子流程“{label}”没有结束事件"))
    if kind == "adHocSubProcess":
        if node.get("ordering") == "sequential":
            problems.append(Problem(node_id, f"临时子流程“{label}”不支持顺序执行（ordering=sequential）"))
        if _bpmn(node, "./bpmn:startEvent|./bpmn:endEvent"):
            problems.append(Problem(node_id, f"临时子流程“{label}”中不能有开始或结束事件"))
    if kind == "serviceTask" and not node.xpath(".//s:serviceTaskOperator", namespaces={"s": SPIFF_NS}):
        problems.append(
            Problem(node_id, f"服务任务“{label}”没有指定要调用的服务（spiffworkflow:serviceTaskOperator），"
                    "其他建模工具的服务实现不能在本平台运行")
        )  # fmt: skip
    if kind == "scriptTask" and not _bpmn(node, "./bpmn:script[normalize-space()]"):
        problems.append(Problem(node_id, f"脚本任务“{label}”没有脚本"))
    problems.extend(_loop_problems(node, node_id, label))
    problems.extend(_event_problems(root, node, kind, node_id, label, ids))
    problems.extend(_association_problems(node, node_id, label, ids))
    return problems


def _loop_problems(node: Any, node_id: str, label: str) -> list[Problem]:
    problems: list[Problem] = []
    for loop in _bpmn(node, "./bpmn:multiInstanceLoopCharacteristics"):
        has_cardinality = bool(_bpmn(loop, "./bpmn:loopCardinality"))
        has_input = bool(_bpmn(loop, "./bpmn:loopDataInputRef"))
        if has_cardinality == has_input:
            problems.append(
                Problem(node_id, f"多实例活动“{label}”须指定实例数量（loopCardinality）或输入集合（loopDataInputRef）"
                        "其中之一")
            )  # fmt: skip
    for loop in _bpmn(node, "./bpmn:standardLoopCharacteristics"):
        maximum = loop.get("loopMaximum")
        if maximum is None and not _bpmn(loop, "./bpmn:loopCondition"):
            problems.append(
                Problem(node_id, f"循环活动“{label}”须指定循环条件（loopCondition）或最大次数（loopMaximum）")
            )
        elif maximum is not None and not maximum.strip().isdigit():
            problems.append(Problem(node_id, f"循环活动“{label}”的最大次数“{maximum}”不是整数"))
    return problems


def _event_problems(
    root: Any, node: Any, kind: str, node_id: str, label: str, ids: dict[str, Any]
) -> list[Problem]:
    problems: list[Problem] = []
    definitions = [d for d in node.iterchildren() if _local(d).endswith("EventDefinition")]
    if kind in _SUPPORTED_EVENTS:
        what = _EVENT_NAMES[kind]
        for definition in definitions:
            name = _local(definition)
            if name not in _SUPPORTED_EVENTS[kind]:
                event_kind = _EVENT_KINDS.get(name, name)
                problems.append(Problem(node_id, f"{what}“{label}”的{event_kind}事件定义不受引擎支持"))
        if kind == "boundaryEvent" and not definitions:
            problems.append(Problem(node_id, f"边界事件“{label}”没有事件定义"))
        if _bpmn(node, "./bpmn:eventDefinitionRef"):
            problems.append(
                Problem(node_id, f"{what}“{label}”引用了全局事件定义（eventDefinitionRef），引擎不支持")
            )
    for definition in definitions:
        name = _local(definition)
        if name == "timerEventDefinition" and not _bpmn(
            definition, "./bpmn:timeDate|./bpmn:timeDuration|./bpmn:timeCycle"
        ):
            problems.append(
                Problem(node_id, f"定时事件“{label}”没有设置时间（timeDate、timeDuration 或 timeCycle）")
            )
        for timer in _bpmn(definition, "./bpmn:timeDate|./bpmn:timeDuration|./bpmn:timeCycle"):
            text = (timer.text or "").strip()
            if ISO_TIME.fullmatch(text):
                problems.append(
                    Problem(node_id, f"定时事件“{label}”的时间“{text}”是未加引号的 ISO 8601 写法，引擎会把它当作表达式计算；"
                            f"请写成带引号的字符串 \"{text}\"，或使用 workdays()、clock() 等函数")
                )  # fmt: skip
        if name == "conditionalEventDefinition" and not _bpmn(definition, "./bpmn:condition"):
            problems.append(Problem(node_id, f"条件事件“{label}”没有条件"))
        if name == "cancelEventDefinition" and kind == "boundaryEvent":
            attached = ids.get(node.get("attachedToRef") or "")
            if attached is None or _local(attached) != "transaction":
                problems.append(Problem(node_id, f"取消边界事件“{label}”只能附着在事务子流程上"))
        if name in _REFERENCES:
            attribute, tag, what = _REFERENCES[name]
            ref = definition.get(attribute)
            target = ids.get(ref) if ref else None
            if ref and (target is None or _local(target) != tag):
                problems.append(Problem(node_id, f"事件“{label}”引用的{what}“{ref}”在文件中不存在"))
    return problems


def _association_problems(node: Any, node_id: str, label: str, ids: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for path, what in (("./bpmn:dataInputAssociation/bpmn:sourceRef", "输入"),
                       ("./bpmn:dataOutputAssociation/bpmn:targetRef", "输出")):  # fmt: skip
        for ref in _bpmn(node, path):
            target = ids.get((ref.text or "").strip())
            if target is not None and _local(target) == "dataStoreReference":
                continue  # reported once at the data store
            if (
                target is None
                or _local(target) != "dataObjectReference"
                or not _data_object_in_scope(node, target)
            ):
                kind = _local(target) if target is not None else ""
                described = (
                    f"“{label_of(target)}”（{kind}）"
                    if target is not None
                    else f"“{(ref.text or '').strip()}”"
                )
                problems.append(
                    Problem(
                        node_id,
                        f"“{label}”的数据{what}关联指向{described}，引擎只支持经数据对象引用（dataObjectReference）读写本流程中的数据对象",
                    )
                )
    return problems


def _data_object_in_scope(node: Any, reference: Any) -> bool:
    """SpiffWorkflow finds a data object in the task's own (sub-)process or the one around it."""
    wanted = reference.get("dataObjectRef")
    container = node.getparent()
    scopes = [container]
    if _local(container) in _SUBPROCESSES | {"adHocSubProcess"}:
        scopes.append(container.getparent())
    return any(scope.xpath("./bpmn:dataObject[@id=$ref]", namespaces=NSMAP, ref=wanted) for scope in scopes)


def _data_stores(root: Any) -> list[Problem]:
    problems: list[Problem] = []
    for store in _bpmn(root, "//bpmn:dataStore"):
        store_id = store.get("id") or ""
        references = root.xpath(
            "//bpmn:dataStoreReference[@dataStoreRef=$ref]", namespaces=NSMAP, ref=store_id
        )
        name = label_of(store)
        reason = f"数据存储“{name}”在引擎中没有实现，本平台不支持数据存储"
        if len(references) > 1:
            reason += f"（文件中有 {len(references)} 处引用它）"
        # the reason once, on the first reference; the others point to it
        problems.append(Problem(references[0].get("id") or store_id if references else store_id, reason))
        problems.extend(
            Problem(
                ref.get("id") or store_id,
                f"数据存储“{name}”的第 {n} 处引用（共 {len(references)} 处）：同样不支持，见第 1 处的说明",
            )
            for n, ref in enumerate(references[1:], start=2)
        )
    return problems
