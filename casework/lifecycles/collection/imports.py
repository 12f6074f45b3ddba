"""批量导入: an .xlsx or .csv of one record type, imported by a Celery job through ``submit_record``.

The header row names the columns by their Chinese labels: 统一社会信用代码, 市场主体名称, the type's
field labels (from the format spec) and, optionally, 涉密 and 需保密审查.  Every data row stands alone
(its own savepoint) and goes through the one validation of every channel (``services.submit_record``):

- a row the spec accepts is collected (``accepted``), or was already collected as it is (``unchanged``:
  re-importing a file is harmless, records are identified by their document number);
- a row failing the spec is saved and returned to its provider for 补正 (``returned``);
- a row without a credit code or a document number cannot be identified at all: it is not imported
  (``refused``).

Returned and refused rows make the error report (.xlsx): the columns as imported, then 处理结果,
错误原因 and 原行号 — fix the rows and import the report itself again.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from casework.directory.credit_code import check_credit_code
from casework.errors import DomainError, Forbidden, UserFacingError
from casework.organization.models import Department
from casework.organization.permissions import Person, is_process_admin
from casework.workbench.spreadsheets import cell_text, cell_value, is_blank, open_sheet
from processes.audit import record
from processes.operation import buffered, discard_since, mark
from processes.queueing import enqueue_after_commit

from . import services
from .models import CollectedRecord, ImportJob

log = logging.getLogger(__name__)

COLUMN_CODE = "统一社会信用代码"
COLUMN_NAME = "市场主体名称"
COLUMN_SECRET = "涉密"
COLUMN_SENSITIVE = "需保密审查"
REPORT_RESULT = "处理结果"
REPORT_REASON = "错误原因"
REPORT_ROW = "原行号"
RESULT_RETURNED = "已保存，退回补正"
RESULT_REFUSED = "未导入：无法识别"
YES = frozenset({"是", "Y", "YES", "TRUE", "1", "√", "✓"})
SUFFIXES = (".xlsx", ".csv")
CHUNK = 200  # rows per transaction (each row in its own savepoint); progress is saved per chunk
MAX_ROWS = 100_000
MAX_BYTES = 30 * 1024 * 1024
PROBLEMS_SHOWN = 100  # problem lines kept on the job for its page (the report has them all)
REQUEUE_AFTER = timedelta(seconds=30)  # a job still queued this long is published again

HEADER_LABELS = {"credit_code": COLUMN_CODE, "enterprise_name": COLUMN_NAME}


# --- the columns ----------------------------------------------------------------------------


def columns(spec: dict) -> list[str]:
    """Every column the importer reads, in the template's order."""
    labels = [f["label"] for f in spec.get("fields", [])]
    return [COLUMN_CODE, COLUMN_NAME, *labels, COLUMN_SECRET, COLUMN_SENSITIVE]


def required_columns(spec: dict) -> list[str]:
    """A file without one of these could not fill any record."""
    labels = [
        f["label"]
        for f in spec.get("fields", [])
        if f.get("required") or f["name"] == spec.get("document_field")
    ]
    return [COLUMN_CODE, COLUMN_NAME, *labels]


def field_label(spec: dict, name: str) -> str:
    if name in HEADER_LABELS:
        return HEADER_LABELS[name]
    for spec_field in spec.get("fields", []):
        if spec_field["name"] == name:
            return str(spec_field.get("label", name))
    return {"review": "保密审查"}.get(name, name)


