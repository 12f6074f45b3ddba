"""抽查计划 (bpmn/inspection_plan.bpmn): draft, submit, approve or return, 实施抽取 with witnesses,
completion only when every task is drawn; validation in Chinese; department isolation; the draw
page's 重放核验; the public draw page (一公开) without login and without inspectors' names."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.lifecycles.inspection import plans
from casework.lifecycles.inspection.models import (
    Draw,
    InspectionItem,
    InspectionPlan,
    InspectionTask,
    Inspector,
)
from casework.organization.models import Department, Membership, Role
from processes import engine
from processes.models import AuditEvent, HumanTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, officer):
    scjg, wjw = Department.objects.get(code="SCJG"), Department.objects.get(code="WJW")
    for i in range(24):
        Enterprise.objects.create(
            credit_code=make_credit_code("9", "1", "510802", f"MA9P{i:04d}"),
            name=f"广元市计划测试{i:02d}有限公司",
            kind=Enterprise.Kind.ENTERPRISE,
            division_code="510802",
            risk_class="ABCD"[i % 4],
            status=Enterprise.Status.ACTIVE,
        )
    made = {}
    for department, n in ((scjg, 3), (wjw, 2)):
        for i in range(n):
            user, _ = get_user_model().objects.get_or_create(
                username=f"plan_insp_{department.code}_{i}",
                defaults={"first_name": f"检查员{department.code}{i}"},
            )
            Membership.objects.get_or_create(user=user, department=department, role=Role.INSPECTOR)
            made[user.username] = Inspector.objects.create(
                user=user,
                department=department,
                certificate_number=f"执{department.code}{i:04d}",
                certificate_valid_until=timezone.localdate() + timedelta(days=365),
            )
    items = {
        "SCJG": InspectionItem.objects.create(
            department=scjg, code="SC-01", name="企业公示信息抽查", legal_basis="《企业信息公示暂行条例》"
        ),
        "WJW": InspectionItem.objects.create(
            department=wjw, code="WJ-01", name="公共场所卫生检查", legal_basis="《公共场所卫生管理条例》"
        ),
    }
    return {
        "scjg": scjg,
        "wjw": wjw,
        "items": items,
        "inspectors": made,
        "officer": officer("SCJG"),
        "reviewer": users["reviewer_sc"],
        "registrar": users["registrar"],
        "other": users["officer_jy"],
    }


def plan_values(world, **overrides) -> plans.PlanValues:
    start = timezone.localdate()
    values = {
        "name": "2026 年度联合抽查",
        "departments": [world["scjg"], world["wjw"]],
        "period_start": start,
        "period_end": start + timedelta(days=90),
    }
    values.update(overrides)
    return plans.PlanValues(**values)


def task_values(world, **overrides) -> plans.TaskValues:
    values = {
        "name": "利州区联合抽查",
        "departments": [world["scjg"], world["wjw"]],
        "items": list(world["items"].values()),
        "target_filter": {},
        "count": 4,
        "ratios": {},
        "per_target": 2,
        "recent_draws": 3,
        "result_due": timezone.localdate() + timedelta(days=60),
    }
    values.update(overrides)
    return plans.TaskValues(**values)


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def draft(world, tasks: int = 1) -> InspectionPlan:
    plan = plans.create_plan(actor=world["officer"], department=world["scjg"], values=plan_values(world))
    for n in range(tasks):
        plans.add_task(actor=world["officer"], plan=plan, values=task_values(world, name=f"任务{n + 1}"))
    return plan


def open_task(plan: InspectionPlan, bpmn_id: str) -> HumanTask:
    return HumanTask.objects.get(instance=plan.instance, bpmn_id=bpmn_id, state=HumanTask.State.OPEN)


def complete(plan, bpmn_id, user, data=None):
    task = open_task(plan, bpmn_id)
    engine.claim_task(task_id=task.pk, user=user)
    return engine.complete_task(task_id=task.pk, user=user, data=data or {})


def approved(world, tasks: int = 1) -> InspectionPlan:
    plan = draft(world, tasks)
    plans.submit(actor=world["officer"], plan=plan)
    plan.refresh_from_db()
    complete(plan, plans.REVIEW, world["reviewer"], {"plan_decision": "approve"})
    plan.refresh_from_db()
    return plan


# --- the lifecycle -----------------------------------------------------------------------------


def test_plan_submit_approve_draw_and_complete(world, client):
    plan = draft(world, tasks=1)
    assert plan.number == f"CCJH-{timezone.localdate().year}-0001" and plan.state == "draft"
    plans.submit(actor=world["officer"], plan=plan)
    plan.refresh_from_db()
    review = open_task(plan, plans.REVIEW)
    assert (review.candidate_department, review.candidate_role) == ("SCJG", "reviewer")
    assert review.due_at is not None and review.due_clock  # 平台默认 clock, escalates when missed

    complete(plan, plans.REVIEW, world["reviewer"], {"plan_decision": "approve"})
    plan.refresh_from_db()
    assert plan.state == "approved" and plan.approved_by == world["reviewer"]
    step = open_task(plan, plans.DRAW)
    assert (step.candidate_department, step.candidate_role) == ("SCJG", "officer")

    client.force_login(world["officer"])
    page = client.get(reverse("workbench:task", args=[step.pk]))
    assert page.status_code == 200 and 'data-testid="draw-form"' in page.content.decode()
    task = plan.tasks.get()
    answer = client.post(
        reverse("workbench:inspection-plan-task-draw", args=[task.pk]),
        {"witnesses": "张敏、何平", "next": reverse("workbench:task", args=[step.pk])},
    )
    assert answer.status_code == 302 and answer["Location"] == reverse("workbench:task", args=[step.pk])
    item = Draw.objects.get(task=task)
    assert (
        item.witnesses == "张敏、何平" and item.operator == world["officer"] and item.inspections.count() == 4
    )

    complete(plan, plans.DRAW, world["officer"])
    plan.refresh_from_db()
    assert plan.state == "done" and plan.instance.status == "completed"
    actions = list(
        AuditEvent.objects.filter(
            action__startswith="inspection_plan_", payload__plan_id=plan.pk
        ).values_list("action", flat=True)
    )
    assert actions == [
        "inspection_plan_created",
        "inspection_plan_task_added",
        "inspection_plan_submitted",
        "inspection_plan_approved",
        "inspection_plan_done",
    ]
    assert AuditEvent.objects.filter(action="inspection_drawn", payload__draw_id=item.pk).exists()


def test_a_returned_plan_goes_back_to_its_department_and_is_resubmitted(world, client):
    plan = draft(world)
    plans.submit(actor=world["officer"], plan=plan)
    plan.refresh_from_db()
    with pytest.raises(Exception, match="退回修改须填写理由"):
        complete(plan, plans.REVIEW, world["reviewer"], {"plan_decision": "return"})
    review = open_task(plan, plans.REVIEW)
    engine.complete_task(
        task_id=review.pk,
        user=world["reviewer"],
        data={"plan_decision": "return", "review_note": "抽取比例过低"},
    )
    plan.refresh_from_db()
    assert plan.state == "returned"
    revise = open_task(plan, plans.REVISE)
    assert (revise.candidate_department, revise.candidate_role) == ("SCJG", "officer")
    client.force_login(world["officer"])
    body = client.get(reverse("workbench:inspection-plan", args=[plan.pk])).content.decode()
    assert "退回理由：抽取比例过低" in body
    # 退回修改: the tasks can be changed again, then 重新报批 through the task.
    task = plan.tasks.get()
    plans.update_task(actor=world["officer"], task=task, values=task_values(world, count=6))
    complete(plan, plans.REVISE, world["officer"], {"revision_note": "已提高抽取户数"})
    plan.refresh_from_db()
    assert plan.state == "submitted" and open_task(plan, plans.REVIEW)
    assert AuditEvent.objects.filter(
        action="inspection_plan_returned", payload__reason="抽取比例过低"
    ).exists()
    assert AuditEvent.objects.filter(action="inspection_plan_resubmitted", payload__plan_id=plan.pk).exists()


def test_conduct_draw_refuses_completion_while_a_task_is_undrawn(world):
    plan = approved(world, tasks=2)
    first, second = plan.tasks.order_by("pk")
    plans.draw(actor=world["officer"], task=first, witnesses="张敏")
    step = open_task(plan, plans.DRAW)
    engine.claim_task(task_id=step.pk, user=world["officer"])
    with pytest.raises(Exception, match="还有 1 个抽查任务未抽取（任务2）"):
        engine.complete_task(task_id=step.pk, user=world["officer"], data={})
    plans.draw(actor=world["officer"], task=second, witnesses="张敏")
    engine.complete_task(task_id=step.pk, user=world["officer"], data={})
    plan.refresh_from_db()
    assert plan.state == "done"


def test_a_draw_needs_witnesses_and_the_lead_departments_officer(world, client):
    plan = approved(world)
    task = plan.tasks.get()
    with pytest.raises(plans.PlanRefused, match="请填写见证人姓名"):
        plans.draw(actor=world["officer"], task=task, witnesses="  ")
    client.force_login(world["reviewer"])  # reviewer of SCJG: sees the plan, may not draw
    answer = client.post(
        reverse("workbench:inspection-plan-task-draw", args=[task.pk]), {"witnesses": "张敏"}
    )
    assert answer.status_code == 403 and not Draw.objects.exists()


# --- validation ---------------------------------------------------------------------------------


def test_task_rules_are_refused_in_chinese(world):
    plan = draft(world, tasks=0)
    cases = [
        ({"per_target": 1}, "per_target", "至少 2 名"),
        ({"count": None, "ratios": {}}, "count", "请填写抽取户数，或至少一个大于 0 的分类抽查比例"),
        ({"count": None, "ratios": {"A": "1.5"}}, "ratio_A", "0 到 1 之间"),
        ({"count": None, "ratios": {"A": "0", "B": "0"}}, "count", "至少一个大于 0"),
        ({"count": 3, "ratios": {"A": "0.1"}}, "count", "二选一"),
        ({"result_due": plan.period_end + timedelta(days=1)}, "result_due", "须在计划实施期间"),
        ({"items": []}, "items", "请至少选择一项抽查事项"),
        ({"departments": [world["scjg"]]}, "items", "参与部门清单中有效的事项"),
        ({"target_filter": {"owner": ["x"]}}, "target_filter", "无法识别"),
    ]
    for overrides, field, words in cases:
        with pytest.raises(plans.PlanRefused) as refused:
            plans.add_task(actor=world["officer"], plan=plan, values=task_values(world, **overrides))
        assert words in refused.value.details[field], (overrides, refused.value.details)
    world["items"]["WJW"].active = False
    world["items"]["WJW"].save()
    with pytest.raises(plans.PlanRefused, match="公共场所卫生检查"):
        plans.add_task(actor=world["officer"], plan=plan, values=task_values(world))
    ok = plans.add_task(
        actor=world["officer"],
        plan=plan,
        values=task_values(
            world, count=None, ratios={"A": "0.05", "D": "0.2"}, items=[world["items"]["SCJG"]]
        ),
    )
    assert ok.ratios == {"A": "0.05", "D": "0.2"} and ok.count is None
    with pytest.raises(plans.PlanRefused, match="实施结束日期不能早于开始日期"):
        plans.create_plan(
            actor=world["officer"],
            department=world["scjg"],
            values=plan_values(world, period_end=timezone.localdate() - timedelta(days=1)),
        )


def test_the_task_form_shows_errors_and_the_live_preview(world, client):
    plan = draft(world, tasks=0)
    client.force_login(world["officer"])
    url = reverse("workbench:inspection-plan-task-new", args=[plan.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="preview-total">24<' in page.content.decode()
    assert (
        f'value="{plan.period_end.isoformat()}"' in page.content.decode()
    )  # 结果截止 defaults to the period's end
    answer = client.post(
        url,
        {
            "name": "任务",
            "departments": [world["scjg"].pk, world["wjw"].pk],
            "items": [world["items"]["SCJG"].pk],
            "mode": "ratio",
            "ratio_A": "2",
            "per_target": "1",
            "recent_draws": "3",
            "result_due": plan.period_start.isoformat(),
        },
    )
    body = answer.content.decode()
    assert (
        answer.status_code == 422
        and "每户检查人员至少 2 名" in body
        and "A 类抽查比例应为 0 到 1 之间的小数" in body
    )
    preview = client.get(
        reverse("workbench:inspection-plan-preview", args=[plan.pk]),
        {"risk_classes": ["A", "D"], "mode": "ratio", "ratio_A": "0.5", "ratio_D": "0.1"},
    ).json()
    assert preview["total"] == 12 and preview["expected"] == 3 + 1  # ⌈0.5×6⌉ + ⌈0.1×6⌉
    assert [r["count"] for r in preview["by_risk"]] == [6, 0, 0, 6]


# --- isolation ------------------------------------------------------------------------------------


def test_another_department_neither_sees_nor_draws(world, client):
    plan = approved(world)
    task = plan.tasks.get()
    client.force_login(world["other"])  # 教育局: neither leads nor joins
    assert plan.number not in client.get(reverse("workbench:inspection-plans")).content.decode()
    assert client.get(reverse("workbench:inspection-plan", args=[plan.pk])).status_code == 404
    assert (
        client.post(
            reverse("workbench:inspection-plan-task-draw", args=[task.pk]), {"witnesses": "x"}
        ).status_code
        == 404
    )
    assert client.get(reverse("workbench:inspection-plan-task", args=[task.pk])).status_code == 404
    item = plans.draw(actor=world["officer"], task=task, witnesses="张敏")
    assert client.get(reverse("workbench:inspection-draw", args=[item.pk])).status_code == 404
    assert client.post(reverse("workbench:inspection-draw-replay", args=[item.pk])).status_code == 404
    # 卫健委 joins the plan: sees it, may not change it.
    client.force_login(get_user_model().objects.get(username="officer_wj"))
    assert plan.number in client.get(reverse("workbench:inspection-plans")).content.decode()
    assert client.get(reverse("workbench:inspection-plan", args=[plan.pk])).status_code == 200
    assert client.get(reverse("workbench:inspection-plan-edit", args=[plan.pk])).status_code == 403


def test_only_a_draft_or_returned_plan_changes(world):
    plan = approved(world)
    with pytest.raises(plans.PlanRefused, match="只有草稿或退回修改的计划可以修改"):
        plans.add_task(actor=world["officer"], plan=plan, values=task_values(world))
    plans.draw(actor=world["officer"], task=plan.tasks.get(), witnesses="张敏")
    with pytest.raises(plans.PlanRefused, match="不能撤回"):
        plans.withdraw(actor=world["officer"], plan=plan, reason="取消")


def test_withdrawing_a_submitted_plan_ends_its_case(world):
    plan = draft(world)
    plans.submit(actor=world["officer"], plan=plan)
    plan.refresh_from_db()
    plans.withdraw(actor=world["officer"], plan=plan, reason="上级另行部署")
    plan.refresh_from_db()
    assert plan.state == "withdrawn" and plan.instance.status == "terminated"
    assert not HumanTask.objects.filter(instance=plan.instance, state=HumanTask.State.OPEN).exists()
    assert AuditEvent.objects.filter(
        action="inspection_plan_withdrawn", payload__reason="上级另行部署"
    ).exists()


# --- the draw page and the public page ------------------------------------------------------------


def test_the_draw_page_replays_and_says_consistent_or_not(world, client):
    plan = approved(world)
    item = plans.draw(actor=world["officer"], task=plan.tasks.get(), witnesses="张敏、何平")
    client.force_login(world["reviewer"])
    page = client.get(reverse("workbench:inspection-draw", args=[item.pk])).content.decode()
    for shown in (item.seed, item.population_hash, item.result_hash, "xtjg-draw/1", "张敏、何平", "Fisher"):
        assert shown in page
    first = item.inspections.order_by("position").first()
    assert first.enterprise_name in page and "检查员SCJG" in page
    assert "选派顺序 广元市市场监督管理局、" in page and "SCJG、WJW" not in page  # names, never codes
    posted = client.post(reverse("workbench:inspection-draw-replay", args=[item.pk]))
    assert posted.status_code == 302  # the page's form navigation (Turbo) renders only a redirect's answer
    answer = client.get(posted["Location"]).content.decode()
    assert "<strong>一致</strong>" in answer
    member = first.members.order_by("position").last()
    spare = (
        Inspector.objects.filter(department=member.inspector.department)
        .exclude(pk__in=first.members.values("inspector"))
        .first()
    )
    type(member).objects.filter(pk=member.pk).update(inspector=spare)
    answer = client.post(
        reverse("workbench:inspection-draw-replay", args=[item.pk]), follow=True
    ).content.decode()
    assert "<strong>不一致</strong>" in answer and "检查组与重新抽取的结果不一致" in answer
    assert (
        "<strong>不一致</strong>"
        not in client.get(reverse("workbench:inspection-draw", args=[item.pk])).content.decode()
    )
    snapshot = client.get(reverse("workbench:inspection-draw-snapshot", args=[item.pk]))
    assert snapshot.status_code == 200 and snapshot["Content-Type"] == "application/gzip"


def test_the_public_draw_page_needs_no_login_and_names_no_inspector(world, client):
    plan = approved(world)
    item = plans.draw(actor=world["officer"], task=plan.tasks.get(), witnesses="张敏")
    listing = client.get(reverse("portal:draws"))
    assert listing.status_code == 200 and plan.tasks.get().name in listing.content.decode()
    page = client.get(reverse("portal:draw", args=[item.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    for shown in (plan.name, item.seed, item.population_hash, item.result_hash, "xtjg-draw/1", "卫生健康"):
        assert shown in body, shown
    for target in item.inspections.all():
        assert target.credit_code in body and target.enterprise_name in body
        for member in target.members.select_related("inspector__user"):
            assert member.inspector.certificate_number in body
    for inspector in world["inspectors"].values():
        assert inspector.user.first_name not in body and inspector.user.username not in body
    assert "双随机抽查公示" in client.get(reverse("portal:search")).content.decode()  # the header's link
    snapshot = client.get(reverse("portal:draw-snapshot", args=[item.pk]))
    assert snapshot.status_code == 200
    # a draft plan's (undrawn) task and unknown ids are not found
    assert client.get(reverse("portal:draw", args=[item.pk + 99])).status_code == 404


def test_the_public_page_does_not_say_who_recused(world, client):
    plan = approved(world)
    task = plan.tasks.get()
    scjg_team = [i for i in world["inspectors"].values() if i.department.code == "SCJG"]
    for target in Enterprise.objects.all():  # every SCJG inspector but one declared a conflict with all
        for inspector in scjg_team[1:]:
            inspector.conflicts.create(credit_code=target.credit_code, reason="亲属任职")
    item = plans.draw(actor=world["officer"], task=task, witnesses="张敏")
    assert item.replacements.exists()
    body = client.get(reverse("portal:draw", args=[item.pk])).content.decode()
    assert "申报利害关系回避，已随机递补" in body
    for inspector in scjg_team[1:]:
        assert inspector.certificate_number not in body


def test_demo_plan_seeds_once(world):
    from casework.lifecycles.inspection.plan_demo import PLAN_NAME, seed_demo_plan

    InspectionItem.objects.create(
        department=world["scjg"], code="SCJG-GS-01", name="企业公示信息抽查", legal_basis="x"
    )
    InspectionItem.objects.create(
        department=world["wjw"], code="WJW-GG-01", name="公共场所卫生", legal_basis="x"
    )
    assert seed_demo_plan() == 1
    assert seed_demo_plan() == 0
    plan = InspectionPlan.objects.get(name=PLAN_NAME)
    assert plan.state == "approved" and InspectionTask.objects.get(plan=plan).state == "drawn"
    assert open_task(plan, plans.DRAW).candidate_department == "SCJG"
    assert (
        fresh(get_user_model().objects.get(username="officer_sc"))
        .memberships.filter(role=Role.OFFICER)
        .exists()
    )
