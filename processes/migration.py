"""Migrating running cases to another version of their process (流程版本迁移).

``dry_run`` tells, for one case, what moving it to a target version would do: which of its open
tasks map unchanged, which changed (they are reset and run again on the target), which do not exist
in the target; how each waiting timer is recomputed; what happens to its open human tasks; and
whether it is safe.  ``migrate_instances`` migrates cases, each in its own transaction under its
row lock, after a fresh dry run of its own (an earlier one is never trusted).

Both run the very same trial: the case is loaded, diffed against the target with SpiffWorkflow's
``SpecDiff``/``WorkflowDiff`` (``SpiffWorkflow.bpmn.util.diff``) and migrated in memory with its
``migrate_workflow``.  A dry run then throws the result away; a migration saves it.

What ``migrate_workflow`` does, and what we correct (checked on SpiffWorkflow 3.2.0):

* It points every task at its aligned spec, then resets *every* READY and WAITING task
  (``Task.reset_branch``): the task keeps its id (so ``HumanTask.task_uuid`` still matches), its
  predicted descendants are dropped and predicted again from the target, but its data is copied
  again from its parent, its internal data is wiped and ``last_state_change`` becomes now.  For a
  task whose element did not change we put data, internal data and ``last_state_change`` back.
* A reset timer is evaluated again *now*: ``workdays(clock("push.claim"))`` would count from the
  day of the migration, and a clock suspension (``paused_days``) would be forgotten.  An unchanged
  timer keeps its due time; a changed one is counted again from the day it started (the deadline
  record's ``start``, else when its task began) under the rule in force that day, with the days
  its clock already stood still added back.
* A task whose spec the target lacks keeps its old spec object: the saved case would not load any
  more.  Such a case is refused; so is one that would not survive a save and load on the target.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from . import deadlines, hooks, operation
from .audit import record
from .business_calendar import SHANGHAI
from .engine.core import (
    Actor,
    _due_fields,
    _refresh_due,
    load_case,
    locked_instance,
    route_messages,
    save_state,
    sync_tasks,
)
from .engine.projection import candidate_for, next_timer_at, ready_human_tasks, task_deadline
from .errors import ConcurrentModification, UserFacingError
from .models import HumanTask, Incident, ProcessInstance, ProcessVersion
from .serialization import SERIALIZER, dumps, loads, spec_for

log = logging.getLogger("processes.migration")

ACTIVE_MASK = TaskState.READY | TaskState.WAITING | TaskState.STARTED
PREDICTED_MASK = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE
MIGRATABLE = (ProcessInstance.Status.RUNNING, ProcessInstance.Status.SUSPENDED)

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

HUMAN_OUTCOMES = {
    "kept": "保留（办理人、时限不变）",
    "updated": "保留并按目标版本更新",
    "reassigned": "按目标版本改派，退回待认领",
    "cancelled": "取消",
    "new": "新建",
}


# --- the plan --------------------------------------------------------------------------


@dataclass
class TaskMapping:
    """One open task of the case (READY, WAITING, or STARTED where it matters)."""

    task_id: str
    element: str
    name: str
    state: str  # 待办 / 等待中 / 进行中
    outcome: str  # mapped / changed / removed
    target_name: str = ""
    changes: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.outcome == "mapped":
            return "保留，不受影响"
        if self.outcome == "removed":
            return "目标版本中不存在"
        what = "、".join(self.changes) or "属性"
        if self.state == "等待中":
            return f"按目标版本重新等待，定时器重新计算（改动：{what}）"
        return f"按目标版本重置后重新执行（改动：{what}）"


@dataclass
class TimerChange:
    task_id: str
    element: str
    name: str
    attached_to: str
    before: datetime | None
    after: datetime | None
    basis_before: str = ""
    basis_after: str = ""
    recomputed: bool = False

    @property
    def moved(self) -> bool:
        return self.before != self.after

    @property
    def overdue(self) -> bool:
        return self.after is not None and self.after <= timezone.now()


@dataclass
class HumanTaskChange:
    outcome: str  # kept / updated / reassigned / cancelled / new
    name: str
    new_name: str = ""
    row_id: int | None = None
    department: str = ""
    new_department: str = ""
    assignee: str = ""
    due_before: datetime | None = None
    due_after: datetime | None = None
    # what migrate applies to the row (not shown)
    task_id: str = ""
    fields: dict = field(default_factory=dict)
    refresh_due: bool = False

    @property
    def due_moved(self) -> bool:
        return self.row_id is not None and self.due_before != self.due_after

    @property
    def label(self) -> str:
        if self.outcome == "kept" and self.due_moved:
            return "保留（办理人不变，办理时限按新定时器调整）"
        return HUMAN_OUTCOMES[self.outcome]


@dataclass
class MigrationPlan:
    instance_id: int
    business_key: str
    title: str
    subject_name: str
    status: str
    status_label: str
    instance_version: int  # the optimistic-lock version the plan was made on
    from_version: int
    from_version_id: int
    to_version: int
    to_version_id: int
    tasks: list[TaskMapping] = field(default_factory=list)
    timers: list[TimerChange] = field(default_factory=list)
    human_tasks: list[HumanTaskChange] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    next_timer_before: datetime | None = None
    next_timer_after: datetime | None = None
    dropped: list[str] = field(default_factory=list)  # predicted tasks dropped and predicted again

    @property
    def safe(self) -> bool:
        return not self.reasons

    @property
    def verdict(self) -> str:
        return "可迁移" if self.safe else "不可迁移"

    @property
    def task_lines(self) -> list[tuple[TaskMapping, int]]:
        """The tasks as people read them: identical lines (one per multi-instance child) once, counted."""
        return _grouped(self.tasks, lambda t: (t.name, t.state, t.outcome, t.action, t.target_name))

    @property
    def timer_lines(self) -> list[tuple[TimerChange, int]]:
        return _grouped(
            self.timers, lambda t: (t.name, t.attached_to, t.before, t.after, t.basis_after, t.recomputed)
        )

    def ids(self, outcome: str) -> list[str]:
        return [t.task_id for t in self.tasks if t.outcome == outcome]


@dataclass
class MigrationOutcome:
    instance_id: int
    business_key: str
    title: str
    migrated: bool
    reasons: list[str]
    plan: MigrationPlan | None = None
    from_version: int | None = None
    to_version: int | None = None


def _grouped(items: list, key) -> list[tuple[Any, int]]:
    counts: dict = {}
    first: dict = {}
    for item in items:
        k = key(item)
        counts[k] = counts.get(k, 0) + 1
        first.setdefault(k, item)
    return [(first[k], n) for k, n in counts.items()]


# --- names -----------------------------------------------------------------------------


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


def _parse(value) -> datetime | None:
    if isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        return TimerEventDefinition.get_datetime(value)
    except ValueError:
        return None


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


def _as_version(target) -> ProcessVersion:
    if isinstance(target, ProcessVersion):
        return target
    return ProcessVersion.objects.select_related("definition").get(pk=target)


# --- the trial -------------------------------------------------------------------------


@dataclass
class _Trial:
    plan: MigrationPlan
    wf: Any = None
    healed: list = field(default_factory=list)


def dry_run(instance: ProcessInstance, target_version) -> MigrationPlan:
    """What migrating ``instance`` to ``target_version`` (a ProcessVersion or its id) would do.

    Changes nothing: the case is migrated in memory only.
    """
    return _trial(instance, _as_version(target_version)).plan


def _empty_plan(instance: ProcessInstance, target: ProcessVersion) -> MigrationPlan:
    current = instance.process_version
    return MigrationPlan(
        instance_id=instance.pk,
        business_key=instance.business_key,
        title=instance.title,
        subject_name=instance.subject_name,
        status=instance.status,
        status_label=instance.get_status_display(),
        instance_version=instance.version,
        from_version=current.version,
        from_version_id=current.pk,
        to_version=target.version,
        to_version_id=target.pk,
        next_timer_before=instance.next_timer_at,
    )


def _status_refusals(instance: ProcessInstance, target: ProcessVersion) -> list[str]:
    current = instance.process_version
    if target.definition_id != current.definition_id:
        return [
            f"目标版本属于流程“{target.definition.name}”，与案件的流程“{current.definition.name}”不同，不能迁移"
        ]
    if target.pk == current.pk:
        return [f"案件已在 v{target.version} 上运行，无需迁移"]
    Status = ProcessInstance.Status
    if instance.status == Status.COMPLETED:
        return ["案件已办结，不能迁移"]
    if instance.status == Status.TERMINATED:
        return ["案件已终止，不能迁移"]
    if instance.status == Status.INCIDENT or instance.incidents.filter(status=Incident.Status.OPEN).exists():
        return ["案件有未处理的流程异常，请先处理异常（重试成功或终止案件）再迁移"]
    if instance.status not in MIGRATABLE:
        return [f"案件当前状态为“{instance.get_status_display()}”，不能迁移"]
    return []


def _trial(instance: ProcessInstance, target: ProcessVersion) -> _Trial:
    plan = _empty_plan(instance, target)
    plan.reasons = _status_refusals(instance, target)
    if plan.reasons:
        return _Trial(plan)
    try:
        wf = load_case(instance)
    except Exception as exc:  # noqa: BLE001 - a case that does not load cannot be migrated
        plan.reasons = [f"案件的流程状态无法读取：{exc}"]
        return _Trial(plan)
    healed = list(getattr(wf, "healed_loops", []) or [])
    loaded = spec_for(target)
    registry = SERIALIZER.registry

    # 1. Diff the case and each of its subprocesses against the target.
    pairs: list[tuple[Any, WorkflowDiff, Any, SpecDiff]] = []
    spec_diff = SpecDiff(registry, wf.spec, loaded.spec)
    pairs.append((wf, WorkflowDiff(wf, spec_diff), loaded.spec, spec_diff))
    for sp in wf.subprocesses.values():
        new_spec = loaded.subprocess_specs.get(sp.spec.name)
        if new_spec is None:
            plan.reasons.append(f"子流程“{sp.spec.description or sp.spec.name}”在目标版本中不存在")
            continue
        sp_diff = SpecDiff(registry, sp.spec, new_spec)
        pairs.append((sp, WorkflowDiff(sp, sp_diff), new_spec, sp_diff))

    changed_ids: set = set()
    for workflow, wdiff, _spec, sdiff in pairs:
        changed = {t.id for t in wdiff.changed}
        removed = {t.id for t in wdiff.removed}
        changed_ids |= changed
        for task in workflow.get_tasks(skip_subprocesses=True):
            _classify(plan, task, wdiff, sdiff, changed, removed)
    if plan.reasons:
        return _Trial(plan, healed=healed)

    # 2. Migrate in memory, then put back what the reset needlessly changed.
    snapshot = {
        task.id: (
            task.state,
            copy.deepcopy(task.data),
            copy.deepcopy(task.internal_data),
            task.last_state_change,
        )
        for task in wf.get_tasks(state=TaskState.READY | TaskState.WAITING)
    }
    began = {task_id: _began(wf, task_id, snapshot) for task_id in snapshot}
    old_specs = {task.id: task.task_spec for task in wf.get_tasks(state=TaskState.READY | TaskState.WAITING)}
    waiting_before = [t for t in wf.get_tasks(state=TaskState.WAITING) if _is_timer(t)]
    timers_before = {t.id: (t.task_spec, _attached_name(t), dict(t.internal_data)) for t in waiting_before}
    try:
        with deadlines.case_scope(instance.area_code):
            dropped = []
            for workflow, wdiff, spec, _sdiff in pairs:
                dropped += migrate_workflow(wdiff, workflow, spec)
            wf.subprocess_specs = loaded.subprocess_specs
            recomputed = _restore_or_recount(wf, snapshot, old_specs, changed_ids, began, instance.area_code)
            leftover = [t for t in wf.get_tasks(state=TaskState.READY) if not t.task_spec.manual]
            if leftover:
                if instance.status != ProcessInstance.Status.RUNNING or instance.clock_paused_at is not None:
                    plan.reasons.append(
                        "迁移后有需自动执行的环节（"
                        + "、".join(_element_name(t.task_spec) for t in leftover)
                        + "），而案件已挂起或中止计时：请先恢复后再迁移"
                    )
                    return _Trial(plan, healed=healed)
                wf.do_engine_steps()
    except Exception as exc:  # noqa: BLE001 - the target cannot run this case: refuse, change nothing
        log.info("migration trial of case %s to version %s failed", instance.pk, target.pk, exc_info=True)
        plan.reasons.append(f"目标版本无法接续本案件：{exc}")
        return _Trial(plan, healed=healed)
    plan.dropped = [str(t.id) for t in dropped]

    # 3. Anything left pointing at a spec the target lacks, or not loading back, is refused.
    stray = _unaligned(wf)
    if stray:
        plan.reasons.append(
            "以下环节在目标版本中无法对应（SpiffWorkflow 无法对齐）：" + "、".join(f"“{n}”" for n in stray)
        )
        return _Trial(plan, healed=healed)
    try:
        loads(target, dumps(wf))
    except Exception as exc:  # noqa: BLE001
        plan.reasons.append(f"迁移后的案件无法按目标版本保存和读取：{exc}")
        return _Trial(plan, healed=healed)

    # 4. Timers before and after, and the human tasks.
    for task_id, (old_spec, attached, internal) in timers_before.items():
        task = wf.get_task_from_id(task_id)
        after_internal = task.internal_data if task is not None and task.state == TaskState.WAITING else {}
        plan.timers.append(
            TimerChange(
                task_id=str(task_id),
                element=old_spec.bpmn_id or old_spec.name,
                name=_element_name(old_spec),
                attached_to=attached,
                before=_parse(internal.get("event_value")),
                after=_parse(after_internal.get("event_value")),
                basis_before=_basis(internal),
                basis_after=_basis(after_internal),
                recomputed=task_id in recomputed,
            )
        )
    for task in wf.get_tasks(state=TaskState.WAITING):
        if _is_timer(task) and task.id not in timers_before:
            plan.timers.append(
                TimerChange(
                    task_id=str(task.id),
                    element=task.task_spec.bpmn_id or task.task_spec.name,
                    name=_element_name(task.task_spec),
                    attached_to=_attached_name(task),
                    before=None,
                    after=_parse(task.internal_data.get("event_value")),
                    basis_after=_basis(task.internal_data),
                    recomputed=True,
                )
            )
    plan.next_timer_after = next_timer_at(wf)
    plan.human_tasks = _human_task_changes(instance, wf, changed_ids, recomputed)
    return _Trial(plan, wf=wf, healed=healed)


def _classify(
    plan: MigrationPlan, task, wdiff: WorkflowDiff, sdiff: SpecDiff, changed: set, removed: set
) -> None:
    spec = task.task_spec
    name = _element_name(spec)
    if task.id in removed:
        if task.has_state(ACTIVE_MASK):
            state = STATE_LABELS.get(task.state, "")
            plan.tasks.append(TaskMapping(str(task.id), spec.bpmn_id or spec.name, name, state, "removed"))
            plan.reasons.append(f"{state}的“{name}”在目标版本中不存在，案件无处接续")
        elif task.has_state(TaskState.FINISHED_MASK):
            plan.reasons.append(f"已办理的“{name}”在目标版本中不存在，案件的办理记录无法对应")
        return  # a predicted task: dropped by the reset of its open ancestor (checked after)
    if not task.has_state(ACTIVE_MASK):
        return
    state = STATE_LABELS.get(task.state, "")
    target = wdiff.alignment.get(task)
    target_name = _element_name(target) if target is not None else ""
    if task.id in changed:
        labels = _changes(sdiff.changed.get(spec, []))
        if target is not None and (target.bpmn_id or target.name) != (spec.bpmn_id or spec.name):
            labels.insert(0, "元素标识")
        if task.state == TaskState.STARTED:
            kind = "多实例/循环环节" if isinstance(spec, LoopTask) else "子流程或环节"
            plan.tasks.append(
                TaskMapping(
                    str(task.id), spec.bpmn_id or spec.name, name, state, "changed", target_name, labels
                )
            )
            plan.reasons.append(
                f"案件正处在{kind}“{name}”之中，而它在目标版本中已改变（{'、'.join(labels)}）"
            )
            return
        plan.tasks.append(
            TaskMapping(str(task.id), spec.bpmn_id or spec.name, name, state, "changed", target_name, labels)
        )
        return
    if task.state == TaskState.STARTED:
        return  # an unchanged subprocess or loop the case is in: nothing to tell
    plan.tasks.append(
        TaskMapping(str(task.id), spec.bpmn_id or spec.name, name, state, "mapped", target_name)
    )


def _attached_name(task) -> str:
    attached = _attached_task(task)
    return _element_name(attached.task_spec) if attached is not None else ""


def _began(wf, task_id, snapshot) -> datetime:
    """When a waiting task began: a boundary timer's start is when the task it is attached to began."""
    task = wf.get_task_from_id(task_id)
    attached = _attached_task(task) if task is not None else None
    key = attached.id if attached is not None and attached.id in snapshot else task_id
    stamp = snapshot[key][3]
    return datetime.fromtimestamp(stamp, UTC) if stamp else timezone.now()