def template_workbook(spec: dict) -> bytes:
    """The import template of a type: the header row, and a sheet saying what each column takes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = spec["name"][:31]
    sheet.append(columns(spec))
    required = set(required_columns(spec))
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="B71C1C" if cell.value in required else "000000")
    for cell in sheet[1]:
        sheet.column_dimensions[cell.column_letter].width = max(12, len(str(cell.value)) * 2 + 2)
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "必填", "填写要求"])
    notes.append([COLUMN_CODE, "是", "18 位统一社会信用代码（缺少则整行无法识别，不导入）"])
    notes.append([COLUMN_NAME, "是", "市场主体名称"])
    for spec_field in spec.get("fields", []):
        notes.append(
            [spec_field["label"], "是" if spec_field["label"] in required else "", _hint(spec, spec_field)]
        )
    notes.append([COLUMN_SECRET, "", "涉及国家秘密填“是”（不公示）"])
    notes.append([COLUMN_SENSITIVE, "", "涉及商业秘密或个人隐私、公示前须审核的填“是”"])
    for letter, width in (("A", 28), ("B", 6), ("C", 80)):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _hint(spec: dict, spec_field: dict) -> str:
    kind = spec_field.get("type", "text")
    parts = []
    if spec_field["name"] == spec.get("document_field"):
        parts.append("文书编号：识别信息的依据，缺少则整行不导入；同一编号再次导入即为同一条信息的新版本")
    if kind == "date":
        parts.append("日期，如 2026-12-03 或 2026年12月3日")
    elif kind == "choice":
        parts.append("填以下之一：" + "、".join(c["label"] for c in spec_field.get("choices", [])))
    elif kind in ("number", "money"):
        parts.append("数字" + ("（元，最多 2 位小数）" if kind == "money" else ""))
    elif kind == "id_number":
        parts.append("18 位居民身份证号码（公示时自动屏蔽）")
    elif spec_field.get("max_length"):
        parts.append(f"最多 {spec_field['max_length']} 个字")
    if spec_field.get("help"):
        parts.append(str(spec_field["help"]))
    return "；".join(parts)


# --- reading a file ---------------------------------------------------------------------------


def _suffix(name: str) -> str:
    return Path(name or "").suffix.lower()


def _csv_text(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("无法读取该 CSV 文件：请以 UTF-8 或 GBK 编码保存")


def _open(content: bytes, name: str, spec: dict) -> tuple[Any, dict[str, int]]:
    """The data rows (an iterator) and each known column's position; refuses a file it cannot use."""
    wanted, required = columns(spec), required_columns(spec)
    if _suffix(name) == ".xlsx":
        return open_sheet(content, columns=wanted, required=required)
    if _suffix(name) != ".csv":
        raise DomainError("请上传 .xlsx 或 .csv 文件", details={"file": "仅支持 .xlsx、.csv"})
    rows = csv.reader(io.StringIO(_csv_text(content)))
    header = [c.strip() for c in next(rows, [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise DomainError(
            f"表头缺少列：{'、'.join(missing)}", details={"file": [f"缺少列：{c}" for c in missing]}
        )
    return (tuple(row) for row in rows), {c: header.index(c) for c in wanted if c in header}


def check_file(content: bytes, name: str, spec: dict) -> None:
    """At upload: the file is one we read, with the columns the type needs (rows are the job's)."""
    if len(content) > MAX_BYTES:
        raise DomainError(f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请拆分后分批导入")
    _open(content, name, spec)


def read_table(content: bytes, name: str, spec: dict) -> tuple[list[str], list[tuple[int, tuple]]]:
    """(the report's columns, [(row number in the file, the row's cells in those columns)])."""
    rows, index = _open(content, name, spec)
    present = [c for c in columns(spec) if c in index]
    table: list[tuple[int, tuple]] = []
    try:
        for number, row in enumerate(rows, start=2):
            if is_blank(row):
                continue
            table.append((number, tuple(cell_value(row, index, c) for c in present)))
            if len(table) > MAX_ROWS:
                raise DomainError(f"超过 {MAX_ROWS} 行，请拆分后分批导入")
    except (ValueError, csv.Error) as exc:  # openpyxl reads lazily: a damaged file breaks mid-way
        raise DomainError(f"文件内容损坏（第 {len(table) + 2} 行附近），未导入任何数据：{exc}") from exc
    return present, table


# --- starting a job ----------------------------------------------------------------------------


def may_see(user: Person, job: ImportJob) -> bool:
    """A department sees its own import jobs (process admins see all)."""
    return is_process_admin(user) or job.provider.code in services.provider_departments(user)


def start_import(
    *, provider: Department, record_type: str, name: str, content: bytes, backfill: bool, actor: Person
) -> ImportJob:
    """Keep the file, queue the job (published once the transaction commits)."""
    if provider.code not in services.provider_departments(actor):
        raise Forbidden("只能为本部门导入涉企信息")
    spec = services.type_spec(record_type)
    check_file(content, name, spec)
    job = ImportJob(
        token=uuid.uuid4().hex,
        provider=provider,
        record_type=record_type,
        type_name=spec["name"],
        file_name=Path(name).name[:200],
        backfill=backfill,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=timezone.now(),
    )
    job.file.save(job.file_name, ContentFile(content), save=False)
    job.save()
    record(
        "record_import_queued",
        actor=actor,
        job_id=job.pk,
        provider=provider.code,
        record_type=record_type,
        file_name=job.file_name,
        backfill=backfill,
    )
    _publish(job)
    return job


def _publish(job: ImportJob) -> None:
    from .tasks import import_records

    enqueue_after_commit(import_records, job.pk)


def requeue_if_stuck(job: ImportJob) -> bool:
    """A job still queued after ``REQUEUE_AFTER`` (the broker was down when it was published) is
    published again when someone looks at it; the job claims itself once, so a repeat is harmless."""
    if job.state != ImportJob.State.QUEUED or timezone.now() - job.created_at < REQUEUE_AFTER:
        return False
    _publish(job)
    return True


# --- running a job ------------------------------------------------------------------------------


@dataclass
class _Tally:
    accepted: int = 0
    returned: int = 0
    unchanged: int = 0
    refused: int = 0
    problems: list[dict] = field(default_factory=list)
    bad_rows: list[tuple[int, tuple, str, str]] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return self.accepted + self.returned + self.unchanged + self.refused


def _yes(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().upper() in YES


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Row:
    """One data row as the service's arguments."""

    def __init__(self, spec: dict, present: list[str], cells: tuple) -> None:
        index = {name: i for i, name in enumerate(present)}
        self.credit_code = cell_text(cells, index, COLUMN_CODE)
        self.enterprise_name = cell_text(cells, index, COLUMN_NAME)
        self.values: dict[str, Any] = {}
        for spec_field in spec.get("fields", []):
            value = cell_value(cells, index, spec_field["label"])
            if isinstance(value, str):
                value = value.strip()
            if value not in (None, ""):
                self.values[spec_field["name"]] = value
        self.document_number = _text(self.values.get(spec["document_field"]))
        self.secret = _yes(cell_value(cells, index, COLUMN_SECRET))
        self.sensitive = _yes(cell_value(cells, index, COLUMN_SENSITIVE))


def run_import(job_id: int) -> None:
    """The Celery job: claim the queued job, import its rows chunk by chunk, write the report."""
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return  # taken by another delivery, or finished
    job = ImportJob.objects.select_related("provider", "created_by").get(pk=job_id)
    try:
        spec = services.type_spec(job.record_type)
        with job.file.open("rb") as handle:
            content = handle.read()
        present, table = read_table(content, job.file_name, spec)
    except UserFacingError as exc:
        _finish(job, _Tally(), spec={}, present=[], failed=exc.message)
        return
    job.total = len(table)
    job.save(update_fields=["total", "updated_at"])
    tally = _Tally()
    for start in range(0, len(table), CHUNK):
        chunk = table[start : start + CHUNK]
        try:
            _import_chunk(job, spec, present, chunk, tally)
        except Exception as exc:  # noqa: BLE001 - the rows before stay imported; the job says where it stopped
            log.exception("import job %s stopped at row %s", job.pk, chunk[0][0])
            failed = (
                f"第 {chunk[0][0]}–{chunk[-1][0]} 行处理时出错（{type(exc).__name__}），导入中止；"
                f"此前 {tally.processed} 行已处理。重新导入同一文件即可继续，已导入的行不会重复"
            )
            _finish(job, tally, spec=spec, present=present, failed=failed)
            return
    _finish(job, tally, spec=spec, present=present)


def _import_chunk(job: ImportJob, spec: dict, present: list[str], chunk: list, tally: _Tally) -> None:
    rows = [(number, cells, _Row(spec, present, cells)) for number, cells in chunk]
    # One operation for the chunk: its look-ups are read once (``memo``) and the rows its records
    # leave in the buffer (audit rows) are written with one INSERT per table when it ends.
    with transaction.atomic(), buffered():
        services.current_format()  # read once for the chunk, outside any row's savepoint
        services.remember_enterprises([check_credit_code(r.credit_code).code for *_, r in rows])
        services.remember_new_documents(job.provider, job.record_type, [r.document_number for *_, r in rows])
        for number, cells, row in rows:
            _import_row(job, spec, number, cells, row, tally)
        job.processed = tally.processed
        job.accepted, job.returned = tally.accepted, tally.returned
        job.unchanged, job.refused = tally.unchanged, tally.refused
        job.problems = tally.problems[:PROBLEMS_SHOWN]
        job.save(
            update_fields=[
                "processed",
                "accepted",
                "returned",
                "unchanged",
                "refused",
                "problems",
                "updated_at",
            ]
        )


def _problem(tally: _Tally, number: int, cells: tuple, result: str, errors: list[tuple[str, str]]) -> None:
    for label, reason in errors:
        if len(tally.problems) < PROBLEMS_SHOWN:
            tally.problems.append({"row": number, "result": result, "field": label, "reason": reason})
    tally.bad_rows.append(
        (number, cells, result, "；".join(f"{label}：{reason}" for label, reason in errors))
    )


def _import_row(job: ImportJob, spec: dict, number: int, cells: tuple, row: _Row, tally: _Tally) -> None:
    missing = []
    if not row.credit_code and not services.without_code(spec):
        missing.append((COLUMN_CODE, "缺少统一社会信用代码，无法识别市场主体"))
    if not row.credit_code and not row.enterprise_name:
        missing.append((COLUMN_NAME, "无统一社会信用代码的当事人须填写名称（姓名），无法识别当事人"))
    if not row.document_number:
        label = field_label(spec, spec["document_field"])
        missing.append((label, f"缺少{label}，无法识别这条信息"))
    if missing:
        tally.refused += 1
        _problem(tally, number, cells, RESULT_REFUSED, missing)
        return
    position = mark()
    try:
        # The row's savepoint is submit_record's own (it refuses before writing, or rolls back
        # its writes when a step refuses); the rows it left in the chunk's buffer go with it.
        result = services.submit_record(
            provider=job.provider,
            record_type=job.record_type,
            credit_code=row.credit_code,
            enterprise_name=row.enterprise_name,
            values=row.values,
            actor=job.created_by,
            channel=CollectedRecord.Channel.FILE,
            backfill=job.backfill,
            secret=row.secret,
            sensitive=row.sensitive,
        )
    except DomainError as exc:  # e.g. already published: changed only by a correction
        discard_since(position)
        tally.refused += 1
        _problem(tally, number, cells, "未导入", [(_details_label(spec, exc), exc.message)])
        return
    if result.record.errors:
        tally.returned += 1
        errors = [(field_label(spec, name), str(reason)) for name, reason in result.record.errors.items()]
        _problem(tally, number, cells, RESULT_RETURNED, errors)
    elif result.outcome == "unchanged":
        tally.unchanged += 1
    else:
        tally.accepted += 1


def _details_label(spec: dict, exc: DomainError) -> str:
    names = list((exc.details or {}).keys())
    return field_label(spec, names[0]) if names else "整行"


def error_report(present: list[str], bad_rows: list[tuple[int, tuple, str, str]]) -> bytes:
    """The rows to fix: their columns as imported, then 处理结果, 错误原因 and 原行号."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("错误报告")
    header = [*present, REPORT_RESULT, REPORT_REASON, REPORT_ROW]
    for i, name in enumerate(header):
        sheet.column_dimensions[get_column_letter(i + 1)].width = 40 if name == REPORT_REASON else 18
    sheet.append(header)
    for number, cells, result, reason in sorted(bad_rows, key=lambda r: r[0]):
        sheet.append([*cells, result, reason, number])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _finish(job: ImportJob, tally: _Tally, *, spec: dict, present: list[str], failed: str = "") -> None:
    if tally.bad_rows:
        job.error_report.save(
            f"{job.token}-errors.xlsx", ContentFile(error_report(present, tally.bad_rows)), save=False
        )
    job.state = ImportJob.State.FAILED if failed else ImportJob.State.DONE
    job.message = failed[:500]
    job.finished_at = timezone.now()
    job.save()
    record(
        "record_import_failed" if failed else "record_import_done",
        actor=job.created_by,
        job_id=job.pk,
        total=job.total,
        accepted=tally.accepted,
        returned=tally.returned,
        unchanged=tally.unchanged,
        refused=tally.refused,
        message=failed,
    )
