"""Drives bundled-process cases one action per OS process (``python -m tests.crossprocess_driver CMD``).

Used by ``test_cross_process.py``: production runs every step of a case in whichever web or
worker process picks it up, so a case must finish even when no two of its steps share a process.
Each command sets up Django, does one thing, prints one JSON line and exits.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import django

SHANGHAI = ZoneInfo("Asia/Shanghai")
STARTED_AT = datetime(2025, 11, 3, 10, 0, tzinfo=SHANGHAI)  # a Monday
TIMERS_AT = datetime(2025, 11, 4, 9, 0, tzinfo=SHANGHAI)  # the demo case's same-day deadline has passed
STEPS_AT = datetime(2025, 11, 4, 10, 0, tzinfo=SHANGHAI)
ARCHIVE_AT = datetime(2031, 1, 6, 10, 0, tzinfo=SHANGHAI)  # every permit published above has expired
# 归集公示: a record that fails the spec (补正) and needs 保密审查, finished in other processes.
RECORD = {
    "permit_number": "广卫许〔2025〕9号",
    "decision_date": "2025-11-01",
    "valid_from": "2025-11-01",
    "permit_authority": "广元市卫生健康委员会",
    "permit_content": "公共场所卫生",
}
# 更正: a published record whose 许可内容 the provider corrects, 市场监管 agrees.
PUBLISHED = {**RECORD, "permit_number": "广卫许〔2025〕10号", "permit_name": "公共场所卫生许可证"}

# Matches 食药 (510800-SP) and 教育 (JYJ) in 广元市: a two-child multi-instance push.
TWO_DEPARTMENT_SCOPE = "餐饮服务；预包装食品销售；文化教育培训（不含学历教育）；会议服务"
UNMATCHED_SCOPE = "软件开发；信息技术咨询服务"
PERMIT = {
    "permit_decision": "granted",
    "decision_date": "2025-11-04",
    "permit_number": "JY15108020001",
    "permit_name": "食品经营许可证",
    "valid_from": "2025-11-04",
    "valid_to": "2030-11-03",
    "permit_authority": "广元市市场监督管理局",
    "permit_content": "预包装食品销售",
}


def setup() -> dict:
    from casework.organization.demo_accounts import seed_accounts
    from processes.deploy import load_bundled_processes

    seed_accounts()  # master data first: the diagrams name its legal clocks
    load_bundled_processes()
    return {"ok": True}


def start() -> dict:
    """One case of every bundled process's main path, each started here and finished elsewhere."""
    from django.contrib.auth import get_user_model

    from casework.directory.credit_code import make_credit_code
    from casework.lifecycles.demo.services import start_demo_case
    from casework.lifecycles.registration_push.services import receive_registration
    from casework.organization.models import Department

    registrar = get_user_model().objects.get(username="registrar")
    started = []
    for event_id, scope, org in (
        ("XP-TWO", TWO_DEPARTMENT_SCOPE, "MA6X0001"),
        ("XP-POOL", UNMATCHED_SCOPE, "MA6X0002"),
    ):
        registration, _ = receive_registration(
            event_id=event_id,
            credit_code=make_credit_code("9", "1", "510800", org),
            name=f"广元市跨进程测试{event_id}有限公司",
            business_scope=scope,
            authority_code="SCJG",
            registered_on=date(2025, 11, 3),
            actor=registrar,
        )
        started.append(registration.instance.pk)
    demo = start_demo_case(
        actor=registrar,
        title="跨进程督办测试",
        department=Department.objects.get(code="WJW"),
        deadline_workdays=0,
    )
    started.append(demo.pk)
    from casework.lifecycles.collection.services import submit_record

    collected = submit_record(
        provider=Department.objects.get(code="WJW"),
        record_type="permit",
        credit_code=make_credit_code("9", "1", "510800", "MA6X0003"),
        enterprise_name="广元市跨进程测试宾馆有限公司",
        values=RECORD,  # no 许可文件名称: returned for 补正
        actor=None,
        sensitive=True,
    )
    started.append(collected.record.instance_id)
    from casework.lifecycles.collection.correction import open_correction

    published = submit_record(
        provider=Department.objects.get(code="WJW"),
        record_type="permit",
        credit_code=make_credit_code("9", "1", "510800", "MA6X0004"),
        enterprise_name="广元市跨进程测试浴室有限公司",
        values=PUBLISHED,
        actor=None,
    )
    fix = open_correction(
        item=published.record,
        reason="许可项目漏录沐浴",
        actor=get_user_model().objects.get(username="officer_wj"),
    )  # 更正: the provider's proposal and 市场监管's review in other processes
    started.append(fix.instance_id)
    started.append(_start_list_reminder())  # 双随机 名录库确认: the department's officer, elsewhere
    started.append(_start_inspection())  # 双随机: entry, 同组确认 and 审核 each in another process
    started.append(_start_plan())  # 双随机 抽查计划: 审批, then 实施抽取 (a real draw) elsewhere
    return {"started": started}


