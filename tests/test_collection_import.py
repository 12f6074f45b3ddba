"""归集公示 批量导入: an .xlsx/.csv runs as a job through the one validation — good rows land, rows
failing the spec are saved and returned for 补正, unidentifiable rows are refused, all reported in an
error report to fix and re-import (idempotent); the job page polls its progress; departments see only
their own jobs."""

import csv
import io
from datetime import datetime

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.collection import imports, services
from casework.lifecycles.collection.models import CollectedRecord, ImportJob
from processes.models import AuditEvent

pytestmark = pytest.mark.django_db

CODE = make_credit_code("9", "1", "510802", "MA6D0G01")
OTHER = make_credit_code("9", "1", "510811", "MA6D0G02")
HEADER = [
    "统一社会信用代码",
    "市场主体名称",
    "许可文件编号",
    "许可文件名称",
    "许可类别",
    "许可决定日期",
    "有效期自",
    "有效期至",
    "许可机关",
    "许可内容",
    "涉密",
]


def row(number, *, code=CODE, name="医疗机构执业许可证", kind="普通", valid_to="2031-10-29", **over):
    cells = {
        "统一社会信用代码": code,
        "市场主体名称": f"广元市第{number}门诊部有限公司",
        "许可文件编号": f"川卫许〔2026〕{number}号",
        "许可文件名称": name,
        "许可类别": kind,
        "许可决定日期": "2026-10-30",
        "有效期自": "2026-10-30",
        "有效期至": valid_to,
        "许可机关": "广元市卫生健康委员会",
        "许可内容": "诊疗科目：内科",
        "涉密": "",
    }
    cells.update(over)
    return [cells[h] for h in HEADER]


def rows():
    """Rows 2-9 of the file: 3 good, 2 failing the spec, 2 unidentifiable, one blank line."""
    return [
        row(101),  # 2 good
        row(102, code=OTHER, kind="特许"),  # 3 good, a choice by its label
        row(103, name=""),  # 4 returned: 许可文件名称 missing
        row(104, valid_to="2025-01-01"),  # 5 returned: 有效期至 before 有效期自
        row(105, code=""),  # 6 refused: no credit code
        row(106, **{"许可文件编号": ""}),  # 7 refused: no document number
        [None] * len(HEADER),  # 8 blank: skipped
        row(109, **{"许可决定日期": datetime(2026, 10, 30), "有效期自": datetime(2026, 10, 30)}),  # 9 good
    ]