def _restore_or_recount(wf, snapshot, old_specs, changed_ids, began, area_code) -> set:
    """After ``migrate_workflow``: restore unchanged tasks, count changed timers from their start."""
    registry = SERIALIZER.registry
    recomputed = set()
    for task in wf.get_tasks(state=TaskState.READY | TaskState.WAITING):
        saved = snapshot.get(task.id)
        if saved is None:
            continue  # predicted again from the target
        state, data, internal, stamp = saved
        if _is_timer(task):
            old_definition = getattr(old_specs[task.id], "event_definition", None)
            same = old_definition is not None and registry.convert(old_definition) == registry.convert(
                task.task_spec.event_definition
            )
            if same and state == task.state:
                task.data, task.internal_data, task.last_state_change = data, internal, stamp
            else:
                _recount(task, internal, began[task.id], area_code)
                recomputed.add(task.id)
            continue
        if task.id not in changed_ids and state == task.state:
            task.data, task.internal_data, task.last_state_change = data, internal, stamp
    return recomputed


def _recount(task, old_internal: dict, began: datetime, area_code: str) -> None:
    """A changed timer, evaluated again today by the reset: count it from the day it started."""
    record = deadlines.deadline_record(task)
    saved = old_internal.get("deadline")
    old_record: dict = saved if isinstance(saved, dict) else {}
    definition = task.task_spec.event_definition
    if record and record.get("start"):
        start = (
            date.fromisoformat(old_record["start"])
            if old_record.get("start")
            else began.astimezone(SHANGHAI).date()
        )
        days, unit = int(record["days"]), record["unit"]
        extra: dict = {}
        clock = record.get("clock")
        if isinstance(clock, dict) and clock.get("key"):
            try:
                rule = deadlines.resolve(clock["key"], area_code, start)  # the rule in force that day
            except deadlines.UnknownClock:
                rule = None
            if rule is not None:
                days, unit = rule.days, rule.unit
                extra = {"clock": asdict(rule), "basis": rule.summary}
        last, provisional = deadlines.count_from(start, days, unit)
        paused = int(old_record.get("paused_days") or 0)
        if paused:  # the days its clock already stood still still count
            last, still = deadlines.count_from(last, paused, unit)
            provisional = provisional or still
        due = deadlines.end_of_day(last).isoformat()
        task._set_internal_data(
            deadline={
                **record,
                **extra,
                "start": start.isoformat(),
                "days": days,
                "unit": unit,
                "due": due,
                "provisional": provisional,
                "paused_days": paused,
            },
            event_value=due,
        )
    elif isinstance(definition, DurationTimerEventDefinition):
        value = _parse(task._get_internal_data("event_value"))
        if value is not None:  # a duration counts from when the timer began, not from now
            task._set_internal_data(event_value=(value - (timezone.now() - began)).isoformat())
    elif isinstance(definition, CycleTimerEventDefinition):
        pass  # a cycle starts again from now
    # a date-time timer (no deadline record) is absolute: as evaluated


