"""双随机 demo plan: a joint 市场监管 + 卫健委 plan, approved, its task drawn before witnesses, so the
draw page and the public page (/gs/draws/) have content; 实施抽取 stays open for ``officer_sc``.

Runs after the 两库 seeder (its items and inspectors). Idempotent: a second run finds the plan by
name and does nothing. Adds the demo account ``officer_sc`` (市场监管经办), who drafts and draws.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from casework.organization.demo_accounts import DEMO_PASSWORD
from casework.organization.models import Department, Membership, Role
from processes import engine
from processes.models import HumanTask

from . import plans
from .models import InspectionItem, InspectionPlan

PLAN_NAME = "2026 年度企业公示信息与公共场所卫生联合抽查"
OFFICER = ("officer_sc", "市场监管经办 黄伟")


def _officer():
    user, created = get_user_model().objects.get_or_create(
        username=OFFICER[0], defaults={"first_name": OFFICER[1], "email": f"{OFFICER[0]}@xtjg.example.gov.cn"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(
        user=user, department=Department.objects.get(code="SCJG"), role=Role.OFFICER
    )
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached posts


def _complete(plan: InspectionPlan, bpmn_id: str, user, data: dict) -> None:
    task = HumanTask.objects.get(instance=plan.instance, bpmn_id=bpmn_id, state=HumanTask.State.OPEN)
    engine.claim_task(task_id=task.pk, user=user)
    engine.complete_task(task_id=task.pk, user=user, data=data)


def seed_demo_plan() -> int:
    officer = _officer()
    if InspectionPlan.objects.filter(name=PLAN_NAME).exists():
        return 0
    reviewer = get_user_model().objects.filter(username="reviewer_sc").first()
    scjg, wjw = Department.objects.get(code="SCJG"), Department.objects.get(code="WJW")
    items = list(InspectionItem.objects.filter(code__in=["SCJG-GS-01", "WJW-GG-01"], active=True))
    if reviewer is None or len(items) < 2:
        return 0  # the 两库 demo (items, inspectors) is not there
    start = plans.today()
    with transaction.atomic():
        plan = plans.create_plan(
            actor=officer,
            department=scjg,
            values=plans.PlanValues(
                name=PLAN_NAME,
                departments=[scjg, wjw],
                period_start=start,
                period_end=start + timedelta(days=120),
                note="进一次门、查多项事：市场监管局与卫健委联合抽查利州区存续市场主体。",
            ),
        )
        task = plans.add_task(
            actor=officer,
            plan=plan,
            values=plans.TaskValues(
                name="利州区企业公示信息与公共场所卫生联合抽查",
                departments=[scjg, wjw],
                items=items,
                target_filter={},
                count=3,
                ratios={},
                per_target=2,
                recent_draws=3,
                result_due=start + timedelta(days=90),
            ),
        )
        plans.submit(actor=officer, plan=plan)
        plan.refresh_from_db()
        _complete(
            plan, plans.REVIEW, reviewer, {"plan_decision": plans.APPROVE, "review_note": "同意按计划实施"}
        )
        plans.draw(actor=officer, task=task, witnesses="市场监管局法规科 张敏、卫健委监督所 何平")
    return 1
