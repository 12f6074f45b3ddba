"""Import the 后置审批事项目录 from Excel: one row per approval item, upserted by its code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction

from casework.organization.models import Sector
from casework.organization.permissions import Person
from casework.workbench.spreadsheets import cell_text, is_blank, open_sheet, row_report
from processes.audit import record

from .models import ApprovalItem

COLUMNS = ["事项编码", "审批事项名称", "审批部门类别", "经营范围检索关键词", "设定依据"]
SEPARATORS = re.compile(r"[、，,；;\n]+")


@dataclass(frozen=True)
class CatalogueRow:
    row: int
    code: str
    outcome: str  # 新建 / 更新 / 失败
    detail: str


def import_catalogue(*, content: bytes, actor: Person) -> list[CatalogueRow]:
    rows, index = open_sheet(content, columns=COLUMNS, required=COLUMNS[:4])
    sectors = {key: s for s in Sector.objects.all() for key in (s.code, s.name)}
    return row_report(
        lambda report: _import_rows(rows, index, sectors, actor, report),
        lambda number, reason: CatalogueRow(number, "", "失败", reason),
    )


def _import_rows(rows, index, sectors, actor: Person, results: list[CatalogueRow]) -> None:
    for number, values in enumerate(rows, start=2):
        if is_blank(values):
            continue

        def cell(name: str, row=values) -> str:
            return cell_text(row, index, name)

        code, name, sector_text = cell("事项编码"), cell("审批事项名称"), cell("审批部门类别")
        keywords = [k.strip() for k in SEPARATORS.split(cell("经营范围检索关键词")) if k.strip()]
        problem = (
            "缺少事项编码"
            if not code
            else "缺少审批事项名称"
            if not name
            else f"未知的审批部门类别：{sector_text}"
            if sector_text not in sectors
            else "缺少经营范围检索关键词"
            if not keywords
            else ""
        )
        if problem:
            results.append(CatalogueRow(number, code, "失败", problem))
            continue
        with transaction.atomic():
            _, created = ApprovalItem.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "sector": sectors[sector_text],
                    "keywords": "\n".join(keywords),
                    "legal_basis": cell("设定依据"),
                    "is_active": True,
                },
            )
            record("catalogue_item_imported", actor=actor, code=code, created=created, keywords=len(keywords))
        results.append(CatalogueRow(number, code, "新建" if created else "更新", f"{len(keywords)} 个关键词"))