def _unaligned(wf) -> list[str]:
    """Tasks still pointing at a spec their (sub)workflow's target spec lacks."""
    names: list[str] = []
    workflows = [wf, *wf.subprocesses.values()]
    for workflow in workflows:
        specs = workflow.spec.task_specs
        for task in workflow.get_tasks(skip_subprocesses=True):
            if specs.get(task.task_spec.name) is not task.task_spec:
                name = _element_name(task.task_spec)
                if name not in names:
                    names.append(name)
    return names


def _human_task_changes(
    instance: ProcessInstance, wf, changed_ids: set, recomputed: set
) -> list[HumanTaskChange]:
    ready = {task.id: task for task in ready_human_tasks(wf)}
    rows = list(
        instance.human_tasks.filter(state=HumanTask.State.OPEN).select_related("assignee").order_by("pk")
    )
    changes: list[HumanTaskChange] = []
    seen = set()
    for row in rows:
        assignee = (row.assignee.get_full_name() or row.assignee.username) if row.assignee else ""
        task = ready.get(row.task_uuid)
        base: dict[str, Any] = {
            "name": row.name,
            "row_id": row.pk,
            "department": row.candidate_department,
            "assignee": assignee,
            "due_before": row.due_at,
            "task_id": str(row.task_uuid),
        }
        if task is None:
            changes.append(HumanTaskChange(outcome="cancelled", **base))
            continue
        seen.add(task.id)
        timers_moved = any(
            sibling.id in recomputed for sibling in (task.parent.children if task.parent is not None else [])
        )
        due_after = task_deadline(task)[0] if timers_moved else row.due_at
        if task.id not in changed_ids:
            changes.append(
                HumanTaskChange(
                    outcome="kept",
                    new_name=row.name,
                    new_department=row.candidate_department,
                    due_after=due_after,
                    refresh_due=timers_moved,
                    **base,
                )
            )
            continue
        department, role = candidate_for(wf, task)
        new_name = task.task_spec.bpmn_name or task.task_spec.bpmn_id
        fields = {"name": new_name, "bpmn_id": task.task_spec.bpmn_id}
        moved = (department, role) != (row.candidate_department, row.candidate_role)
        if moved:
            fields.update(
                candidate_department=department, candidate_role=role, assignee=None, claimed_at=None
            )
        changes.append(
            HumanTaskChange(
                outcome="reassigned" if moved else ("updated" if new_name != row.name else "kept"),
                new_name=new_name,
                new_department=department,
                due_after=due_after,
                fields=fields,
                refresh_due=timers_moved,
                **base,
            )
        )
    for task in ready.values():
        if task.id in seen:
            continue
        department, _role = candidate_for(wf, task)
        changes.append(
            HumanTaskChange(
                outcome="new",
                name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                new_name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                new_department=department,
                due_after=task_deadline(task)[0],
                task_id=str(task.id),
            )
        )
    return changes


