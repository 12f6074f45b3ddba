"""抽查计划 (``bpmn/inspection_plan.bpmn``): a department drafts a plan and its tasks, submits it,
its reviewer approves or returns it (with a reason), and its officer draws every task before the
case ends.  Every state change is one function here and writes its audit row.

The rules of a task live in ``check_task`` so the web form, the submit and a resubmission refuse
the same things: ≥ 2 inspectors per target (行政处罚法 第四十二条), a count or per-risk-class
ratios (each 0–1, one above 0), a result deadline within the plan's period, items from the
participating departments' active 抽查事项清单 and a target filter of the directory's keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from casework.errors import DomainError, Forbidden
from casework.organization.models import Department, Role
from casework.organization.permissions import departments_in_role, is_process_admin
from processes import engine
from processes.audit import record
from processes.models import HumanTask, ProcessInstance

from . import draw as draw_algorithm
from . import drawing, selectors
from .models import Draw, InspectionItem, InspectionPlan, InspectionTask

PROCESS = "inspection_plan"
REVIEW = "review_plan"
REVISE = "revise_plan"
DRAW = "conduct_draw"
APPROVE, RETURN = "approve", "return"

State = InspectionPlan.State
EDITABLE = (State.DRAFT, State.RETURNED)
#: posts that draft and edit a department's plans
DRAFTING_ROLES = (Role.OFFICER, Role.REVIEWER)
MAX_RECENT_DRAWS = 20


class PlanRefused(DomainError):
    code = "plan_refused"
    status = 422


def today() -> date:
    return timezone.localdate()


# --- who may do what ---------------------------------------------------------------------------


def drafting_departments(user) -> list[Department]:
    """Departments whose plans the user drafts (officer or reviewer there)."""
    codes = {code for role in DRAFTING_ROLES for code in departments_in_role(user, role)}
    return list(Department.objects.filter(code__in=codes).order_by("code"))


def may_edit(user, plan: InspectionPlan) -> bool:
    codes = {code for role in DRAFTING_ROLES for code in departments_in_role(user, role)}
    return plan.lead_department.code in codes


def may_draw(user, plan: InspectionPlan) -> bool:
    """实施抽取 is the lead department's officers' (the task's candidates)."""
    return plan.lead_department.code in departments_in_role(user, Role.OFFICER)


def _require_edit(user, plan: InspectionPlan) -> None:
    if not may_edit(user, plan):
        raise Forbidden("只有牵头部门的经办或审核人员可以修改抽查计划")
    if plan.state not in EDITABLE:
        raise PlanRefused(
            f"抽查计划“{plan.get_state_display()}”，只有草稿或退回修改的计划可以修改",
            details={"state": plan.state},
        )


# --- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanValues:
    name: str
    departments: list[Department]
    period_start: date
    period_end: date
    note: str = ""


def _check_plan(values: PlanValues, lead: Department) -> None:
    details: dict[str, str] = {}
    if not (values.name or "").strip():
        details["name"] = "请填写计划名称"
    if values.period_end < values.period_start:
        details["period_end"] = "实施结束日期不能早于开始日期"
    if lead.code not in {d.code for d in values.departments}:
        details["departments"] = "参与部门须包含牵头部门"
    if details:
        raise PlanRefused(f"抽查计划填写有误：{next(iter(details.values()))}", details=details)


def _next_number(year: int) -> str:
    prefix = f"CCJH-{year}-"
    last = InspectionPlan.objects.filter(number__startswith=prefix).aggregate(n=Max("number"))["n"]
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def create_plan(*, actor, department: Department, values: PlanValues) -> InspectionPlan:
    if department not in drafting_departments(actor):
        raise Forbidden("只能为本部门制定抽查计划")
    _check_plan(values, department)
    for _ in range(5):  # two drafts at once: the second takes the next number
        try:
            with transaction.atomic():
                plan = InspectionPlan.objects.create(
                    number=_next_number(today().year),
                    name=values.name.strip(),
                    lead_department=department,
                    period_start=values.period_start,
                    period_end=values.period_end,
                    note=values.note.strip(),
                    created_by=actor,
                )
                plan.departments.set(values.departments)
                record(
                    "inspection_plan_created",
                    actor=actor,
                    plan_id=plan.pk,
                    number=plan.number,
                    name=plan.name,
                    departments=sorted(d.code for d in values.departments),
                )
                return plan
        except IntegrityError:
            continue
    raise PlanRefused("计划编号分配冲突，请重试")


def update_plan(*, actor, plan: InspectionPlan, values: PlanValues) -> InspectionPlan:
    _require_edit(actor, plan)
    _check_plan(values, plan.lead_department)
    codes = {d.code for d in values.departments}
    for task in plan.tasks.prefetch_related("departments"):
        outside = [d.name for d in task.departments.all() if d.code not in codes]
        if outside:
            raise PlanRefused(
                f"抽查任务“{task.name}”有参与部门{'、'.join(outside)}，请先修改该任务",
                details={"departments": "不能移除任务使用的参与部门"},
            )
        if not values.period_start <= task.result_due <= values.period_end:
            raise PlanRefused(
                f"抽查任务“{task.name}”的结果录入截止日期不在新的实施期间内",
                details={"period_end": "实施期间须包含各任务的结果录入截止日期"},
            )
    with transaction.atomic():
        plan.name, plan.note = values.name.strip(), values.note.strip()
        plan.period_start, plan.period_end = values.period_start, values.period_end
        plan.save(update_fields=["name", "note", "period_start", "period_end"])
        plan.departments.set(values.departments)
        record(
            "inspection_plan_updated",
            actor=actor,
            instance=plan.instance,
            plan_id=plan.pk,
            number=plan.number,
        )
    return plan


# --- tasks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskValues:
    name: str
    departments: list[Department]
    items: list[InspectionItem]
    target_filter: dict[str, list[str]]
    count: int | None
    ratios: dict[str, str]
    per_target: int
    recent_draws: int
    result_due: date | None


def check_task(plan: InspectionPlan, values: TaskValues) -> dict[str, Any]:
    """The task's rules; raises ``PlanRefused`` naming each wrong field, else the cleaned ratios."""
    details: dict[str, str] = {}
    if not (values.name or "").strip():
        details["name"] = "请填写任务名称"
    plan_codes = set(plan.departments.values_list("code", flat=True))
    codes = {d.code for d in values.departments}
    if not codes:
        details["departments"] = "请至少选择一个参与部门"
    elif codes - plan_codes:
        details["departments"] = "任务的参与部门须是计划的参与部门"
    if not values.items:
        details["items"] = "请至少选择一项抽查事项"
    else:
        wrong = [i.name for i in values.items if not i.active or i.department.code not in codes]
        if wrong:
            details["items"] = f"抽查事项须为参与部门清单中有效的事项：{'、'.join(wrong)}"
    unknown = set(values.target_filter) - set(selectors.FILTER_KEYS)
    bad_values = [k for k, v in values.target_filter.items() if not isinstance(v, list)]
    if unknown or bad_values:
        details["target_filter"] = "检查对象范围的条件无法识别"
    ratios: dict[str, str] = {}
    for risk, raw in (values.ratios or {}).items():
        if str(raw).strip() in ("", "0"):
            continue
        try:
            ratio = Decimal(str(raw).strip())
        except InvalidOperation:
            details[f"ratio_{risk}"] = f"{risk} 类抽查比例应为 0 到 1 之间的小数"
            continue
        if risk not in draw_algorithm.RISK_CLASSES or not Decimal(0) <= ratio <= Decimal(1):
            details[f"ratio_{risk}"] = f"{risk} 类抽查比例应为 0 到 1 之间的小数（如 0.05 表示 5%）"
        elif ratio > 0:
            ratios[risk] = format(ratio.normalize(), "f")
    if values.count is not None and ratios:
        details["count"] = "抽取户数与分类抽查比例只能二选一"
    elif values.count is None and not ratios and not any(k.startswith("ratio_") for k in details):
        details["count"] = "请填写抽取户数，或至少一个大于 0 的分类抽查比例"
    elif values.count is not None and values.count < 1:
        details["count"] = "抽取户数至少为 1"
    if values.per_target < 2:
        details["per_target"] = "每户检查人员至少 2 名（行政处罚法 第四十二条）"
    if not 0 <= values.recent_draws <= MAX_RECENT_DRAWS:
        details["recent_draws"] = f"近期抽查回避次数应在 0 到 {MAX_RECENT_DRAWS} 之间"
    if values.result_due is None:
        details["result_due"] = "请填写结果录入截止日期"
    elif not plan.period_start <= values.result_due <= plan.period_end:
        details["result_due"] = (
            f"结果录入截止日期须在计划实施期间（{plan.period_start:%Y-%m-%d} 至 {plan.period_end:%Y-%m-%d}）内"
        )
    if details:
        raise PlanRefused(f"抽查任务填写有误：{next(iter(details.values()))}", details=details)
    return {"ratios": ratios}


def _save_task(task: InspectionTask, values: TaskValues, ratios: dict[str, str]) -> None:
    task.name = values.name.strip()
    task.target_filter = {k: list(v) for k, v in values.target_filter.items() if v}
    task.count = values.count
    task.ratios = ratios
    task.per_target = values.per_target
    task.recent_draws = values.recent_draws
    task.result_due = values.result_due  # type: ignore[assignment]
    task.save()
    task.items.set(values.items)
    task.departments.set(values.departments)


def add_task(*, actor, plan: InspectionPlan, values: TaskValues) -> InspectionTask:
    _require_edit(actor, plan)
    cleaned = check_task(plan, values)
    with transaction.atomic():
        task = InspectionTask(plan=plan)
        _save_task(task, values, cleaned["ratios"])
        record(
            "inspection_plan_task_added",
            actor=actor,
            instance=plan.instance,
            plan_id=plan.pk,
            task_id=task.pk,
            name=task.name,
        )
    return task


def update_task(*, actor, task: InspectionTask, values: TaskValues) -> InspectionTask:
    _require_edit(actor, task.plan)
    cleaned = check_task(task.plan, values)
    with transaction.atomic():
        _save_task(task, values, cleaned["ratios"])
        record(
            "inspection_plan_task_updated",
            actor=actor,
            instance=task.plan.instance,
            plan_id=task.plan_id,
            task_id=task.pk,
            name=task.name,
        )
    return task


def remove_task(*, actor, task: InspectionTask) -> None:
    plan = task.plan
    _require_edit(actor, plan)
    with transaction.atomic():
        task_id, name = task.pk, task.name
        task.items.clear()
        task.departments.clear()
        task.delete()  # a task of a draft or returned plan: never drawn
        record(
            "inspection_plan_task_removed",
            actor=actor,
            instance=plan.instance,
            plan_id=plan.pk,
            task_id=task_id,
            name=name,
        )


def values_of(task: InspectionTask) -> TaskValues:
    return TaskValues(
        name=task.name,
        departments=list(task.departments.all()),
        items=list(task.items.select_related("department")),
        target_filter=dict(task.target_filter or {}),
        count=task.count,
        ratios={k: str(v) for k, v in (task.ratios or {}).items()},
        per_target=task.per_target,
        recent_draws=task.recent_draws,
        result_due=task.result_due,
    )


def check_ready(plan: InspectionPlan) -> None:
    """A plan goes to approval with at least one task, each still valid (an item may have been
    deactivated since it was chosen)."""
    tasks = list(plan.tasks.all())
    if not tasks:
        raise PlanRefused("抽查计划还没有抽查任务，请先添加任务", details={"tasks": "至少一个抽查任务"})
    for task in tasks:
        try:
            check_task(plan, values_of(task))
        except PlanRefused as exc:
            raise PlanRefused(f"抽查任务“{task.name}”：{exc.message}", details=exc.details) from exc


# --- the case ----------------------------------------------------------------------------------


def submit(*, actor, plan: InspectionPlan) -> InspectionPlan:
    """报批: a draft goes to its lead department's reviewer (starts the plan's case)."""
    if not may_edit(actor, plan):
        raise Forbidden("只有牵头部门的经办或审核人员可以报批抽查计划")
    if plan.state != State.DRAFT:
        raise PlanRefused(
            f"抽查计划“{plan.get_state_display()}”，不能报批"
            + ("（退回修改的计划请在“修改抽查计划”任务中重新报批）" if plan.state == State.RETURNED else ""),
            details={"state": plan.state},
        )
    check_ready(plan)
    with transaction.atomic():
        locked = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.state != State.DRAFT:
            raise PlanRefused("抽查计划已报批", details={"state": locked.state})
        instance = engine.start_process(
            key=PROCESS,
            data={"plan_id": plan.pk, "lead_department": plan.lead_department.code, "plan_decision": ""},
            business_key=plan.number,
            title=f"{plan.name}（{plan.number}）",
            actor=actor,
            area_code=plan.lead_department.division_code,
        )
        locked.state, locked.instance = State.SUBMITTED, instance
        locked.save(update_fields=["state", "instance"])
        record(
            "inspection_plan_submitted", actor=actor, instance=instance, plan_id=plan.pk, number=plan.number
        )
    plan.refresh_from_db()
    return plan


def plan_of(instance: ProcessInstance) -> InspectionPlan:
    return InspectionPlan.objects.select_related("lead_department").get(instance=instance)


def record_review(*, instance: ProcessInstance, human_task: HumanTask, data: dict, actor) -> None:
    """on_task_completed 审批抽查计划: approved, or returned with the reason."""
    plan = plan_of(instance)
    if data.get("plan_decision") == APPROVE:
        plan.state, plan.approved_by, plan.approved_at = State.APPROVED, actor, timezone.now()
        plan.save(update_fields=["state", "approved_by", "approved_at"])
        record(
            "inspection_plan_approved",
            actor=actor,
            instance=instance,
            human_task=human_task,
            plan_id=plan.pk,
            note=data.get("review_note", ""),
        )
        return
    plan.state = State.RETURNED
    plan.save(update_fields=["state"])
    record(
        "inspection_plan_returned",
        actor=actor,
        instance=instance,
        human_task=human_task,
        plan_id=plan.pk,
        reason=data.get("review_note", ""),
    )


def record_revision(*, instance: ProcessInstance, human_task: HumanTask, data: dict, actor) -> None:
    """on_task_completed 修改抽查计划: back to the reviewer."""
    plan = plan_of(instance)
    plan.state = State.SUBMITTED
    plan.save(update_fields=["state"])
    record(
        "inspection_plan_resubmitted",
        actor=actor,
        instance=instance,
        human_task=human_task,
        plan_id=plan.pk,
        note=data.get("revision_note", ""),
    )


def undrawn(plan: InspectionPlan) -> list[InspectionTask]:
    return list(plan.tasks.filter(draw__isnull=True).order_by("pk"))


def record_drawn(*, instance: ProcessInstance, human_task: HumanTask, data: dict, actor) -> None:
    """on_task_completed 实施抽取 (the form refused it while a task was undrawn): the plan is done;
    its inspections go on in their own cases."""
    plan = plan_of(instance)
    plan.state = State.DONE
    plan.save(update_fields=["state"])
    record(
        "inspection_plan_done",
        actor=actor,
        instance=instance,
        human_task=human_task,
        plan_id=plan.pk,
        draws=list(Draw.objects.filter(task__plan=plan).order_by("pk").values_list("pk", flat=True)),
    )


def draw(*, actor, task: InspectionTask, witnesses: str) -> Draw:
    """抽取 one task of an approved plan, before witnesses (their names are kept with the draw)."""
    plan = task.plan
    if not may_draw(actor, plan):
        raise Forbidden("只有牵头部门的经办人员可以实施抽取")
    names = " ".join((witnesses or "").split())
    if not names:
        raise PlanRefused("请填写见证人姓名（抽取须有见证人在场）", details={"witnesses": "请填写见证人姓名"})
    if len(names) > 300:
        raise PlanRefused("见证人姓名过长（300 字以内）", details={"witnesses": "300 字以内"})
    return drawing.draw_task(task_id=task.pk, operator=actor, witnesses=names)


def withdraw(*, actor, plan: InspectionPlan, reason: str) -> InspectionPlan:
    """撤回: a plan not yet drawn stops (its case, if any, is terminated); the plan row stays."""
    if not may_edit(actor, plan) and not is_process_admin(actor):
        raise Forbidden("只有牵头部门的经办或审核人员可以撤回抽查计划")
    reason = (reason or "").strip()
    if not reason:
        raise PlanRefused("请填写撤回原因", details={"reason": "请填写撤回原因"})
    if plan.state in (State.WITHDRAWN, State.DONE):
        raise PlanRefused(f"抽查计划“{plan.get_state_display()}”，不能撤回", details={"state": plan.state})
    if Draw.objects.filter(task__plan=plan).exists():
        raise PlanRefused(
            "抽查计划已有任务完成抽取，不能撤回（抽取结果已公开）", details={"state": plan.state}
        )
    with transaction.atomic():
        instance = plan.instance
        if instance is not None and str(instance.status) not in (
            ProcessInstance.Status.COMPLETED,
            ProcessInstance.Status.TERMINATED,
        ):
            engine.terminate_instance(instance_id=instance.pk, actor=actor, reason=f"撤回抽查计划：{reason}")
        plan.state = State.WITHDRAWN
        plan.save(update_fields=["state"])
        record(
            "inspection_plan_withdrawn", actor=actor, instance=plan.instance, plan_id=plan.pk, reason=reason
        )
    return plan
