"""Scenario 8: 批量导入 — a large .xlsx of 行政许可 through the real ImportJob path.

Generates an .xlsx of ``rows`` data rows in the import template's columns, 2 % of them bad in
four ways, in turn: a date that does not exist, a required field left empty (许可文件名称), a
malformed credit code (17 characters) — these three are saved and returned for 补正 — and rows
that cannot be identified (no credit code, or no 许可文件编号), which are refused.  The file goes
through ``imports.start_import`` as an officer of 广元市卫生健康委员会 (WJW) would upload it; the
job runs in-process (Celery eager, as the benchmark runs every job).  The scenario asserts that
the job's counts are exactly the generated ones: a benchmark that loses rows fails.

Figures: rows/s, total seconds (upload to job done), seconds and CPU seconds of this process per
1,000 rows (the CPU figure holds when other work shares the machine), SQL statements per row
(savepoints included; counted by an execute wrapper, nothing kept), the counts, and the process's
peak RSS while the job ran (sampled from /proc every 20 ms; the resident size before it is given too).
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import tempfile
import threading
import time
from datetime import date, timedelta

from django.db import connection
from django.test import override_settings

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.collection import imports
from casework.lifecycles.collection.models import CollectedRecord, ImportJob
from casework.lifecycles.collection.tasks import import_records
from casework.organization.models import Department

from .. import world
from ..report import Row

SCENARIO = "8 批量导入 import"
BAD_SHARE = 50  # one row in 50 is bad (2 %)
REFUSED_KINDS = {"no_credit_code", "no_document_number"}
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
    "法定代表人（负责人）",
    "涉密",
    "需保密审查",
]
NAMES = ("医疗机构执业许可证", "公共场所卫生许可证", "放射诊疗许可证", "母婴保健技术服务执业许可证")
DIVISIONS = ("510802", "510811", "510824")


def _kind_of(i: int) -> str | None:
    """The kind of bad row the i-th data row is (None: a good row). Unidentifiable rows alternate."""
    if i % BAD_SHARE != BAD_SHARE - 1:
        return None
    n = i // BAD_SHARE
    kind = ("bad_date", "missing_required", "bad_credit_code", "unidentifiable")[n % 4]
    if kind == "unidentifiable":
        return "no_credit_code" if (n // 4) % 2 == 0 else "no_document_number"
    return kind


def expected(rows: int) -> dict[str, int]:
    kinds = [_kind_of(i) for i in range(rows)]
    refused = sum(1 for k in kinds if k in REFUSED_KINDS)
    returned = sum(1 for k in kinds if k is not None and k not in REFUSED_KINDS)
    return {"accepted": rows - refused - returned, "returned": returned, "refused": refused}


def workbook(rows: int, *, tag: str = "B") -> bytes:
    """The upload: the template's header and ``rows`` data rows (write-only, so 50,000 rows are quick)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("行政许可")
    sheet.append(HEADER)
    for i in range(rows):
        kind = _kind_of(i)
        decided = date(2026, 10, 30) - timedelta(days=i % 700)
        code = make_credit_code("9", "1", DIVISIONS[i % 3], f"Q{i:07d}")
        cells = {
            "统一社会信用代码": code,
            "市场主体名称": f"广元市第{i + 1}门诊部有限公司",
            "许可文件编号": f"川卫许〔{decided.year}〕{tag}{i:06d}号",
            "许可文件名称": NAMES[i % len(NAMES)],
            "许可类别": "普通" if i % 7 else "特许",
            "许可决定日期": decided.isoformat(),
            "有效期自": decided.isoformat(),
            "有效期至": (decided + timedelta(days=5 * 365)).isoformat(),
            "许可机关": "广元市卫生健康委员会",
            "许可内容": "诊疗科目：内科；外科；医学检验科",
            "法定代表人（负责人）": "王建国",
            "涉密": "",
            "需保密审查": "",
        }
        if kind == "bad_date":
            cells["许可决定日期"] = f"{decided.year}-02-30"
        elif kind == "missing_required":
            cells["许可文件名称"] = ""
        elif kind == "bad_credit_code":
            cells["统一社会信用代码"] = code[:17]
        elif kind == "no_credit_code":
            cells["统一社会信用代码"] = ""
        elif kind == "no_document_number":
            cells["许可文件编号"] = ""
        sheet.append([cells[h] for h in HEADER])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rss_bytes() -> int:
    try:
        with open(f"/proc/{os.getpid()}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the process's peak so far
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class _Statements:
    """Counts the SQL statements run on the default connection (an execute wrapper: nothing kept)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class _PeakRss:
    """Samples the resident size in a thread while the job runs."""

    def __init__(self) -> None:
        self.before = self.peak = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_bytes())

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())


def run(*, rows: int, tag: str = "B") -> list[Row]:
    officer = world.officer_for("WJW")
    provider = Department.objects.get(code="WJW")
    want = expected(rows)
    made = time.perf_counter()
    content = workbook(rows, tag=tag)
    made = time.perf_counter() - made
    media = tempfile.mkdtemp(prefix="xtjg-bench-import-")
    try:
        statements = _Statements()
        with (
            override_settings(MEDIA_ROOT=media),
            _PeakRss() as rss,
            connection.execute_wrapper(statements),
        ):
            started, cpu = time.perf_counter(), time.process_time()
            job = imports.start_import(
                provider=provider,
                record_type="permit",
                name=f"行政许可-{rows}行.xlsx",
                content=content,
                backfill=True,
                actor=officer,
            )
            job.refresh_from_db()
            if job.state == ImportJob.State.QUEUED:
                # Inside a test's transaction the on-commit publish waits for a commit that never
                # comes: run the Celery task in-process, as eager mode does once it is published.
                import_records.apply(args=[job.pk])
                job.refresh_from_db()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        shutil.rmtree(media, ignore_errors=True)
    got = {"accepted": job.accepted, "returned": job.returned, "refused": job.refused}
    stored = CollectedRecord.objects.filter(
        provider=provider, channel=CollectedRecord.Channel.FILE, document_number__contains=f"〕{tag}"
    ).count()
    problems = [
        f"状态 {job.state}（{job.message}）" if job.state != ImportJob.State.DONE else "",
        f"数据行 {job.total}/{job.processed}，应为 {rows}"
        if (job.total, job.processed) != (rows, rows)
        else "",
        f"计数 {got}，应为 {want}" if got != want else "",
        f"内容未变 {job.unchanged}，应为 0" if job.unchanged else "",
        f"入库 {stored} 条，应为 {rows - want['refused']}" if stored != rows - want["refused"] else "",
    ]
    problems = [p for p in problems if p]
    if problems:
        raise AssertionError(f"批量导入结果与生成的数据不符：{'；'.join(problems)}")
    mib = 1024 * 1024
    return [
        Row(SCENARIO, "rows in file", rows, "rows"),
        Row(SCENARIO, "file generation (.xlsx)", made, "s"),
        Row(SCENARIO, "file size", len(content) / mib, "MiB"),
        Row(SCENARIO, "total (upload → job done)", seconds, "s"),
        Row(SCENARIO, "throughput", rows / seconds, "rows/s"),
        Row(SCENARIO, "time per 1,000 rows", 1000 * seconds / rows, "s"),
        Row(SCENARIO, "CPU of this process per 1,000 rows", 1000 * cpu / rows, "s"),
        Row(SCENARIO, "SQL statements per row", statements.count / rows, "statements"),
        Row(SCENARIO, "accepted (已归集)", job.accepted, "rows", f"= {want['accepted']:,}", True),
        Row(SCENARIO, "returned (退回补正)", job.returned, "rows", f"= {want['returned']:,}", True),
        Row(SCENARIO, "refused (无法识别)", job.refused, "rows", f"= {want['refused']:,}", True),
        Row(SCENARIO, "RSS before the job", rss.before / mib, "MiB"),
        Row(SCENARIO, "peak RSS during the job", rss.peak / mib, "MiB"),
    ]


__all__ = ["expected", "run", "workbook"]