# --- migrating -------------------------------------------------------------------------


def migrate_instances(
    instance_ids: list[int],
    target_version_id: int,
    actor: Actor = None,
    *,
    expected_versions: dict[int, int] | None = None,
) -> list[MigrationOutcome]:
    """Migrate each case to the target version; one outcome per case, in the order given.

    Each case in its own transaction under its row lock, after a fresh dry run.  A refused or
    failing case is left exactly as it was and reported; the others go on.  ``expected_versions``
    (case id → the optimistic version the admin's dry run saw) refuses a case changed since.
    """
    target = _as_version(target_version_id)
    outcomes: list[MigrationOutcome] = []
    for pk in dict.fromkeys(instance_ids):
        try:
            with transaction.atomic(), operation.buffered():
                outcomes.append(_migrate_one(pk, target, actor, (expected_versions or {}).get(pk)))
        except Exception as exc:  # noqa: BLE001 - this case is rolled back; the others go on
            log.warning("migration of case %s to version %s failed", pk, target.pk, exc_info=True)
            message = exc.message if isinstance(exc, UserFacingError) else f"迁移失败：{exc}"
            found = ProcessInstance.objects.filter(pk=pk).values("business_key", "title").first()
            row: dict[str, Any] = dict(found) if found else {}
            outcomes.append(
                MigrationOutcome(pk, row.get("business_key", ""), row.get("title", ""), False, [message])
            )
    return outcomes


