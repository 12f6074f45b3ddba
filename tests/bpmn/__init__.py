"""Small BPMN documents for the expression and validation tests (built inline, no files)."""

import re
from xml.sax.saxutils import escape, quoteattr

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def diagram(
    body: str,
    *,
    process_id: str = "proc",
    name: str = "测试流程",
    executable: str = "true",
    lanes: str = "",
    extra: str = "",
) -> str:
    """A bpmn:definitions document with one process holding ``body`` (and an optional lane set)."""
    lane_set = f'<bpmn:laneSet id="lane_set">{lanes}</bpmn:laneSet>' if lanes else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="{SPIFF_NS}"
                  id="defs" targetNamespace="http://xtjg.example.gov.cn/bpmn">
  {extra}
  <bpmn:process id="{process_id}" name="{name}" isExecutable="{executable}">
    {lane_set}
    {body}
  </bpmn:process>
</bpmn:definitions>
"""


def lane(lane_id: str, lane_name: str, *node_ids: str) -> str:
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in node_ids)
    return f'<bpmn:lane id="{lane_id}" name="{lane_name}">{refs}</bpmn:lane>'


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    cond = (
        ""
        if condition is None
        else f"<bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>"
    )
    attrs = f'id="{flow_id}" sourceRef="{source}" targetRef="{target}"'
    return f"<bpmn:sequenceFlow {attrs}>{cond}</bpmn:sequenceFlow>"


def extensions(
    properties: dict[str, str] | None = None, *, pre: str | None = None, post: str | None = None
) -> str:
    """``bpmn:extensionElements`` with spiffworkflow properties and pre/post scripts."""
    parts = []
    if pre is not None:
        parts.append(f"<spiffworkflow:preScript>{escape(pre)}</spiffworkflow:preScript>")
    if post is not None:
        parts.append(f"<spiffworkflow:postScript>{escape(post)}</spiffworkflow:postScript>")
    if properties:
        items = "".join(
            f"<spiffworkflow:property name={quoteattr(k)} value={quoteattr(v)}/>"
            for k, v in properties.items()
        )
        parts.append(f"<spiffworkflow:properties>{items}</spiffworkflow:properties>")
    return f"<bpmn:extensionElements>{''.join(parts)}</bpmn:extensionElements>" if parts else ""


def user_task(task_id: str, name: str = "办理", inner: str = "") -> str:
    return f'<bpmn:userTask id="{task_id}" name="{name}">{inner}</bpmn:userTask>'


def script_task(task_id: str, script: str, name: str = "计算") -> str:
    inner = f"<bpmn:script>{escape(script)}</bpmn:script>"
    return f'<bpmn:scriptTask id="{task_id}" name="{name}">{inner}</bpmn:scriptTask>'


def chain(*elements: str) -> str:
    """``start`` -> each element in turn -> ``end``, with flows ``f0``, ``f1``..."""
    ids = ["start"] + [re.search(r'\bid="([^"]+)"', e).group(1) for e in elements] + ["end"]
    flows = [flow(f"f{i}", a, b) for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))]
    return "\n".join(['<bpmn:startEvent id="start"/>', *elements, '<bpmn:endEvent id="end"/>', *flows])


DEPARTMENT = extensions({"candidate_department": '"SCJG"'})
