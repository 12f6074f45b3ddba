"""批量导入 in chunks: one buffered operation per chunk (audit rows written together, look-ups read
once), yet every row still gets its record, its case, its audit rows and its own fate — a row refused
half-way leaves nothing behind, the same document twice in a chunk is one record, and a case whose
first step fails leaves its record as saved."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks.scenarios.batch_import import HEADER, expected, workbook
from casework.directory.credit_code import make_credit_code
from casework.lifecycles.collection import imports, services
from casework.lifecycles.collection.models import CollectedRecord, ImportJob
from casework.organization.models import Department
from processes import hooks
from processes.models import AuditEvent, ProcessInstance, ProcessMessage

pytestmark = pytest.mark.django_db

CODE = make_credit_code("9", "1", "510802", "MA6D0G01")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def run_job(users, content: bytes) -> ImportJob:
    job = ImportJob(
        token=timezone.now().strftime("%H%M%S%f").ljust(32, "0"),
        provider=Department.objects.get(code="WJW"),
        record_type="permit",
        type_name="行政许可",
        file_name="许可.xlsx",
        backfill=True,
        created_by=users["officer_wj"],
        created_at=timezone.now(),
    )
    job.file.save("许可.xlsx", ContentFile(content), save=False)
    job.save()
    imports.run_import(job.pk)
    job.refresh_from_db()
    return job


def sheet(lines: list[dict]) -> bytes:
    """A workbook of the benchmark's columns; each line overrides a good row's cells."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADER)
    for i, over in enumerate(lines):
        cells = {
            "统一社会信用代码": CODE,
            "市场主体名称": f"广元市第{i + 1}门诊部有限公司",
            "许可文件编号": f"川卫许〔2026〕T{i:04d}号",
            "许可文件名称": "医疗机构执业许可证",
            "许可类别": "普通",
            "许可决定日期": "2026-10-30",
            "有效期自": "2026-10-30",
            "有效期至": "2031-10-29",
            "许可机关": "广元市卫生健康委员会",
            "许可内容": "诊疗科目：内科",
            "法定代表人（负责人）": "王建国",
            "涉密": "",
            "需保密审查": "",
            **over,
        }
        book.active.append([cells[h] for h in HEADER])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def actions(name: str) -> int:
    return AuditEvent.objects.filter(action=name).count()


def test_every_row_of_a_chunk_gets_its_record_case_and_audit_rows_in_few_queries(users):
    rows = imports.CHUNK + 50  # two chunks, the second one partial
    want = expected(rows)
    with CaptureQueriesContext(connection) as queries:
        job = run_job(users, workbook(rows, tag="K"))
    assert job.state == ImportJob.State.DONE, job.message
    assert (job.total, job.processed) == (rows, rows)
    assert (job.accepted, job.returned, job.refused, job.unchanged) == (
        want["accepted"],
        want["returned"],
        want["refused"],
        0,
    )
    saved = rows - want["refused"]
    records = CollectedRecord.objects.all()
    assert records.count() == saved and not records.filter(instance__isnull=True).exists()
    published = records.filter(state=CollectedRecord.State.PUBLISHED)
    assert published.count() == want["accepted"]
    assert not published.filter(published_at__isnull=True).exists()
    assert records.filter(state=CollectedRecord.State.RETURNED).count() == want["returned"]
    assert ProcessInstance.objects.filter(case_type="collection").count() == saved
    assert len({r.instance_id for r in records}) == saved  # a case of its own each

    # Each row's audit rows, written with the chunk: collected, its case started, published.
    assert actions("record_collected") == actions("instance_started") == saved
    assert actions("record_published") == actions("message_thrown") == want["accepted"]
    collected = AuditEvent.objects.filter(action="record_collected")
    assert {e.payload["record_id"] for e in collected} == {r.pk for r in records}
    started = AuditEvent.objects.filter(action="instance_started")
    assert {e.instance_id for e in started} == {r.instance_id for r in records}
    # The thrown 公示 messages are saved handled, in one INSERT each.
    messages = ProcessMessage.objects.filter(name="collection_publish")
    assert messages.count() == want["accepted"]
    assert not messages.exclude(status=ProcessMessage.Status.HANDLED).exists()
    assert not messages.filter(delivered_at__isnull=True).exists()
    # Before batching, a row took 19 statements (savepoints included); now about 11.
    assert len(queries) / rows < 13, len(queries)