def _start_plan() -> int:
    """A plan of one task (one target), submitted here; approved and drawn in other processes."""
    from django.contrib.auth import get_user_model

    from casework.lifecycles.inspection import plans
    from casework.lifecycles.inspection.models import InspectionItem
    from casework.organization.models import Department

    scjg = Department.objects.get(code="SCJG")
    drafter = get_user_model().objects.get(username="reviewer_sc")
    plan = plans.create_plan(
        actor=drafter,
        department=scjg,
        values=plans.PlanValues(
            name="跨进程抽查计划（审批与抽取）",
            departments=[scjg],
            period_start=date(2025, 11, 1),
            period_end=date(2025, 12, 31),
        ),
    )
    item = InspectionItem.objects.create(
        department=scjg, code="XP-01", name="企业公示信息抽查", legal_basis="《企业信息公示暂行条例》第十四条"
    )
    plans.add_task(
        actor=drafter,
        plan=plan,
        values=plans.TaskValues(
            name="跨进程抽取任务",
            departments=[scjg],
            items=[item],
            target_filter={},
            count=1,
            ratios={},
            per_target=2,
            recent_draws=0,
            result_due=date(2025, 11, 28),
        ),
    )
    return plans.submit(actor=drafter, plan=plan).instance_id


def _start_inspection() -> int:
    """One drawn target with its team of two (the draw itself is not what this test is about)."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from casework.directory.credit_code import make_credit_code
    from casework.lifecycles.inspection import services
    from casework.lifecycles.inspection.models import (
        Draw,
        Inspection,
        InspectionMember,
        InspectionPlan,
        InspectionTask,
        Inspector,
    )
    from casework.organization.models import Department, Membership, Role

    User = get_user_model()
    scjg = Department.objects.get(code="SCJG")
    partner = User.objects.create(username="xp_inspector2")
    Membership.objects.create(user=partner, department=scjg, role=Role.INSPECTOR)
    admin = User.objects.get(username="admin")
    plan = InspectionPlan.objects.create(
        number="XP-SJJH-1",
        name="跨进程抽查计划",
        lead_department=scjg,
        period_start=date(2025, 11, 1),
        period_end=date(2025, 12, 31),
        state=InspectionPlan.State.APPROVED,
        created_by=admin,
    )
    task = InspectionTask.objects.create(plan=plan, name="跨进程抽查任务", result_due=date(2025, 11, 28))
    draw = Draw.objects.create(
        task=task,
        algorithm="xtjg-draw/1",
        seed="00" * 32,
        population_hash="0" * 64,
        population_size=1,
        population_file=ContentFile(b"-", name="population.csv.gz"),
        parameters={},
        result_hash="0" * 64,
        operator=admin,
    )
    inspection = Inspection.objects.create(
        draw=draw,
        position=0,
        credit_code=make_credit_code("9", "1", "510800", "MA6X0005"),
        enterprise_name="广元市跨进程测试餐馆有限公司",
        risk_class="B",
    )
    for position, user in enumerate((User.objects.get(username="inspector"), partner)):
        officer = Inspector.objects.create(
            user=user,
            department=scjg,
            certificate_number=f"XP{position}",
            certificate_valid_until=date(2027, 1, 1),
        )
        InspectionMember.objects.create(inspection=inspection, inspector=officer, position=position)
    return services.start_inspection(inspection, admin).pk


def _start_list_reminder() -> int:
    from casework.lifecycles.inspection.directories import start_reminder
    from casework.organization.models import Department

    return start_reminder(Department.objects.get(code="WJW")).pk


def fire_timers() -> dict:
    from processes import engine

    return {"fired": engine.fire_due_timers()}


def _actor_for(task):
    """A member of the task's candidate department and role (created on first use)."""
    from django.contrib.auth import get_user_model

    from casework.organization.models import Department, Membership

    User = get_user_model()
    if task.candidate_department.startswith("POOL-"):
        return User.objects.get(username="officer_jy")  # any approval officer of the area
    member = (
        Membership.objects.filter(department__code=task.candidate_department, role=task.candidate_role)
        .select_related("user")
        .first()
    )
    if member is not None:
        return member.user
    user = User.objects.create(username=f"xp_{task.candidate_department}_{task.candidate_role}")
    Membership.objects.create(
        user=user, department=Department.objects.get(code=task.candidate_department), role=task.candidate_role
    )
    return user


def _data_for(task) -> dict:
    from casework.lifecycles.registration_push.models import Registration

    if task.bpmn_id == "claim_or_return":
        registration = Registration.objects.get(instance=task.instance)
        if task.candidate_department == "JYJ" and not registration.returns.exists():
            return {"claim_decision": "return", "return_reason": "会议服务不属教育审批，应由卫健核查"}
        return {"claim_decision": "claim"}
    return {
        "confirm_department": {"department": "WJW"},
        "permit_feedback": PERMIT,
        "pool_permit_feedback": PERMIT,
        "claim_from_pool": {},
        "handle_case": {"opinion": "已核实办理"},
        "supervise": {"decision": "urge", "urge_workdays": 3, "reason": "请于三个工作日内办结"},
        "correct_record": {f"v_{k}": v for k, v in {**RECORD, "permit_name": "公共场所卫生许可证"}.items()},
        "review_record": {"review_decision": "approve"},
        "confirm_inspectors": {"confirmed": "on", "note": "跨进程确认"},
        "submit_correction": {
            "correction_decision": "correct",
            "correction_note": "补录许可项目：沐浴",
            **{f"v_{k}": v for k, v in {**PUBLISHED, "permit_content": "公共场所卫生（住宿、沐浴）"}.items()},
        },
        "review_correction": {"correction_review": "agree"},
        "enter_result": {
            "method": "onsite",
            "inspected_on": "2025-11-04",
            "result_code": "no_problem",
            "follow_up": "none",
            "submission_token": str(uuid.uuid4()),  # one per submission (two inspections here)
        },
        "confirm_result": {"confirm_decision": "confirm"},
        "review_result": {"review_decision": "approve"},
        "review_plan": {"plan_decision": "approve"},
        "conduct_draw": {},
    }[task.bpmn_id]


