"""The engine's public API and the registries the domain fills: the domain writes no engine table."""

import pytest

from processes import engine, hooks
from processes.api.errors import structured_exception_handler
from processes.bpmn_validation import validate_bpmn
from processes.errors import EngineError, NotAllowed, UserFacingError
from processes.models import HumanTask
from tests.bpmn import chain, diagram, extensions, user_task


@pytest.mark.django_db
def test_set_escalation_level_records_the_level_and_nothing_else(start_case):
    case = start_case()
    task = HumanTask.objects.filter(instance=case, state=HumanTask.State.OPEN).first()
    assert task is not None and task.escalation_level == 0
    other = HumanTask.objects.exclude(pk=task.pk).values_list("pk", "escalation_level")
    before = list(other)

    engine.set_escalation_level(task_id=task.pk, level=2)

    task.refresh_from_db()
    assert task.escalation_level == 2 and task.state == HumanTask.State.OPEN and task.assignee_id is None
    assert list(other) == before


def test_public_api_names_every_lifecycle_operation():
    for name in engine.__all__:
        assert hasattr(engine, name), name
    assert {
        "start_process",
        "claim_task",
        "release_task",
        "complete_task",
        "set_task_deadline",
        "set_escalation_level",
        "post_message",
        "deliver_message",
        "deliver_pending_messages",
        "fire_due_timers",
        "suspend_instance",
        "resume_instance",
        "terminate_instance",
        "retry_incident",
        "find_unmerged_loops",
        "repair_unmerged_loops",
        "ACTIVE",
    } <= set(engine.__all__)


def _with_role(role: str) -> str:
    task = user_task("t", "办理", extensions({"candidate_department": '"SCJG"', "candidate_role": role}))
    return diagram(chain(task))


def test_candidate_roles_are_read_from_the_registry_at_validation_time(monkeypatch):
    monkeypatch.setattr(hooks, "_candidate_roles", [])
    parsed, problems = validate_bpmn(_with_role("officer"))
    assert parsed is None and "officer" in problems[0].reason  # nothing registered: every role refused

    hooks.register_candidate_roles("officer", "auditor", "officer")
    assert hooks.candidate_roles() == ("officer", "auditor")
    parsed, problems = validate_bpmn(_with_role("auditor"))
    assert problems == [] and parsed is not None
    parsed, problems = validate_bpmn(_with_role("boss"))
    assert parsed is None and "可选：officer、auditor" in problems[0].reason


def test_any_user_facing_error_gets_the_json_envelope():
    class Refused(UserFacingError):
        code = "refused_here"
        status = 409

    response = structured_exception_handler(Refused("不能这样办", details={"field": "原因"}), {})
    assert response is not None and response.status_code == 409
    assert response.data == {
        "error": {"code": "refused_here", "message": "不能这样办", "details": {"field": "原因"}}
    }

    assert issubclass(EngineError, UserFacingError) and (EngineError.code, EngineError.status) == (
        "engine_error",
        400,
    )
    response = structured_exception_handler(NotAllowed("无权办理"), {})
    assert response is not None and response.status_code == 403
    assert response.data["error"]["code"] == "forbidden"
