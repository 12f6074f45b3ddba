"""The trial both a dry run and a migration run: diff, migrate in memory, check, and make the plan."""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from .. import deadlines
from ..engine.core import load_case
from ..engine.projection import next_timer_at
from ..models import Incident, ProcessInstance, ProcessVersion
from ..serialization import SERIALIZER, dumps, loads, spec_for
from .human_tasks import _human_task_changes
from .names import STATE_LABELS, _attached_name, _basis, _changes, _element_name, _is_timer, _parse
from .plan import MigrationPlan, TaskMapping, TimerChange
from .timers import _began, _restore_or_recount

log = logging.getLogger("processes.migration")

ACTIVE_MASK = TaskState.READY | TaskState.WAITING | TaskState.STARTED
PREDICTED_MASK = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE
MIGRATABLE = (ProcessInstance.Status.RUNNING, ProcessInstance.Status.SUSPENDED)


def _as_version(target) -> ProcessVersion:
    if isinstance(target, ProcessVersion):
        return target
    return ProcessVersion.objects.select_related("definition").get(pk=target)


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