def claim(bpmn_id: str = "") -> dict:
    """Claim the oldest open task (of ``bpmn_id`` if given) for a member of its post.

    A task born assigned (``keep_assignee``: its holder completed the step before it) needs no claim.
    """
    from processes import engine
    from processes.models import HumanTask

    tasks = HumanTask.objects.filter(state=HumanTask.State.OPEN).order_by("pk")
    if bpmn_id:
        tasks = tasks.filter(bpmn_id=bpmn_id)
    task = tasks.first()
    if task is None:
        return {"claimed": None}
    if task.assignee_id is None:
        engine.claim_task(task_id=task.pk, user=_actor_for(task))
    return {"claimed": task.pk}


def complete(task_id: str) -> dict:
    """Complete a claimed task as its assignee, with the data its form asks for."""
    from processes import engine
    from processes.models import HumanTask

    task = HumanTask.objects.select_related("assignee").get(pk=int(task_id))
    if task.bpmn_id == "conduct_draw":  # 实施抽取 is done once every task of the plan is drawn
        from casework.lifecycles.inspection import plans

        plan = plans.plan_of(task.instance)
        for undrawn in plans.undrawn(plan):
            plans.draw(actor=task.assignee, task=undrawn, witnesses="见证人 甲、乙")
    engine.complete_task(task_id=task.pk, user=task.assignee, data=_data_for(task))
    return {"done": f"{task.case_type}:{task.bpmn_id}:{task.candidate_department}"}


def deploy_v2() -> dict:
    """流程管理员 deploys registration_push v2: the claim clock becomes push.confirm (3 working days)."""
    from django.conf import settings

    from processes.deploy import deploy_bpmn

    xml = (settings.BASE_DIR / "bpmn" / "registration_push.bpmn").read_text(encoding="utf-8")
    changed = xml.replace('workdays(clock("push.claim"))', 'workdays(clock("push.confirm"))')
    result = deploy_bpmn(xml=changed, source_name="registration_push.bpmn", comment="认领时限改为 3 个工作日")
    return {"version": result.version.pk}


def _running_on_v1():
    from processes.models import ProcessInstance

    return ProcessInstance.objects.filter(
        case_type="registration_push", process_version__version=1, status=ProcessInstance.Status.RUNNING
    ).order_by("pk")


def dry_run(version_id: str) -> dict:
    """The dry run the admin reads, in its own process: case → (safe, instance version)."""
    from processes import migration

    plans = [migration.dry_run(case, int(version_id)) for case in _running_on_v1()]
    return {"plans": {str(p.instance_id): [p.safe, p.instance_version] for p in plans}}


def migrate(version_id: str, plans: str) -> dict:
    """Migrate, in yet another process, the cases the dry run found safe (as they were then)."""
    from django.contrib.auth import get_user_model

    from processes import migration

    seen = {int(pk): version for pk, (safe, version) in json.loads(plans).items() if safe}
    admin = get_user_model().objects.get(username="admin")
    outcomes = migration.migrate_instances(list(seen), int(version_id), admin, expected_versions=seen)
    return {"migrated": sorted(o.instance_id for o in outcomes if o.migrated)}


def report() -> dict:
    from processes.models import HumanTask, Incident, ProcessInstance

    return {
        "cases": {f"{i.case_type}#{i.pk}": i.status for i in ProcessInstance.objects.order_by("pk")},
        "versions": {
            str(pk): version
            for pk, version in ProcessInstance.objects.values_list("pk", "process_version__version")
        },
        "open_tasks": HumanTask.objects.filter(state=HumanTask.State.OPEN).count(),
        "incidents": list(Incident.objects.values_list("message", flat=True)),
    }


def main(argv: list[str]) -> None:
    import time_machine

    django.setup()
    command, *args = argv
    moment = {"start": STARTED_AT, "timers": TIMERS_AT, "archive": ARCHIVE_AT}.get(command, STEPS_AT)
    action = {
        "setup": setup,
        "start": start,
        "timers": fire_timers,
        "archive": fire_timers,
        "claim": claim,
        "complete": complete,
        "deploy_v2": deploy_v2,
        "dry_run": dry_run,
        "migrate": migrate,
        "report": report,
    }[command]
    with time_machine.travel(moment, tick=False):
        result = action(*args)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