def _migrate_one(pk: int, target: ProcessVersion, actor: Actor, expected: int | None) -> MigrationOutcome:
    instance = locked_instance(pk)
    if instance is None:
        return MigrationOutcome(pk, "", "", False, ["案件不存在"])
    if expected is not None and instance.version != expected:
        return MigrationOutcome(
            pk,
            instance.business_key,
            instance.title,
            False,
            ["案件在试迁移之后已有办理或变化，请重新试迁移"],
            from_version=instance.process_version.version,
            to_version=target.version,
        )
    trial = _trial(instance, target)
    plan, wf = trial.plan, trial.wf
    if not plan.safe or wf is None:
        return MigrationOutcome(
            pk,
            instance.business_key,
            instance.title,
            False,
            plan.reasons,
            plan,
            plan.from_version,
            target.version,
        )
    from_version = instance.process_version
    events = wf.get_events()
    updated = ProcessInstance.objects.filter(pk=pk, version=instance.version).update(process_version=target)
    if updated != 1:
        raise ConcurrentModification("案件已被他人更新，请刷新后重试")
    instance.process_version = target
    with deadlines.case_scope(instance.area_code):
        save_state(instance, wf)
        _apply_row_changes(instance, wf, plan)
        created = sync_tasks(instance, wf, actor=actor)
    for row, data in created:
        record("task_created", instance=instance, human_task=row, department=row.candidate_department)
        hooks.run_task_created(instance, row, data)
    route_messages(instance, events)
    if trial.healed:
        record("loop_children_merged", actor=actor, instance=instance, children=trial.healed)
    record(
        "instance_migrated",
        actor=actor,
        instance=instance,
        from_version=from_version.version,
        from_version_id=from_version.pk,
        to_version=target.version,
        to_version_id=target.pk,
        mapped=plan.ids("mapped"),
        changed=plan.ids("changed"),
        removed=plan.ids("removed"),
        repredicted=len(plan.dropped),  # predicted tasks dropped by the reset and predicted again
        timers=[
            {
                "task": t.task_id,
                "element": t.element,
                "name": t.name,
                "before": t.before.isoformat() if t.before else None,
                "after": t.after.isoformat() if t.after else None,
                "recomputed": t.recomputed,
            }
            for t in plan.timers
        ],
        next_timer_before=plan.next_timer_before.isoformat() if plan.next_timer_before else None,
        next_timer_after=instance.next_timer_at.isoformat() if instance.next_timer_at else None,
        human_tasks=[
            {"id": h.row_id, "task": h.task_id, "name": h.new_name or h.name, "outcome": h.outcome}
            for h in plan.human_tasks
        ],
    )
    return MigrationOutcome(
        pk, instance.business_key, instance.title, True, [], plan, from_version.version, target.version
    )


def _apply_row_changes(instance: ProcessInstance, wf, plan: MigrationPlan) -> None:
    """Open rows of changed tasks take the target's name and candidates; moved timers move their due."""
    for change in plan.human_tasks:
        if change.row_id is None or change.outcome == "cancelled":
            continue
        row = HumanTask.objects.get(pk=change.row_id)
        if change.fields:
            for name, value in change.fields.items():
                setattr(row, name, value)
            row.save(update_fields=list(change.fields))
            if change.outcome == "reassigned" and change.assignee:
                record("task_released", instance=instance, human_task=row, reason="流程版本迁移改派")
        if change.refresh_due:
            task = wf.get_task_from_id(UUID(change.task_id))
            if task is not None:
                _refresh_due(instance, row, _due_fields(task))
