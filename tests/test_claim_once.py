"""Claiming once: the officer who claims a 双告知 push keeps its 许可审批反馈 (``keep_assignee``)."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.services import SYSTEM, receive_registration
from casework.organization.models import Department, Membership, Role
from casework.workbench import selectors
from notifications.models import Notification
from processes import engine
from processes.bpmn_validation import validate_bpmn
from processes.deploy import deploy_bpmn
from processes.errors import DeployRejected
from processes.models import AuditEvent, HumanTask
from tests.bpmn import chain, diagram, extensions, user_task

from .conftest import local

pytestmark = pytest.mark.django_db

PUSHED_AT = local(2025, 11, 3, 10, 0)  # Monday
EDUCATION = "文化教育培训（不含学历教育）"  # routes to 教育 (JYJ) only
SOFTWARE = "软件开发；信息技术咨询服务"  # routes nowhere: the claim pool


def push(event_id: str, scope: str):
    registration, _ = receive_registration(
        event_id=event_id,
        credit_code=make_credit_code("9", "1", "510800", f"MA6K{event_id[-4:]:0>4}"),
        name=f"广元市某培训有限公司{event_id}",
        business_scope=scope,
        authority_code="SCJG",
        registered_on=date(2025, 11, 3),
        actor=SYSTEM,
    )
    return registration.instance


def open_task(case, bpmn_id: str) -> HumanTask:
    return HumanTask.objects.get(instance=case, bpmn_id=bpmn_id, state=HumanTask.State.OPEN)


def claim_and_complete(task: HumanTask, user, data: dict) -> HumanTask:
    engine.claim_task(task_id=task.pk, user=user)
    return engine.complete_task(task_id=task.pk, user=user, data=data)


# --- the 双告知 flow ------------------------------------------------------------------------


def test_the_officer_who_claims_keeps_the_permit_feedback(users):
    officer, colleague = users["officer_jy"], _colleague("JYJ")
    with time_machine.travel(PUSHED_AT, tick=False):
        case = push("E-keep-0001", EDUCATION)
        claim = open_task(case, "claim_or_return")
        done = claim_and_complete(claim, officer, {"claim_decision": "claim"})

    feedback = open_task(case, "permit_feedback")
    assert feedback.assignee == officer and feedback.claimed_at == PUSHED_AT
    assert done.next_task == feedback
    # Not offered to the department again: the officer finds it under 我的待办, nobody claims it twice.
    assert feedback not in selectors.department_queue(officer)
    assert feedback not in selectors.department_queue(colleague)
    assert feedback in selectors.my_tasks(officer)
    kept = AuditEvent.objects.get(action="task_claimed", human_task=feedback)
    assert (kept.actor, kept.payload["kept_after"]) == (officer, claim.pk)
    # Only its holder hears of it; the colleague heard of the push, not of the kept task.
    link = reverse("workbench:task", args=[feedback.pk])
    assert list(Notification.objects.filter(link=link).values_list("recipient__username", flat=True)) == [
        "officer_jy"
    ]
    assert Notification.objects.filter(recipient=colleague, link=reverse("workbench:task", args=[claim.pk]))

    # The kept task is completed without a claim; claiming it again is a harmless no-op.
    assert engine.claim_task(task_id=feedback.pk, user=officer).assignee == officer
    engine.complete_task(
        task_id=feedback.pk,
        user=officer,
        data={"permit_decision": "not_applied", "decision_date": "2025-11-03"},
    )
    assert HumanTask.objects.get(pk=feedback.pk).completed_by == officer


def test_a_return_is_not_kept_the_registrar_confirms_from_the_queue(users):
    with time_machine.travel(PUSHED_AT, tick=False):
        case = push("E-keep-0002", EDUCATION)
        done = claim_and_complete(
            open_task(case, "claim_or_return"),
            users["officer_jy"],
            {"claim_decision": "return", "return_reason": "不属本部门审批"},
        )
    confirm = open_task(case, "confirm_department")
    assert confirm.assignee is None and done.next_task is None
    assert confirm in selectors.department_queue(users["registrar"])


def test_the_pool_claimant_keeps_the_feedback_for_their_department(users):
    case = push("E-keep-0003", SOFTWARE)
    done = claim_and_complete(open_task(case, "claim_from_pool"), users["officer_wj"], {})
    feedback = open_task(case, "pool_permit_feedback")
    assert (feedback.candidate_department, feedback.assignee) == ("WJW", users["officer_wj"])
    assert done.next_task == feedback
    assert feedback not in selectors.department_queue(users["officer_wj2"])


def test_web_completion_lands_on_the_kept_task_and_the_api_names_it(client, users):
    officer = users["officer_jy"]
    first, second = push("E-keep-0004", EDUCATION), push("E-keep-0005", EDUCATION)
    client.force_login(officer)

    claim = open_task(first, "claim_or_return")
    engine.claim_task(task_id=claim.pk, user=officer)
    response = client.post(reverse("workbench:complete", args=[claim.pk]), {"claim_decision": "claim"})
    feedback = open_task(first, "permit_feedback")
    assert response.status_code == 302
    assert response["Location"] == reverse("workbench:task", args=[feedback.pk])
    page = client.get(response["Location"])
    assert "下一步“许可审批反馈”已由您办理" in page.content.decode()

    claim = open_task(second, "claim_or_return")
    engine.claim_task(task_id=claim.pk, user=officer)
    response = client.post(
        reverse("api-task-complete", args=[claim.pk]),
        {"data": {"claim_decision": "claim"}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["next_task"] == open_task(second, "permit_feedback").pk

    # A completion that keeps nothing lands on 我的待办 and names no next task.
    feedback = open_task(second, "permit_feedback")
    response = client.post(
        reverse("api-task-complete", args=[feedback.pk]),
        {"data": {"permit_decision": "not_applied", "decision_date": "2025-11-03"}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["next_task"] is None


# --- the engine's rule, on a diagram of its own -----------------------------------------------


def _kept_diagram(second_department: str, second_role: str = "officer", keep: str = "true") -> str:
    first = extensions({"candidate_department": '"WJW"'})
    second = extensions(
        {"candidate_department": second_department, "candidate_role": second_role, "keep_assignee": keep}
    )
    body = chain(user_task("first", "初审", first), user_task("second", "复核", second))
    return diagram(body, process_id="keep_probe", name="保持办理人")


@pytest.mark.parametrize(
    ("department", "role", "keep", "why"),
    [
        ('"WJW"', "officer", "true", "kept"),
        ('"JYJ"', "officer", "true", "the officer holds no post in 教育"),
        ('"WJW"', "reviewer", "true", "another role, even one the officer also holds"),
        ('"WJW"', "officer", "false", "the diagram does not ask for it"),
    ],
)
def test_only_the_same_post_held_by_the_same_person_is_kept(users, department, role, keep, why):
    officer = users["officer_wj"]
    Membership.objects.create(user=officer, department=Department.objects.get(code="WJW"), role=Role.REVIEWER)
    deploy_bpmn(xml=_kept_diagram(department, role, keep))
    case = engine.start_process(key="keep_probe")
    done = claim_and_complete(open_task(case, "first"), officer, {})
    second = open_task(case, "second")
    if why == "kept":
        assert second.assignee == officer and done.next_task == second
    else:
        assert second.assignee is None and done.next_task is None, why


# --- deploy-time validation -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "false"])
def test_keep_assignee_true_or_false_deploys(users, value):
    parsed, problems = validate_bpmn(_kept_diagram('"WJW"', keep=value))
    assert problems == [] and parsed is not None


@pytest.mark.parametrize("value", ["yes", "True", "1", ""])
def test_any_other_keep_assignee_value_is_refused_naming_the_element(users, value):
    parsed, problems = validate_bpmn(_kept_diagram('"WJW"', keep=value))
    assert parsed is None
    assert [p.element_id for p in problems] == ["second"]
    assert "keep_assignee" in problems[0].reason and "只能是 true 或 false" in problems[0].reason
    assert "复核" in problems[0].reason
    with pytest.raises(DeployRejected):
        deploy_bpmn(xml=_kept_diagram('"WJW"', keep=value))


def _colleague(code: str):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(f"colleague_{code}", password="x")
    Membership.objects.create(user=user, department=Department.objects.get(code=code), role=Role.OFFICER)
    return user
