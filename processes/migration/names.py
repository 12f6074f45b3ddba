"""How the report names tasks, timers and spec changes, and reads a timer's value and basis."""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from .. import deadlines
from ..engine.projection import parse_due

STATE_LABELS = {TaskState.READY: "待办", TaskState.WAITING: "等待中", TaskState.STARTED: "进行中"}
# The attributes SpecDiff compares (a task spec's serialized keys), as people call them.
CHANGE_LABELS = {
    "typename": "元素类型",
    "bpmn_name": "名称",
    "bpmn_id": "元素标识",
    "name": "元素标识",
    "event_definition": "事件定义（定时器/消息）",
    "extensions": "扩展属性（办理部门、岗位、表单等）",
    "prescript": "前置脚本",
    "postscript": "后置脚本",
    "script": "脚本",
    "inputs": "前序连线",
    "outputs": "后续连线",
    "cond_task_specs": "分支条件",
    "default_task_spec": "默认分支",
    "lane": "泳道",
    "documentation": "说明",
    "data_input_associations": "输入数据",
    "data_output_associations": "输出数据",
    "io_specification": "输入输出定义",
    "task_spec": "多实例子环节",
    "cardinality": "多实例数量",
    "data_input": "多实例输入集合",
    "data_output": "多实例输出集合",
    "input_item": "多实例输入项",
    "output_item": "多实例输出项",
    "condition": "完成条件",
    "cancel_activity": "是否中断",
    "spec": "子流程",
}


def _element_name(spec) -> str:
    """What people call a task spec: its BPMN name, else (for the engine's helper specs) its element."""
    name = getattr(spec, "bpmn_name", None) or ""
    if name:
        return name
    bpmn_id = getattr(spec, "bpmn_id", None)
    if bpmn_id:
        return str(bpmn_id)
    raw = str(getattr(spec, "name", ""))
    base, _, kind = raw.partition(".")
    owner = getattr(spec, "_wf_spec", None)
    owner_spec = owner.task_specs.get(base) if owner is not None and kind else None
    if owner_spec is not None and kind.startswith("BoundaryEvent"):
        return f"“{_element_name(owner_spec)}”的边界事件"
    return raw


def _attached_task(task):
    """The task a boundary event is attached to (its sibling under the BoundaryEventSplit)."""
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return None
    for sibling in parent.children:
        if sibling is not task and not isinstance(sibling.task_spec, BoundaryEvent):
            return sibling
    return None


def _is_timer(task) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


_parse = parse_due  # a timer's due time from its event_value (a cycle timer's next one)


def _basis(internal: dict) -> str:
    record = internal.get("deadline")
    if not isinstance(record, dict):
        return ""
    return str(
        record.get("basis") or f"{record.get('days')}{deadlines.UNIT_NAMES.get(str(record.get('unit')), '')}"
    )


def _changes(keys: list[str]) -> list[str]:
    labels: list[str] = []
    for key in keys:
        label = CHANGE_LABELS.get(key, "其他属性")
        if label not in labels:
            labels.append(label)
    return labels


def _attached_name(task) -> str:
    attached = _attached_task(task)
    return _element_name(attached.task_spec) if attached is not None else ""
