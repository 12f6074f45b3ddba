"""Reading uploaded .xlsx files: one sheet, a header row, then data rows, and the row report
every import returns (one line per data row, a damaged file reported where it broke)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import TypeVar

from casework.errors import DomainError

Row = TypeVar("Row")


def open_sheet(
    content: bytes, *, columns: list[str], required: list[str]
) -> tuple[Iterator[tuple], dict[str, int]]:
    """The data rows (lazily read) and the position of each known column in the header.

    Raises DomainError with a Chinese message for an unreadable file or missing columns.
    """
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
    except Exception as exc:  # noqa: BLE001 - any unreadable upload is the same user error
        raise DomainError("无法读取该文件，请上传 .xlsx 格式的 Excel 文件") from exc
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise DomainError(
            f"表头缺少列：{'、'.join(missing)}", details={"file": [f"缺少列：{c}" for c in missing]}
        )
    return rows, {name: header.index(name) for name in columns if name in header}


def cell_value(row: tuple, index: dict[str, int], name: str):
    i = index.get(name)
    return row[i] if i is not None and i < len(row) else None


def cell_text(row: tuple, index: dict[str, int], name: str) -> str:
    value = cell_value(row, index, name)
    return "" if value is None else str(value).strip()


def is_blank(row: tuple | None) -> bool:
    return row is None or all(v in (None, "") for v in row)


def row_report(import_rows: Callable[[list[Row]], None], damaged: Callable[[int, str], Row]) -> list[Row]:
    """Run ``import_rows(report)``, which appends one entry per data row; a file that turns out
    damaged mid-way (openpyxl reads lazily) ends the report with ``damaged(row number, reason)``."""
    report: list[Row] = []
    try:
        import_rows(report)
    except ValueError as exc:
        report.append(damaged(len(report) + 2, f"文件内容损坏，其后各行未处理（{exc}）"))
    return report
