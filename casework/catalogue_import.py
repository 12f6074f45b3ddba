"""Import the 后置审批事项目录 from Excel: one row per approval item, upserted by its code."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from django.db import transaction

from processes.audit import record
from processes.errors import EngineError

from .models import ApprovalItem, Sector

COLUMNS = ["事项编码", "审批事项名称", "审批部门类别", "经营范围检索关键词", "设定依据"]
SEPARATORS = re.compile(r"[、，,；;\n]+")


@dataclass(frozen=True)
class CatalogueRow:
    row: int
    code: str
    outcome: str  # 新建 / 更新 / 失败
    detail: str


def import_catalogue(*, content: bytes, actor) -> list[CatalogueRow]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
    except Exception as exc:  # noqa: BLE001 - any unreadable upload is the same user error
        raise EngineError("无法读取该文件，请上传 .xlsx 格式的 Excel 文件") from exc
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, [])]
    missing = [c for c in COLUMNS[:4] if c not in header]
    if missing:
        raise EngineError(
            f"表头缺少列：{'、'.join(missing)}", details={"file": [f"缺少列：{c}" for c in missing]}
        )
    index = {name: header.index(name) for name in COLUMNS if name in header}
    sectors = {s.code: s for s in Sector.objects.all()} | {s.name: s for s in Sector.objects.all()}
    results = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue

        def cell(name: str, row=values) -> str:
            i = index.get(name)
            return "" if i is None or i >= len(row) or row[i] is None else str(row[i]).strip()

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
    return results
