"""批量迁移: every running case of a version moved by a background job, resumable, with a report."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from processes.engine.core import record_incident
from processes.migration import BatchRefused, resume_stalled, run_batch, start_batch
from processes.models import AuditEvent, MigrationBatch, MigrationBatchCase, ProcessInstance

from .test_migration import (
    MIGRATED_AT,
    confirm_clock,
    deploy,
    migrate_url,
    started_case,
    started_case_with_event,
    v1_of,
)

pytestmark = pytest.mark.django_db


def three_cases_one_broken():
    """Three running cases on v1 (one with an open incident, so refused) and v2 deployed."""
    good = started_case()
    other = started_case_with_event("E7")
    broken = started_case_with_event("E9")
    record_incident(
        broken, action="timers", args={}, exc=RuntimeError("定时器出错"), actor=None, incident=None
    )
    v2 = deploy(confirm_clock(), "认领时限改为 push.confirm")
    return good, other, broken, v1_of(good), v2


def test_a_batch_migrates_the_safe_cases_reports_the_others_and_is_audited(
    users, django_capture_on_commit_callbacks
):
    good, other, broken, v1, v2 = three_cases_one_broken()

    with django_capture_on_commit_callbacks() as published:
        batch = start_batch(v1, v2, users["admin"], "认领时限按新规定调整")
    assert len(published) == 1  # the job is queued once the batch is committed
    assert batch.state == MigrationBatch.State.QUEUED and batch.total == 3
    assert batch.case_ids == [good.pk, other.pk, broken.pk]
    queued = AuditEvent.objects.get(action="migration_batch_queued")
    assert queued.actor == users["admin"] and queued.payload["cases"] == 3
    assert queued.payload["reason"] == "认领时限按新规定调整"

    with time_machine.travel(MIGRATED_AT, tick=False):
        done = run_batch(batch.pk)
    assert done is not None and done.state == MigrationBatch.State.DONE
    assert (done.migrated, done.refused) == (2, 1)
    versions = dict(
        ProcessInstance.objects.filter(pk__in=batch.case_ids).values_list("pk", "process_version")
    )
    assert versions == {good.pk: v2.pk, other.pk: v2.pk, broken.pk: v1.pk}
    refused = MigrationBatchCase.objects.get(batch=batch, migrated=False)
    assert refused.instance_id == broken.pk and "请先处理异常" in refused.reasons[0]
    assert AuditEvent.objects.filter(action="instance_migrated").count() == 2
    finished = AuditEvent.objects.get(action="migration_batch_finished")
    assert finished.payload["migrated"] == 2 and finished.payload["refused"] == 1
    assert run_batch(batch.pk) is None  # a finished batch is never run again


def test_refusals_of_the_request(users):
    case = started_case()
    v1 = v1_of(case)
    v2 = deploy(confirm_clock(), "认领时限改为 push.confirm")
    with pytest.raises(BatchRefused, match="请填写迁移原因"):
        start_batch(v1, v2, users["admin"], "  ")
    with pytest.raises(BatchRefused, match="目标版本与原版本相同"):
        start_batch(v1, v1, users["admin"], "原因")
    start_batch(v1, v2, users["admin"], "第一批")
    with pytest.raises(BatchRefused, match="已有一批迁移正在进行"):
        start_batch(v1, v2, users["admin"], "第二批")
    with pytest.raises(BatchRefused, match="v2 上没有办理中的案件"):
        start_batch(v2, v1, users["admin"], "回迁")
    assert MigrationBatch.objects.count() == 1


def test_a_batch_left_by_a_dead_worker_resumes_after_the_last_case_done(users):
    good, other, broken, v1, v2 = three_cases_one_broken()
    batch = start_batch(v1, v2, users["admin"], "认领时限按新规定调整")
    # A worker took it, migrated the first case, then died before the second.
    with time_machine.travel(MIGRATED_AT, tick=False):
        from processes.migration.batch import _claim, _one

        assert _claim(batch.pk)
        assert not _claim(batch.pk)  # a second delivery while it runs takes nothing
        _one(MigrationBatch.objects.get(pk=batch.pk), good.pk)
        assert resume_stalled() == []  # still fresh: not resumed
    with time_machine.travel(MIGRATED_AT + timedelta(minutes=5), tick=False):
        assert resume_stalled() == [batch.pk]  # no progress for 5 minutes: its worker is gone
        done = run_batch(batch.pk)  # the job queued again takes the batch over
    assert done is not None and (done.migrated, done.refused, done.total) == (2, 1, 3)
    assert MigrationBatchCase.objects.filter(batch=batch).count() == 3
    assert AuditEvent.objects.filter(action="instance_migrated", instance=good).count() == 1  # not twice


def test_a_case_migrated_by_hand_meanwhile_counts_as_migrated(users):
    from processes.migration import migrate_instances

    good, other, broken, v1, v2 = three_cases_one_broken()
    batch = start_batch(v1, v2, users["admin"], "认领时限按新规定调整")
    with time_machine.travel(MIGRATED_AT, tick=False):
        (single,) = migrate_instances([other.pk], v2.pk, users["admin"])
        assert single.migrated
        done = run_batch(batch.pk)
    assert done is not None and (done.migrated, done.refused) == (2, 1)
    assert AuditEvent.objects.filter(action="instance_migrated", instance=other).count() == 1


def test_the_page_queues_a_batch_and_shows_its_report(client, users, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    good, other, broken, v1, v2 = three_cases_one_broken()
    client.force_login(users["admin"])
    url = migrate_url(v1)

    page = client.get(url).content.decode()
    assert "批量迁移全部 3 件" in page

    refused = client.post(url, {"action": "batch", "target": v2.pk, "reason": ""})
    assert refused.status_code == 400 and "请填写迁移原因" in refused.content.decode()
    assert not MigrationBatch.objects.exists()

    with time_machine.travel(MIGRATED_AT, tick=False):
        answer = client.post(url, {"action": "batch", "target": v2.pk, "reason": "认领时限按新规定调整"})
    batch = MigrationBatch.objects.get()
    assert answer.status_code == 302 and answer.url == reverse(
        "workbench:studio-migration-batch", args=[batch.pk]
    )
    report = client.get(answer.url).content.decode()
    assert "批量迁移 #" in report and "v1 → v2" in report
    # the job runs in the worker; run it here as the worker would
    with time_machine.travel(MIGRATED_AT, tick=False):
        run_batch(batch.pk)
    report = client.get(answer.url).content.decode()
    assert "已迁移 2 件 · 未迁移 1 件" in report and "已完成" in report
    assert "请先处理异常" in report and "SGZ-E9" in report
    assert "data-batch-live" not in report
    assert "批量迁移记录" in client.get(url).content.decode()

    client.force_login(users["registrar"])
    assert client.get(answer.url).status_code == 403


# --- the API channel -----------------------------------------------------------------------


def test_the_api_queues_a_batch_refuses_in_structured_json_and_reports(api, users):
    good, other, broken, _, _ = three_cases_one_broken()
    admin = api("admin")
    url = "/api/v1/processes/registration_push/migrations"

    answer = admin.post(url, {"from_version": 1, "to_version": 2, "reason": ""}, format="json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid"
    assert "reason" in answer.json()["error"]["details"]
    missing = admin.post(url, {"from_version": 1, "to_version": 9, "reason": "调整"}, format="json")
    assert missing.status_code == 404 and missing.json()["error"]["details"] == {"to_version": "版本不存在"}
    same = admin.post(url, {"from_version": 2, "to_version": 2, "reason": "调整"}, format="json")
    assert same.status_code == 400 and same.json()["error"]["message"] == "目标版本与原版本相同"
    assert (
        api("registrar").post(url, {"from_version": 1, "to_version": 2, "reason": "调整"}).status_code == 403
    )
    assert not MigrationBatch.objects.exists()

    queued = admin.post(
        url, {"from_version": 1, "to_version": 2, "reason": "认领时限按新规定调整"}, format="json"
    )
    assert queued.status_code == 202, queued.content.decode()
    body = queued.json()
    assert (body["state"], body["total"], body["from_version"], body["to_version"]) == ("queued", 3, 1, 2)
    busy = admin.post(url, {"from_version": 1, "to_version": 2, "reason": "再来一次"}, format="json")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "migration_batch_busy"
    assert busy.json()["error"]["details"] == {"batch": body["id"]}

    with time_machine.travel(MIGRATED_AT, tick=False):
        run_batch(body["id"])
    report = admin.get(f"/api/v1/migrations/{body['id']}").json()
    assert (report["state"], report["migrated"], report["refused"]) == ("done", 2, 1)
    (refused,) = report["refused_cases"]
    assert refused["id"] == broken.pk and "请先处理异常" in refused["reasons"][0]
    assert api("registrar").get(f"/api/v1/migrations/{body['id']}").status_code == 403


# --- 停止 ------------------------------------------------------------------------------------


def test_a_stopped_batch_finishes_the_case_under_way_and_migrates_no_other(users):
    from processes.migration import cancel_batch
    from processes.migration.batch import _claim, _one

    good, other, broken, v1, v2 = three_cases_one_broken()
    batch = start_batch(v1, v2, users["admin"], "认领时限按新规定调整")
    with time_machine.travel(MIGRATED_AT, tick=False):
        assert _claim(batch.pk)
        assert _one(MigrationBatch.objects.get(pk=batch.pk), good.pk) is True
        stopped = cancel_batch(batch.pk, users["admin"], "发现目标版本有误")
        assert _one(MigrationBatch.objects.get(pk=batch.pk), other.pk) is False  # the job's next case
        assert run_batch(batch.pk) is None  # a redelivery takes nothing
        assert resume_stalled() == []
    assert stopped.state == MigrationBatch.State.CANCELLED and stopped.left == 2
    versions = dict(
        ProcessInstance.objects.filter(pk__in=batch.case_ids).values_list("pk", "process_version")
    )
    assert versions == {good.pk: v2.pk, other.pk: v1.pk, broken.pk: v1.pk}
    assert list(MigrationBatchCase.objects.filter(batch=batch).values_list("instance_id", flat=True)) == [
        good.pk
    ]
    event = AuditEvent.objects.get(action="migration_batch_cancelled")
    assert event.actor == users["admin"] and event.payload["reason"] == "发现目标版本有误"
    assert event.payload["migrated"] == 1 and event.payload["left"] == 2
    with pytest.raises(BatchRefused, match="已停止，无需停止"):
        cancel_batch(batch.pk, users["admin"])
    # the version is free for a new batch
    assert start_batch(v1, v2, users["admin"], "改正后重新迁移").total == 2


def test_the_page_and_the_api_stop_a_batch(client, api, users):
    good, other, broken, v1, v2 = three_cases_one_broken()
    batch = start_batch(v1, v2, users["admin"], "认领时限按新规定调整")
    url = reverse("workbench:studio-migration-batch", args=[batch.pk])
    client.force_login(users["admin"])
    assert 'data-testid="batch-cancel"' in client.get(url).content.decode()

    page = client.post(url, follow=True).content.decode()
    assert "已停止批量迁移" in page and "已停止：0 件已处理，其余 3 件未迁移" in page
    assert 'data-testid="batch-cancel"' not in page and "data-batch-live" not in page
    again = client.post(url, follow=True).content.decode()
    assert "已停止，无需停止" in again

    second = start_batch(v1, v2, users["admin"], "再次迁移")
    answer = api("admin").post(f"/api/v1/migrations/{second.pk}/cancel", {"reason": "暂缓"}, format="json")
    assert answer.status_code == 200 and answer.json()["state"] == "cancelled"
    refused = api("admin").post(f"/api/v1/migrations/{second.pk}/cancel", {}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "migration_batch_refused"
    assert api("registrar").post(f"/api/v1/migrations/{second.pk}/cancel", {}).status_code == 403
    client.force_login(users["registrar"])
    assert client.post(url).status_code == 403
    assert MigrationBatch.objects.get(pk=second.pk).state == MigrationBatch.State.CANCELLED