def test_a_row_refused_half_way_leaves_no_trace_and_the_rows_around_it_land(users, monkeypatch):
    """A refusal raised inside a row's case (after its record and audit row were written) rolls
    the row back — its buffered audit rows too — while the rows before and after it stay."""
    bad = "川卫许〔2026〕T0002号"
    publish = services.publish

    def refusing(*, message, instance):
        record = CollectedRecord.objects.get(pk=message.payload["record_id"])
        if record.document_number == bad:
            raise services.RecordRefused("公示前发现问题", details={"document_number": "不予公示"})
        publish(message=message, instance=instance)

    monkeypatch.setitem(hooks._message_handlers, "collection_publish", refusing)
    job = run_job(users, sheet([{} for _ in range(5)]))
    assert job.state == ImportJob.State.DONE, job.message
    assert (job.accepted, job.returned, job.refused) == (4, 0, 1)
    assert [p["reason"] for p in job.problems] == ["公示前发现问题"] and job.problems[0]["row"] == 4
    assert not CollectedRecord.objects.filter(document_number=bad).exists()
    assert CollectedRecord.objects.filter(state=CollectedRecord.State.PUBLISHED).count() == 4
    assert ProcessInstance.objects.filter(case_type="collection").count() == 4
    assert not [
        e for e in AuditEvent.objects.filter(action="record_collected") if e.payload["document_number"] == bad
    ]
    assert actions("record_collected") == actions("instance_started") == actions("record_published") == 4


def test_the_same_document_twice_in_one_chunk_is_one_record_with_two_versions(users):
    number = "川卫许〔2026〕T0001号"
    same = {"许可文件编号": number, "市场主体名称": "广元市第一门诊部有限公司"}
    lines = [
        {**same, "许可文件名称": ""},  # returned for 补正
        {**same, "许可文件名称": ""},  # the same row again: unchanged, still to be corrected
        same,  # fixed: its next version
        {},
    ]
    job = run_job(users, sheet(lines))
    assert job.state == ImportJob.State.DONE, job.message
    assert (job.accepted, job.returned, job.unchanged, job.refused) == (2, 2, 0, 0)
    assert CollectedRecord.objects.count() == 2
    record = CollectedRecord.objects.get(document_number=number)
    assert (
        record.version == 2 and record.errors == {} and record.values["permit_name"] == "医疗机构执业许可证"
    )
    assert record.versions.count() == 2


def test_a_case_whose_first_step_fails_leaves_its_record_as_saved(users, monkeypatch):
    """The 公示 handler changes the record, then the step fails: the case keeps an incident and the
    record — in the database and as returned — is still waiting for publication."""
    publish = services.publish

    def failing(*, message, instance):
        publish(message=message, instance=instance)
        raise RuntimeError("公示系统不可用")

    monkeypatch.setitem(hooks._message_handlers, "collection_publish", failing)
    result = services.submit_record(
        provider=Department.objects.get(code="WJW"),
        record_type="permit",
        credit_code=CODE,
        enterprise_name="广元市第一门诊部有限公司",
        values={
            "permit_number": "川卫许〔2026〕T9999号",
            "permit_name": "医疗机构执业许可证",
            "decision_date": "2026-10-30",
            "valid_from": "2026-10-30",
            "valid_to": "2031-10-29",
            "permit_authority": "广元市卫生健康委员会",
            "permit_content": "诊疗科目：内科",
        },
        actor=users["officer_wj"],
        backfill=True,
    )
    assert result.outcome == "created" and result.record.errors == {}
    assert result.record.instance.status == ProcessInstance.Status.INCIDENT
    assert result.record.state == CollectedRecord.State.PENDING and result.record.published_at is None
    stored = CollectedRecord.objects.get(pk=result.record.pk)
    assert stored.state == CollectedRecord.State.PENDING and stored.published_at is None
    assert stored.instance_id == result.record.instance.pk
    assert not ProcessMessage.objects.exists()  # the step's message went with it
    assert actions("record_published") == 0
