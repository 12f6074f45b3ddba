"""Flow nodes no case can reach: a step drawn without an incoming sequence flow.

In a process that has a start event, BPMN starts nothing else by itself, so a task, gateway or
event with no incoming flow never runs — almost always a connection lost while editing in the
browser.  Refused at deploy, pinned to the element, as modelling linters do ("no-disconnected").
"""

from __future__ import annotations

from typing import Any

from .bpmn_messages import label_of
from .bpmn_problems import BPMN_NS, NSMAP, Problem

# what a process admin calls each kind of step, for the message
_NEEDS_INCOMING = {
    "task": "任务",
    "userTask": "用户任务",
    "manualTask": "手工任务",
    "scriptTask": "脚本任务",
    "serviceTask": "服务任务",
    "sendTask": "发送任务",
    "receiveTask": "接收任务",
    "businessRuleTask": "业务规则任务",
    "callActivity": "调用活动",
    "subProcess": "子流程",
    "transaction": "事务子流程",
    "adHocSubProcess": "临时子流程",
    "exclusiveGateway": "排他网关",
    "inclusiveGateway": "包容网关",
    "parallelGateway": "并行网关",
    "eventBasedGateway": "事件网关",
    "complexGateway": "复杂网关",
    "intermediateCatchEvent": "中间捕获事件",
    "intermediateThrowEvent": "中间抛出事件",
    "endEvent": "结束事件",
}


def _local(element: Any) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag[len(BPMN_NS) + 2 :] if tag.startswith(f"{{{BPMN_NS}}}") else ""


def disconnected(node: Any) -> Problem | None:
    """The problem of ``node`` when nothing leads to it, else ``None``."""
    kind = _local(node)
    what = _NEEDS_INCOMING.get(kind)
    container = node.getparent()
    if what is None or container is None:
        return None
    if _local(container) == "adHocSubProcess":  # its inner steps are started at will, not by flows
        return None
    if node.get("isForCompensation") == "true" or node.get("triggeredByEvent") == "true":
        return None  # compensation handlers and event sub-processes start on their event
    if node.xpath("./bpmn:linkEventDefinition", namespaces=NSMAP):
        return None  # a link catch is reached by its throw (reported elsewhere if unsupported)
    node_id = node.get("id") or ""
    incoming = container.xpath("./bpmn:sequenceFlow[@targetRef=$ref]", namespaces=NSMAP, ref=node_id)
    if incoming:
        return None
    starts = container.xpath("./bpmn:startEvent", namespaces=NSMAP)
    if not starts:
        return None  # reported as 没有开始事件 on the process or sub-process
    return Problem(
        node_id,
        f"{what}“{label_of(node)}”没有进入的顺序流，案件永远不会到达这一步；请从前一步连一条顺序流到它，或删除它",
    )