def xlsx(data, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for line in data:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def upload(client, content, name="许可.xlsx", *, record_type="permit", backfill=False, capture=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"record_type": record_type, "provider": "WJW", "file": SimpleUploadedFile(name, content)}
    if backfill:
        data["backfill"] = "on"
    with capture(execute=True):
        return client.post(reverse("workbench:record-import"), data)


def last_job() -> ImportJob:
    return ImportJob.objects.order_by("-pk").first()


def report_rows(job):
    with job.error_report.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    lines = list(sheet.iter_rows(values_only=True))
    return lines[0], lines[1:]


def test_a_file_with_good_bad_and_unidentifiable_rows_lands_its_good_rows_and_reports_the_rest(
    users, client, django_capture_on_commit_callbacks
):
    client.force_login(users["officer_wj"])
    answer = upload(client, xlsx(rows()), capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "workbench:record-import-job", args=[job.pk]
    )
    assert job.state == ImportJob.State.DONE and job.finished_at is not None
    assert (job.total, job.processed) == (7, 7)
    assert (job.accepted, job.returned, job.unchanged, job.refused) == (3, 2, 0, 2)

    records = CollectedRecord.objects.filter(provider__code="WJW")
    assert records.count() == 5  # the refused rows are not saved
    assert set(records.filter(errors={}).values_list("state", flat=True)) == {CollectedRecord.State.PUBLISHED}
    returned = records.get(document_number="川卫许〔2026〕103号")
    assert returned.state == CollectedRecord.State.RETURNED and "permit_name" in returned.errors
    assert returned.channel == CollectedRecord.Channel.FILE and returned.instance is not None
    assert records.get(document_number="川卫许〔2026〕102号").values["permit_category"] == "special"

    header, bad = report_rows(job)
    assert list(header) == [*HEADER, "处理结果", "错误原因", "原行号"]
    by_row = {line[-1]: line for line in bad}
    assert sorted(by_row) == [4, 5, 6, 7]
    assert by_row[4][-3] == by_row[5][-3] == "已保存，退回补正"
    assert by_row[6][-3] == by_row[7][-3] == "未导入：无法识别"
    assert "许可文件名称" in by_row[4][-2] and "有效期至" in by_row[5][-2]
    assert "统一社会信用代码" in by_row[6][-2] and "许可文件编号" in by_row[7][-2]
    assert by_row[5][HEADER.index("许可文件编号")] == "川卫许〔2026〕104号"  # the row as imported
    problems = {(p["row"], p["field"]) for p in job.problems}
    assert {(4, "许可文件名称"), (5, "有效期至"), (6, "统一社会信用代码"), (7, "许可文件编号")} <= problems

    page = client.get(reverse("workbench:record-import-job", args=[job.pk])).content.decode()
    assert "下载错误报告" in page and "第 6 行" in page and "无法识别、未导入" in page
    download = client.get(reverse("workbench:record-import-report", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxml")
    assert {"record_import_queued", "record_import_done"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_importing_the_same_file_again_changes_nothing_and_the_fixed_report_lands(
    users, client, django_capture_on_commit_callbacks
):
    client.force_login(users["officer_wj"])
    upload(client, xlsx(rows()), capture=django_capture_on_commit_callbacks)
    first = last_job()
    upload(client, xlsx(rows()), capture=django_capture_on_commit_callbacks)
    again = last_job()
    assert again.pk != first.pk
    assert (again.accepted, again.returned, again.unchanged, again.refused) == (0, 2, 3, 2)
    assert CollectedRecord.objects.count() == 5
    assert CollectedRecord.objects.get(document_number="川卫许〔2026〕101号").version == 1

    # Fix the report's rows and import the report itself.
    header, bad = report_rows(again)
    fixed = []
    for line in bad:
        cells = dict(zip(header, line, strict=True))
        cells["许可文件名称"] = cells["许可文件名称"] or "医疗机构执业许可证"
        cells["有效期至"] = "2031-10-29"
        cells["统一社会信用代码"] = cells["统一社会信用代码"] or CODE
        cells["许可文件编号"] = cells["许可文件编号"] or "川卫许〔2026〕106号"
        fixed.append([cells[h] for h in header])
    upload(
        client, xlsx(fixed, header=list(header)), "错误报告.xlsx", capture=django_capture_on_commit_callbacks
    )
    final = last_job()
    assert (final.total, final.accepted, final.returned, final.refused) == (4, 4, 0, 0)
    assert not final.error_report
    assert CollectedRecord.objects.count() == 7
    corrected = CollectedRecord.objects.get(document_number="川卫许〔2026〕103号")
    assert corrected.version == 2 and corrected.errors == {}


def test_a_gbk_csv_is_read_like_a_workbook_and_backfill_is_not_late(
    users, client, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerow(row(201, **{"许可决定日期": "2020年5月6日", "有效期自": "2020-05-06"}))
    writer.writerow(row(202, kind="不存在的类别"))
    client.force_login(users["officer_wj"])
    upload(
        client,
        out.getvalue().encode("gb18030"),
        "许可.csv",
        backfill=True,
        capture=django_capture_on_commit_callbacks,
    )
    job = last_job()
    assert job.backfill and (job.total, job.accepted, job.returned) == (2, 1, 1)
    good = CollectedRecord.objects.get(document_number="川卫许〔2026〕201号")
    assert good.backfill and not good.late and str(good.produced_on) == "2020-05-06"
    assert any(p["field"] == "许可类别" and "应为以下之一" in p["reason"] for p in job.problems)


def test_a_file_without_the_needed_columns_is_refused_at_upload(
    users, client, django_capture_on_commit_callbacks
):
    client.force_login(users["officer_wj"])
    answer = upload(client, xlsx([row(1)[:3]], header=HEADER[:3]), capture=django_capture_on_commit_callbacks)
    assert answer.status_code == 422
    assert "表头缺少列" in answer.content.decode() and "许可文件名称" in answer.content.decode()
    wrong = upload(client, b"hello", "a.txt", capture=django_capture_on_commit_callbacks)
    assert wrong.status_code == 422 and "请上传 .xlsx 或 .csv 文件" in wrong.content.decode()
    assert ImportJob.objects.count() == 0


def test_the_progress_endpoint_answers_json_and_other_departments_see_no_job(
    users, client, django_capture_on_commit_callbacks
):
    client.force_login(users["officer_wj"])
    upload(client, xlsx(rows()), capture=django_capture_on_commit_callbacks)
    job = last_job()
    progress = client.get(reverse("workbench:record-import-progress", args=[job.pk]))
    assert progress["Content-Type"] == "application/json"
    body = progress.json()
    assert body["state"] == "done" and body["finished"] is True and body["percent"] == 100
    assert (body["total"], body["processed"], body["accepted"], body["returned"], body["refused"]) == (
        7,
        7,
        3,
        2,
        2,
    )
    assert body["error_report"] == reverse("workbench:record-import-report", args=[job.pk])

    client.force_login(users["officer_jy"])
    for name in ("record-import-job", "record-import-progress", "record-import-report"):
        assert client.get(reverse(f"workbench:{name}", args=[job.pk])).status_code == 404, name
    assert job.file_name not in client.get(reverse("workbench:record-import")).content.decode()


def test_a_queued_job_shows_its_progress_and_is_published_again_when_left_queued(users, client):
    """The job page and endpoint read the row while the job is queued; a job whose publication was
    lost is published again when looked at after a while, and runs once."""
    import time_machine
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from casework.organization.models import Department

    job = ImportJob(
        token="a" * 32,
        provider=Department.objects.get(code="WJW"),
        record_type="permit",
        type_name="行政许可",
        file_name="许可.xlsx",
        created_by=users["officer_wj"],
        created_at=timezone.now(),
    )
    job.file.save("许可.xlsx", ContentFile(xlsx(rows()[:2])), save=False)
    job.save()
    client.force_login(users["officer_wj"])
    page = client.get(reverse("workbench:record-import-job", args=[job.pk])).content.decode()
    assert "排队中" in page and "data-progress-url" in page and "fetch(" in page
    assert client.get(reverse("workbench:record-import-progress", args=[job.pk])).json()["finished"] is False
    assert not imports.requeue_if_stuck(job)
    with time_machine.travel(timezone.now() + imports.REQUEUE_AFTER * 2):
        assert imports.requeue_if_stuck(job)
    imports.run_import(job.pk)
    imports.run_import(job.pk)  # a second delivery does nothing
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.accepted == 2
    assert CollectedRecord.objects.count() == 2


def test_the_template_of_a_type_has_its_labels_and_the_menu_offers_the_import(users, client):
    client.force_login(users["officer_wj"])
    answer = client.get(reverse("workbench:record-import-template", args=["penalty"]))
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    header = [c.value for c in book.worksheets[0][1]]
    spec = services.type_spec("penalty")
    assert header == [
        "统一社会信用代码",
        "市场主体名称",
        *[f["label"] for f in spec["fields"]],
        "涉密",
        "需保密审查",
    ]
    assert book.worksheets[1].title == "填写说明"
    page = client.get(reverse("workbench:record-import")).content.decode()
    assert "批量导入" in page and reverse("workbench:record-import-template", args=["permit"]) in page
    assert (
        reverse("workbench:record-import") in client.get(reverse("workbench:record-entry")).content.decode()
    )
    client.force_login(users["registrar"])  # not a providing department
    assert client.get(reverse("workbench:record-import")).status_code == 404


def test_an_unlicensed_party_may_come_without_a_credit_code_in_a_file_but_not_without_a_name(
    users, client, django_capture_on_commit_callbacks
):
    header = [
        "统一社会信用代码",
        "市场主体名称",
        "查处文书编号",
        "查处类别",
        "当事人名称（姓名）",
        "经营活动",
        "查处日期",
        "查处机关",
        "处理措施",
    ]
    good = [
        "",
        "王某某",
        "广市卫无证〔2026〕3号",
        "无证经营",
        "王某某",
        "无医疗机构执业许可证行医",
        "2026-10-29",
        "广元市卫生健康委员会",
        "责令停止违法行为",
    ]
    nameless = [
        "",
        "",
        "广市卫无证〔2026〕4号",
        "无证经营",
        "李某",
        "无证行医",
        "2026-10-29",
        "广元市卫生健康委员会",
        "责令停止违法行为",
    ]
    client.force_login(users["officer_wj"])
    upload(
        client,
        xlsx([good, nameless], header=header),
        record_type="unlicensed_operation",
        capture=django_capture_on_commit_callbacks,
    )
    job = last_job()
    assert (job.accepted, job.refused) == (1, 1)
    kept = CollectedRecord.objects.get(document_number="广市卫无证〔2026〕3号")
    assert kept.credit_code == "" and kept.state == CollectedRecord.State.NOT_PUBLIC
    assert [(p["row"], p["field"]) for p in job.problems] == [(3, "市场主体名称")]
    assert "须填写名称" in job.problems[0]["reason"]
