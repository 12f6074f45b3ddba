"""The properties the studio's panel writes on a human task, honoured by the engine:
``form_key`` (the task is completed with another step's registered form) and
``escalation_department`` (its overdue escalation goes to that 督查机构, not the platform default)."""

import pytest

from casework.lifecycles.supervision import services as supervision
from casework.organization.models import Department
from processes import engine, hooks
from processes.bpmn_validation import validate_bpmn
from processes.errors import InvalidTaskData
from processes.models import HumanTask

from .conftest import BPMN_DIR, deploy_test_bpmn

pytestmark = pytest.mark.django_db

KEY = "studio_task_properties"


@pytest.fixture
def first_opinion_form():
    def clean(human_task, data):
        if not str(data.get("opinion", "")).strip():
            raise InvalidTaskData("请填写意见", details={"opinion": "必填"})
        return {"opinion": data["opinion"].strip()}

    hooks.register_form(KEY, "first_opinion")(clean)
    yield
    hooks._form_validators.pop((KEY, "first_opinion"), None)


@pytest.fixture
def supervision_office(db):
    return Department.objects.create(
        code="XNDB_SC", name="四川省效能督查室", kind=Department.Kind.SUPERVISION
    )


@pytest.fixture
def case(users, first_opinion_form, supervision_office):
    deploy_test_bpmn("studio_task_properties.bpmn")
    return engine.start_process(key=KEY, title="复核", actor=users["registrar"])


def test_the_task_row_carries_the_diagrams_form_key_and_escalation_department(case):
    task = HumanTask.objects.get(instance=case)
    assert (task.form_key, task.form) == ("first_opinion", "first_opinion")
    assert task.escalation_department == "XNDB_SC"


def test_completing_uses_the_form_named_by_form_key(case, users):
    task = HumanTask.objects.get(instance=case)
    engine.claim_task(task_id=task.pk, user=users["officer_wj"])
    with pytest.raises(InvalidTaskData) as refused:
        engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={})
    assert refused.value.details == {"opinion": "必填"}
    engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"opinion": " 同意 "})
    task.refresh_from_db()
    assert task.state == HumanTask.State.COMPLETED and task.form_data == {"opinion": "同意"}


def test_without_form_key_the_task_id_names_the_form(start_case):
    task = HumanTask.objects.get(instance=start_case())
    assert task.form_key == "" and task.form == task.bpmn_id == "handle_case"


def test_escalation_goes_to_the_department_the_diagram_names(case):
    task = HumanTask.objects.get(instance=case)
    supervision_case = supervision.escalate_task(task)
    assert supervision_case is not None
    opened = HumanTask.objects.get(instance=supervision_case)
    assert opened.candidate_department == "XNDB_SC"


def test_deploy_refuses_an_unregistered_form_or_an_unknown_escalation_department(
    first_opinion_form, supervision_office
):
    xml = (BPMN_DIR / "studio_task_properties.bpmn").read_text(encoding="utf-8")
    parsed, problems = validate_bpmn(xml)
    assert parsed is not None and problems == []

    _, problems = validate_bpmn(xml.replace('value="first_opinion"', 'value="no_such_form"'))
    assert [p.element_id for p in problems] == ["second_opinion"]
    assert "表单“no_such_form”未登记（可选：first_opinion）" in problems[0].reason

    _, problems = validate_bpmn(xml.replace('value="XNDB_SC"', 'value="NOWHERE"'))
    assert [(p.element_id, p.reason) for p in problems] == [
        ("second_opinion", "用户任务“复核意见”的超期督办部门“NOWHERE”不存在")
    ]
