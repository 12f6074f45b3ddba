"""流程监控: case search, the case page (diagram data, data, actions, incident retry) and the
process page's figures (average / p90 time per task, overdue rate per department)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from casework.studio import monitor_selectors, monitor_stats
from processes import engine
from processes.models import AuditEvent, HumanTask, Incident, ProcessDefinition, ProcessInstance

from .conftest import BPMN_DIR, deploy_test_bpmn, local

pytestmark = pytest.mark.django_db

SEARCH = reverse("workbench:monitor")


def _case_url(instance) -> str:
    return reverse("workbench:monitor-case", args=[instance.pk])


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])
    return client


def _ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'data-case-id="(\d+)"', response.content.decode())]


def _json_block(response, block_id: str):
    match = re.search(
        rf'<script id="{block_id}" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, f"no {block_id} block"
    return json.loads(match.group(1))


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args", [("monitor", []), ("monitor-case", [0]), ("monitor-process", ["demo_claim"])]
)
def test_only_process_admins_see_the_monitor(client, users, start_case, name, args):
    if name == "monitor-case":
        args = [start_case().pk]
    url = reverse(f"workbench:{name}", args=args)

    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]

    client.force_login(users["officer_wj"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"op": "terminate", "reason": "x"}).status_code == 403

    client.force_login(users["admin"])
    assert client.get(url).status_code == 200


def test_officer_cannot_terminate_a_case_from_the_monitor(client, users, start_case):
    instance = start_case()
    client.force_login(users["officer_wj"])

    assert client.post(_case_url(instance), {"op": "terminate", "reason": "不该能终止"}).status_code == 403

    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING


def test_the_menu_offers_the_monitor_to_process_admins_only(client, users):
    client.force_login(users["admin"])
    assert "流程监控" in client.get(SEARCH).content.decode()
    client.force_login(users["officer_wj"])
    assert "流程监控" not in client.get(reverse("workbench:queue")).content.decode()


# --- search ------------------------------------------------------------------------------------


@pytest.fixture
def cases(start_case, users):
    """Five cases that differ in one filter each from the first."""
    base = start_case(department="WJW", title="基准")
    other_department = start_case(department="JYJ", title="教育局")
    ProcessInstance.objects.filter(pk=base.pk).update(
        subject_name="广元市利州区青禾餐饮店", subject_code="92510802MA00000001"
    )
    ProcessInstance.objects.filter(pk=other_department.pk).update(
        subject_name="苍溪县红心猕猴桃合作社", subject_code="93510824MA00000002"
    )
    old = start_case(title="去年的")
    ProcessInstance.objects.filter(pk=old.pk).update(
        created_at=local(2024, 5, 6, 10, 0), business_key="OLD-2024-7"
    )
    failing_definition = deploy_test_bpmn("engine_failing_step.bpmn")
    failing = engine.start_process(key="engine_failing_step", data={"initial_divisor": 0}, title="异常的")
    # v2 of the demo process: a new case runs on it
    xml = (BPMN_DIR.parent.parent / "bpmn" / "demo_claim.bpmn").read_text(encoding="utf-8")
    from processes.deploy import deploy_bpmn

    v2 = deploy_bpmn(
        xml=xml.replace("认领并办理", "认领并办理（第二版）"), source_name="demo_claim.bpmn"
    ).version
    on_v2 = start_case(title="第二版的")
    return {
        "base": base,
        "other_department": other_department,
        "old": old,
        "failing": failing,
        "on_v2": on_v2,
        "v2": v2,
        "failing_definition": failing_definition,
    }


def test_search_lists_every_case_newest_first_with_counts(admin_client, cases):
    response = admin_client.get(SEARCH)

    ids = _ids(response)
    newest_first = list(ProcessInstance.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))
    assert ids == newest_first
    body = response.content.decode()
    assert 'data-state="incident">异常待处理 <b>1</b>' in body
    assert f'data-state="all">全部 <b>{len(ids)}</b>' in body
    assert "部门认领办理（演示）" in body and "计算比例（测试）" in body  # names, not keys


def test_each_filter_narrows_the_search(admin_client, cases):
    c = cases
    assert _ids(admin_client.get(SEARCH, {"process": "engine_failing_step"})) == [c["failing"].pk]
    assert _ids(admin_client.get(SEARCH, {"version": c["v2"].pk})) == [c["on_v2"].pk]
    assert _ids(admin_client.get(SEARCH, {"status": "incident"})) == [c["failing"].pk]
    assert _ids(admin_client.get(SEARCH, {"enterprise": "猕猴桃"})) == [c["other_department"].pk]
    assert _ids(admin_client.get(SEARCH, {"enterprise": "92510802MA00000001"})) == [c["base"].pk]
    assert _ids(admin_client.get(SEARCH, {"enterprise": "92510802"})) == []  # a code matches whole
    assert _ids(admin_client.get(SEARCH, {"department": "JYJ"})) == [c["other_department"].pk]
    assert _ids(admin_client.get(SEARCH, {"created_to": "2024-12-31"})) == [c["old"].pk]
    assert c["old"].pk not in _ids(admin_client.get(SEARCH, {"created_from": "2025年1月1日"}))
    assert _ids(admin_client.get(SEARCH, {"created_from": "2024-05-06", "created_to": "2024-05-06"})) == [
        c["old"].pk
    ]
    assert _ids(admin_client.get(SEARCH, {"business_key": "old-2024"})) == [c["old"].pk]


def test_an_unknown_version_or_department_is_reported(admin_client, cases):
    response = admin_client.get(SEARCH, {"version": "999", "department": "XYZ", "business_key": "old-2024"})

    body = response.content.decode()
    assert "版本：没有这个版本（999）（此条件未生效）" in body
    assert "办理部门：没有这个部门（XYZ）（此条件未生效）" in body
    assert _ids(response) == [cases["old"].pk]  # the valid filter still applies


WAITING_ON_MESSAGE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:message id="msg_docs" name="docs_received" />
  <bpmn:process id="monitor_wait" name="等待材料（测试）" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait_docs" name="等待补正材料">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:messageEventDefinition messageRef="msg_docs" />
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait_docs" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait_docs" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_case_waiting_on_no_task_names_what_it_waits_on(admin_client):
    from processes.deploy import deploy_bpmn

    deploy_bpmn(xml=WAITING_ON_MESSAGE, source_name="monitor_wait.bpmn")
    waiting = engine.start_process(key="monitor_wait", title="等材料的")
    deploy_test_bpmn("engine_failing_step.bpmn")
    failed = engine.start_process(key="engine_failing_step", data={"initial_divisor": 0}, title="异常的")

    body = admin_client.get(SEARCH).content.decode()

    def current_step(instance) -> str:
        row = re.search(rf'<tr data-case-id="{instance.pk}">(.*?)</tr>', body, re.S).group(1)
        return re.search(r'data-label="当前环节">(.*?)</td>', row).group(1)

    assert current_step(waiting) == "等待补正材料"
    assert current_step(failed) == "计算比例"  # the step that failed


def test_department_filter_shows_names(admin_client, cases):
    body = admin_client.get(SEARCH).content.decode()
    assert '<option value="JYJ">' in body
    assert re.search(r'<option value="JYJ">[^<]*教育', body)


def test_a_bad_date_is_reported_in_chinese_and_the_other_filters_still_apply(admin_client, cases):
    response = admin_client.get(SEARCH, {"created_from": "2024-13-45", "department": "JYJ"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "发起日期自" in body and "不存在" in body and "此条件未生效" in body
    assert _ids(response) == [cases["other_department"].pk]


@pytest.mark.parametrize(
    "params",
    [
        {"created_from": "明天"},
        {"version": "abc"},
        {"status": "lost"},
        {"page": "x"},
        {"created_to": "1900-01-01"},
    ],
)
def test_bad_filter_values_never_fail_the_page(admin_client, cases, params):
    response = admin_client.get(SEARCH, params)
    assert response.status_code == 200
    if "page" not in params:
        assert "此条件未生效" in response.content.decode()


# --- the case page -------------------------------------------------------------------------------


def test_case_page_marks_the_waiting_task_and_its_boundary_timer(admin_client, start_case):
    instance = start_case()

    response = admin_client.get(_case_url(instance))

    data = _json_block(response, "monitor-data")
    assert set(data["active"]) == {"handle_case", "handle_overdue"}
    assert data["completed"] == ["start"]
    assert data["flows"] == ["flow_start_handle"]
    assert _json_block(response, "monitor-bpmn") == instance.process_version.bpmn_xml
    body = response.content.decode()
    assert "部门认领办理（演示）" in body and f"v{instance.process_version.version}" in body
    assert reverse("workbench:studio-process", args=["demo_claim"]) in body
    task = HumanTask.objects.get(instance=instance)
    assert reverse("workbench:task", args=[task.pk]) in body
    assert "广元市卫生健康委员会" in body  # the task's department by name


def test_case_page_shows_the_path_a_fired_timer_took(admin_client, start_case):
    with time_machine.travel(local(2025, 9, 28, 10, 0), tick=False):
        instance = start_case(deadline_workdays=7)
    with time_machine.travel(local(2025, 10, 15, 0, 0, 30), tick=False):
        assert engine.fire_due_timers() == 1

    data = _json_block(admin_client.get(_case_url(instance)), "monitor-data")

    assert data["active"] == ["handle_case"]  # non-interrupting: the task is still open
    assert set(data["completed"]) == {"start", "handle_overdue", "escalate_to_supervision", "escalated"}
    assert set(data["flows"]) == {"flow_start_handle", "flow_overdue_escalate", "flow_escalate_end"}


def test_a_completed_case_shows_its_whole_path_and_no_token(admin_client, start_case, users):
    instance = start_case()
    task = HumanTask.objects.get(instance=instance)
    engine.claim_task(task_id=task.pk, user=users["officer_wj"])
    engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"opinion": "已办理"})

    response = admin_client.get(_case_url(instance))

    data = _json_block(response, "monitor-data")
    assert data["active"] == []
    assert set(data["completed"]) == {"start", "handle_case", "done"}
    assert set(data["flows"]) == {"flow_start_handle", "flow_handle_end"}
    body = response.content.decode()
    assert 'data-testid="case-actions"' not in body  # nothing to suspend or end
    assert "已办理" in body  # the opinion is part of the case's data


def test_a_terminated_case_has_no_active_token_only_where_it_stopped(admin_client, start_case):
    instance = start_case()
    engine.terminate_instance(instance_id=instance.pk, actor=None, reason="重复推送")

    response = admin_client.get(_case_url(instance))

    data = _json_block(response, "monitor-data")
    assert data["active"] == []
    assert set(data["stopped"]) == {"handle_case", "handle_overdue"}
    body = response.content.decode()
    assert "终止时所在" in body and "当前所在（" not in body


def test_a_completed_case_has_no_stopped_mark_either(admin_client, start_case, users):
    instance = start_case()
    task = HumanTask.objects.get(instance=instance)
    engine.claim_task(task_id=task.pk, user=users["officer_wj"])
    engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"opinion": "已办理"})

    response = admin_client.get(_case_url(instance))

    data = _json_block(response, "monitor-data")
    assert data["active"] == [] and data["stopped"] == []
    assert "当前所在（" not in response.content.decode() and "终止时所在" not in response.content.decode()


def _variable_rows(response) -> dict[str, str]:
    table = re.search(
        r'<table class="xt-table xt-mon-vars" data-testid="variables">(.*?)</table>',
        response.content.decode(),
        re.S,
    )
    assert table, "no variables table"
    return dict(re.findall(r'<th scope="row"><code>(.*?)</code></th><td>(.*?)</td>', table.group(1), re.S))


def test_a_case_that_failed_at_its_first_step_shows_the_data_it_was_started_with(admin_client):
    deploy_test_bpmn("engine_failing_step.bpmn")
    instance = engine.start_process(
        key="engine_failing_step", data={"initial_divisor": 0, "department": "JYJ"}, title="异常的"
    )
    assert instance.status == ProcessInstance.Status.INCIDENT

    response = admin_client.get(_case_url(instance))

    body = response.content.decode()
    assert "本案件没有流程数据" not in body
    assert 'data-testid="initial-data"' in body
    rows = _variable_rows(response)
    assert rows == {"department": "JYJ（广元市教育局）", "initial_divisor": "0"}


def test_case_data_values_are_readable(users):  # the departments and areas seeded
    from casework.studio.monitor_views import _pretty

    assert _pretty("2026-12-03 11:28:27.246347+00:00") == ("2026-12-03 19:28:27", False)  # str(datetime)
    assert _pretty("2027-03-03T23:59:59+08:00") == ("2027-03-03 23:59:59", False)
    assert _pretty("2027-03-03T15:59:59Z") == ("2027-03-03 23:59:59", False)
    assert _pretty("2027-03-03") == ("2027-03-03", False)  # a date stays a date
    assert _pretty("JYJ") == ("JYJ（广元市教育局）", False)
    assert _pretty("POOL-510800") == ("POOL-510800（公示认领池（广元市））", False)
    assert _pretty(["510800-SP", "JYJ"]) == (
        "510800-SP（广元市食品药品监督管理局）、JYJ（广元市教育局）",
        False,
    )
    assert _pretty("数据展示") == ("数据展示", False) and _pretty("") == ("", False)
    text, structured = _pretty({"lead": "SCJG", "at": "2027-03-03T15:59:59Z", "n": 1})
    assert (
        structured
        and '"lead": "SCJG（广元市市场监督管理局）"' in text
        and '"at": "2027-03-03 23:59:59"' in text
    )


def test_case_data_is_shown_read_only(admin_client, start_case):
    instance = start_case(title="数据展示")

    response = admin_client.get(_case_url(instance))

    body = response.content.decode()
    table = re.search(
        r'<table class="xt-table xt-mon-vars" data-testid="variables">(.*?)</table>', body, re.S
    )
    assert table, "no variables table"
    rows = dict(re.findall(r'<th scope="row"><code>(.*?)</code></th><td>(.*?)</td>', table.group(1), re.S))
    assert rows["department"] == "WJW（广元市卫生健康委员会）"
    assert rows["deadline_workdays"] == "3"
    assert rows["title"] == "数据展示"
    assert "<input" not in table.group(1) and "<textarea" not in table.group(1)


def test_nested_values_are_pretty_json():
    from casework.studio.monitor_views import _pretty

    text, structured = _pretty({"b": [1, 2], "a": "中"})
    assert structured and text == '{\n  "a": "中",\n  "b": [\n    1,\n    2\n  ]\n}'
    assert _pretty(True) == ("是", False)


def test_suspend_needs_a_reason_then_suspends_and_resumes(admin_client, start_case, users):
    instance = start_case()
    url = _case_url(instance)

    response = admin_client.post(url, {"op": "suspend", "reason": "  "}, follow=True)
    assert "挂起案件必须填写原因" in response.content.decode()
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING

    response = admin_client.post(url, {"op": "suspend", "reason": "等待上级批复"}, follow=True)
    assert "案件已挂起" in response.content.decode()
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.SUSPENDED
    event = AuditEvent.objects.get(instance=instance, action="instance_suspended")
    assert (event.actor, event.payload["reason"]) == (users["admin"], "等待上级批复")
    assert "理由：等待上级批复" in response.content.decode()  # on the timeline

    response = admin_client.post(url, {"op": "suspend", "reason": "再挂一次"}, follow=True)
    assert "不能挂起" in response.content.decode()  # the engine's refusal, as a message

    body = admin_client.get(url).content.decode()
    assert 'id="resume-reason"' in body and "恢复原因（选填）" in body  # asked, not required
    response = admin_client.post(url, {"op": "resume", "reason": "批复已到"}, follow=True)
    assert "案件已恢复" in response.content.decode()
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING
    event = AuditEvent.objects.get(instance=instance, action="instance_resumed")
    assert (event.actor, event.payload["reason"]) == (users["admin"], "批复已到")
    timeline = re.search(r'data-testid="timeline">(.*?)</ol>', response.content.decode(), re.S).group(1)
    assert re.search(r"<b>案件恢复</b>[^<]*理由：批复已到", timeline)


def test_resume_without_a_reason_still_resumes(admin_client, start_case, users):
    instance = start_case()
    engine.suspend_instance(instance_id=instance.pk, actor=users["admin"], reason="等待")

    admin_client.post(_case_url(instance), {"op": "resume", "reason": " "})

    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING
    assert AuditEvent.objects.get(instance=instance, action="instance_resumed").payload["reason"] == ""


def test_the_api_resumes_with_a_reason(client, users, start_case):
    instance = start_case()
    engine.suspend_instance(instance_id=instance.pk, actor=users["admin"], reason="等待")
    client.force_login(users["admin"])

    response = client.post(
        reverse("api-instance-resume", args=[instance.pk]),
        {"reason": "材料补齐"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert (
        AuditEvent.objects.get(instance=instance, action="instance_resumed").payload["reason"] == "材料补齐"
    )


def test_terminate_without_a_reason_is_refused(admin_client, start_case):
    instance = start_case()

    response = admin_client.post(_case_url(instance), {"op": "terminate", "reason": ""}, follow=True)

    assert "终止案件必须填写原因" in response.content.decode()
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING
    assert not AuditEvent.objects.filter(instance=instance, action="instance_terminated").exists()


def test_terminate_with_a_reason_ends_the_case(admin_client, start_case, users):
    instance = start_case()

    response = admin_client.post(_case_url(instance), {"op": "terminate", "reason": "重复推送"}, follow=True)

    assert "案件已终止" in response.content.decode()
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.TERMINATED
    assert HumanTask.objects.get(instance=instance).state == HumanTask.State.CANCELLED
    event = AuditEvent.objects.get(instance=instance, action="instance_terminated")
    assert (event.actor, event.payload["reason"]) == (users["admin"], "重复推送")

    response = admin_client.post(_case_url(instance), {"op": "terminate", "reason": "再来"}, follow=True)
    assert "案件已结束" in response.content.decode()


def test_incident_is_shown_and_retried_from_the_page(admin_client, users):
    deploy_test_bpmn("engine_failing_step.bpmn")
    instance = engine.start_process(key="engine_failing_step", data={"initial_divisor": 0})
    incident = Incident.objects.get(instance=instance)

    response = admin_client.get(_case_url(instance))
    body = response.content.decode()
    assert "division by zero" in body and "错误堆栈" in body and "ZeroDivisionError" in body
    assert "计算比例" in body  # the element by name
    assert _json_block(response, "monitor-data")["incidents"] == ["compute_ratio"]

    response = admin_client.post(_case_url(instance), {"op": "retry", "incident": incident.pk}, follow=True)

    assert "重试仍未成功（第 1 次）" in response.content.decode()
    incident.refresh_from_db()
    assert incident.retries == 1
    assert AuditEvent.objects.filter(
        instance=instance, action="incident_retry_failed", actor=users["admin"]
    ).exists()


def test_retry_of_another_cases_incident_is_refused(admin_client, start_case):
    deploy_test_bpmn("engine_failing_step.bpmn")
    failing = engine.start_process(key="engine_failing_step", data={"initial_divisor": 0})
    incident = Incident.objects.get(instance=failing)
    other = start_case()

    response = admin_client.post(_case_url(other), {"op": "retry", "incident": incident.pk}, follow=True)

    assert "该案件没有这条异常" in response.content.decode()
    incident.refresh_from_db()
    assert incident.retries == 0


def test_task_state_values_are_spiffworkflows():
    from SpiffWorkflow.util.task import TaskState

    s = monitor_selectors
    assert (s.WAITING, s.READY, s.STARTED, s.COMPLETED) == (
        TaskState.WAITING,
        TaskState.READY,
        TaskState.STARTED,
        TaskState.COMPLETED,
    )


# --- the process page ----------------------------------------------------------------------------


def _task(
    instance, *, bpmn_id="handle_case", department="WJW", state="completed", took=None, due_in=None, age=None
):
    """A crafted task row: created ``age`` ago (or ``took`` before its completion now)."""
    now = timezone.now()
    created = now - (age or took or timedelta(hours=1))
    row = HumanTask.objects.create(
        instance=instance,
        task_uuid=uuid.uuid4(),
        bpmn_id=bpmn_id,
        name="认领并办理",
        case_type=instance.case_type,
        candidate_department=department,
        candidate_role="officer",
        state=state,
        completed_at=(created + took) if took is not None else (now if state != "open" else None),
        due_at=(created + due_in) if due_in is not None else None,
    )
    HumanTask.objects.filter(pk=row.pk).update(created_at=created)
    return row


def test_percentile_is_nearest_rank():
    assert monitor_stats.percentile([]) is None
    assert monitor_stats.percentile([5]) == 5
    assert monitor_stats.percentile(range(1, 11)) == 9
    assert monitor_stats.percentile([10, 1, 3, 2]) == 10  # ceil(0.9 * 4) = 4th


def test_average_and_p90_per_task_element(start_case):
    instance = start_case()
    for hours in range(1, 11):
        _task(instance, took=timedelta(hours=hours))
    _task(instance, bpmn_id="other_step", took=timedelta(days=3))
    _task(instance, bpmn_id="other_step", state="open", age=timedelta(days=30))  # open: not counted
    definition = ProcessDefinition.objects.get(key="demo_claim")

    times, sampled = monitor_stats.task_times(definition)

    by_element = {t.element: t for t in times}
    handle = by_element["handle_case"]
    assert (handle.count, handle.average, handle.p90) == (10, 5.5 * 3600, 9 * 3600)
    assert (handle.average_label, handle.p90_label) == ("5.5 小时", "9.0 小时")
    assert handle.name == "认领并办理"
    other = by_element["other_step"]
    assert (other.count, other.average, other.p90) == (1, 3 * 86400, 3 * 86400)
    assert [t.element for t in times] == ["other_step", "handle_case"]  # slowest first
    assert other.color == "hsl(0, 75%, 42%)" and not sampled


def test_overdue_rate_per_department(start_case):
    instance = start_case(department="JYJ")  # its own task: open, due in 3 working days
    hour = timedelta(hours=1)
    _task(instance, took=5 * hour, due_in=2 * hour)  # completed late
    _task(instance, took=1 * hour, due_in=2 * hour)  # completed in time
    _task(instance, state="open", age=5 * hour, due_in=2 * hour)  # open, past due
    _task(instance, state="open", age=1 * hour, due_in=2 * hour)  # open, not yet due
    _task(instance, state="cancelled", age=5 * hour, due_in=2 * hour)  # cancelled: not counted
    _task(instance, took=hour)  # no due time: not counted
    _task(instance, department="SCJG", took=5 * hour, due_in=2 * hour)  # late
    definition = ProcessDefinition.objects.get(key="demo_claim")

    rates = monitor_stats.overdue_rates(definition, now=timezone.now())

    assert [(r["department"], r["total"], r["overdue"], r["percent"]) for r in rates] == [
        ("SCJG", 1, 1, "100.0"),
        ("WJW", 4, 2, "50.0"),
        ("JYJ", 1, 0, "0.0"),
    ]
    assert rates[1]["name"] == "广元市卫生健康委员会"


def test_process_page_shows_counts_heatmap_and_rates(admin_client, start_case):
    first = start_case()
    start_case()
    engine.terminate_instance(instance_id=first.pk, actor=None, reason="测试")
    _task(first, took=timedelta(hours=2), due_in=timedelta(hours=1))

    response = admin_client.get(reverse("workbench:monitor-process", args=["demo_claim"]))

    assert response.status_code == 200
    data = _json_block(response, "monitor-data")
    assert data["tokens"] == {"handle_case": 1, "handle_overdue": 1}  # the running case
    heat = data["heat"]["handle_case"]
    assert heat["label"] == "均 2.0 小时 · P90 2.0 小时" and heat["color"].startswith("hsl(")
    body = response.content.decode()
    counts = re.search(r'data-testid="state-table">(.*?)</table>', body, re.S).group(1)
    assert re.search(
        r"<tfoot><tr><th scope=\"row\">全部</th><td><b>1</b></td><td><b>0</b></td><td><b>0</b></td><td><b>0</b></td><td><b>1</b></td><td><b>2</b></td>",
        counts,
    )
    assert "广元市卫生健康委员会" in body and "50.0%" in body


def test_process_page_counts_cases_per_element_of_the_version_shown(admin_client, start_case):
    from processes.deploy import deploy_bpmn

    on_v1 = start_case()
    # a step open for two departments (a multi-instance step) is one case there, not two
    _task(on_v1, department="JYJ", state="open", age=timedelta(hours=1))
    xml = (BPMN_DIR.parent.parent / "bpmn" / "demo_claim.bpmn").read_text(encoding="utf-8")
    deploy_bpmn(xml=xml.replace("认领并办理", "认领并办理（第二版）"), source_name="demo_claim.bpmn")
    start_case()
    start_case()
    url = reverse("workbench:monitor-process", args=["demo_claim"])

    response = admin_client.get(url)  # the active version: v2's two cases only

    assert _json_block(response, "monitor-data")["tokens"] == {"handle_case": 2, "handle_overdue": 2}
    body = response.content.decode()
    assert "各环节当前案件数（v2）" in body and "只计 v2 上未结的案件" in body
    assert 'data-testid="version-picker"' in body and "?version=1" in body
    v2_xml = ProcessDefinition.objects.get(key="demo_claim").active_version.bpmn_xml
    assert _json_block(response, "monitor-bpmn") == v2_xml

    response = admin_client.get(url, {"version": 1})

    assert _json_block(response, "monitor-data")["tokens"] == {"handle_case": 1, "handle_overdue": 1}
    assert _json_block(response, "monitor-bpmn") == on_v1.process_version.bpmn_xml
    rows = re.findall(
        r'<tr data-element="(\w+)">.*?data-label="案件数">(\d+)</td>', response.content.decode(), re.S
    )
    assert dict(rows) == {"handle_case": "1", "handle_overdue": "1"}
    assert admin_client.get(url, {"version": 9}).status_code == 404


def test_unknown_process_or_case_is_404(admin_client):
    assert admin_client.get(reverse("workbench:monitor-process", args=["nope"])).status_code == 404
    assert admin_client.get(reverse("workbench:monitor-case", args=[999999])).status_code == 404


def test_current_steps_are_named_once_with_a_count():
    from types import SimpleNamespace

    from casework.studio.monitor_views import _current_steps

    tasks = [SimpleNamespace(name=n) for n in ["认领或退回", "公示认领", "认领或退回", "认领或退回"]]
    assert _current_steps(tasks) == ["认领或退回 ×3", "公示认领"]
    assert _current_steps([]) == []


# --- in the browser ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_diagrams_are_marked_in_the_browser_and_fit_a_phone(launch_chromium, live_server, users, start_case):
    from .browser_pages import _logged_in

    done = start_case(title="已办结的")
    task = HumanTask.objects.get(instance=done)
    engine.claim_task(task_id=task.pk, user=users["officer_wj"])
    engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"opinion": "已办理"})
    waiting = start_case(title="等待办理的")
    browser = launch_chromium()
    page = _logged_in(browser, live_server, "admin", SEARCH)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})

        page.goto(live_server.url + _case_url(waiting))
        page.wait_for_selector("#monitor-diagram[data-ready='1']")
        assert page.locator('.djs-element.xt-mon-active[data-element-id="handle_case"]').count() == 1
        assert page.locator('.djs-element.xt-mon-active[data-element-id="handle_overdue"]').count() == 1
        assert page.locator('.djs-element.xt-mon-flow[data-element-id="flow_start_handle"]').count() == 1

        page.goto(live_server.url + _case_url(done))
        page.wait_for_selector("#monitor-diagram[data-ready='1']")
        assert page.locator(".djs-element.xt-mon-active").count() == 0
        assert page.locator('.djs-element.xt-mon-done[data-element-id="done"]').count() == 1
        assert page.locator('.djs-element.xt-mon-flow[data-element-id="flow_handle_end"]').count() == 1

        page.goto(live_server.url + reverse("workbench:monitor-process", args=["demo_claim"]))
        page.wait_for_selector("#monitor-diagram[data-ready='1']")
        heat = page.locator('.xt-mon-heat[data-element="handle_case"]')
        assert heat.count() == 1 and heat.inner_text().startswith("均 ")
        assert page.locator('.xt-mon-token[data-element="handle_case"]').inner_text() == "1"

        for url in (SEARCH, _case_url(waiting), reverse("workbench:monitor-process", args=["demo_claim"])):
            page.goto(live_server.url + url)
            page.wait_for_load_state("load")
            scroll_width, inner_width = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert scroll_width <= inner_width, (width, url, scroll_width)


_SHAPES_OUTSIDE = """() => {
  const box = document.getElementById('monitor-diagram').getBoundingClientRect();
  return [...document.querySelectorAll('#monitor-diagram .djs-shape')]
    .map(e => [e.dataset.elementId, e.getBoundingClientRect()])
    .filter(([, r]) => r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
    .map(([id]) => id);
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_monitor_polish_in_the_browser(launch_chromium, live_server, users, start_case):
    """The heatmap shows the whole diagram on a desktop (and re-fits when the window changes), a
    terminated case is marked where it stopped (not as active), the date headers do not wrap."""
    from .browser_pages import _logged_in

    ended = start_case(title="已终止的")
    engine.terminate_instance(instance_id=ended.pk, actor=None, reason="测试")
    browser = launch_chromium()
    page = _logged_in(browser, live_server, "admin", SEARCH)
    process = live_server.url + reverse("workbench:monitor-process", args=["random_inspection"])

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(process)
    page.wait_for_selector("#monitor-diagram[data-ready='1']")
    page.wait_for_function(f"({_SHAPES_OUTSIDE})().length === 0", timeout=5000)
    assert page.locator('#monitor-diagram .djs-shape[data-element-id="track_rectification"]').count() == 1
    page.set_viewport_size({"width": 1000, "height": 900})  # smaller window: fitted again
    page.wait_for_function(f"({_SHAPES_OUTSIDE})().length === 0", timeout=5000)

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + _case_url(ended))
    page.wait_for_selector("#monitor-diagram[data-ready='1']")
    assert page.locator(".djs-element.xt-mon-active").count() == 0
    assert page.locator('.djs-element.xt-mon-stopped[data-element-id="handle_case"]').count() == 1

    page.goto(live_server.url + SEARCH)
    lines = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=case-table] thead th')].map(th => {
             const range = document.createRange(); range.selectNodeContents(th);
             return [th.textContent, new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
           })"""
    )
    assert all(n == 1 for _, n in lines), lines


# --- the indexes the monitor's queries need (PostgreSQL) -----------------------------------------


def _plan(sql, *, bitmap_only: bool = False) -> str:
    """EXPLAIN of a query (SQL as run, or a queryset)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the planner show an index
        if bitmap_only:  # only a bitmap scan left: one needs an index whose expression the query names
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
        if isinstance(sql, str):
            cursor.execute(f"EXPLAIN {sql}")
        else:
            query, params = sql.query.sql_with_params()
            cursor.execute(f"EXPLAIN {query}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _postgresql() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.mark.skipif(not _postgresql(), reason="the trigram index and the plans are PostgreSQL's")
def test_monitor_queries_can_use_their_indexes(start_case):
    instance = start_case()
    _task(instance, took=timedelta(hours=2), due_in=timedelta(hours=1))
    definition = ProcessDefinition.objects.get(key="demo_claim")

    by_enterprise = monitor_selectors.for_listing(monitor_selectors.search_cases({"enterprise": "企业123"}))
    assert "instance_subject_name_trgm" in _plan(by_enterprise, bitmap_only=True)
    newest = monitor_selectors.for_listing(monitor_selectors.search_cases({}))[:20]
    assert "instance_created" in _plan(newest)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ran:
        times, _ = monitor_stats.task_times(definition)
        monitor_stats.overdue_rates(definition, now=timezone.now())
    assert times[0].p90 == 2 * 3600
    sql = {q["sql"] for q in ran.captured_queries if "processes_humantask" in q["sql"]}
    assert all("processes_processinstance" not in q for q in sql), sql  # by case type, no join
    averages = next(q for q in sql if "AVG(" in q)
    durations = next(q for q in sql if "ORDER BY" in q and "completed_at" in q and "LIMIT" in q)
    overdue = next(q for q in sql if "due_at" in q and "COUNT(" in q)
    assert re.search(r"task_process_figures|task_completed_recent", _plan(averages))  # both cover it
    # on a near-empty table the planner may pick either index; what matters is no case-table join
    assert "processes_processinstance" not in overdue
    assert re.search(r"task_process_figures|task_due", _plan(overdue))
    assert "task_completed_recent" in _plan(durations)


def test_waiting_elements_read_from_the_saved_json_are_those_of_the_rebuilt_workflow(start_case):
    """The process page reads where hundreds of cases wait from their saved JSON (a fraction of
    the time of rebuilding each workflow): the same elements, subprocesses' included."""
    from casework.directory.credit_code import make_credit_code
    from casework.lifecycles.registration_push.services import SYSTEM, receive_registration
    from processes.engine import core, saved_tasks

    registration, _ = receive_registration(
        event_id="E-monitor-json",
        credit_code=make_credit_code("9", "1", "510800", "MA6J0001"),
        name="广元市栖云住宿服务有限公司",
        business_scope="住宿服务；会议服务",
        authority_code="SCJG",
        registered_on=timezone.localdate(),
        actor=SYSTEM,
    )
    states = (monitor_selectors.WAITING, monitor_selectors.STARTED)
    for instance in (registration.instance, start_case()):
        instance.refresh_from_db()
        wf = core.load_case(instance, heal=False)
        rebuilt = {t.task_spec.bpmn_id for t in wf.get_tasks() if t.task_spec.bpmn_id and t.state in states}
        read = saved_tasks.elements_in_states(instance, states)
        assert read == rebuilt and read, (read, rebuilt)
    push = ProcessDefinition.objects.get(key="registration_push")
    counts, read_cases, total = monitor_selectors.other_waiting_elements(push)
    assert (read_cases, total) == (1, 1) and counts == dict.fromkeys(rebuilt_push(registration.instance), 1)


def rebuilt_push(instance) -> set[str]:
    from processes.engine import core

    wf = core.load_case(instance, heal=False)
    return {t.task_spec.bpmn_id for t in wf.get_tasks() if t.task_spec.bpmn_id and t.state in (8, 32)}
