"""``manage.py calendar_import notice.txt --year 2027``: store a 国务院办公厅 holiday notice as that year's table.

The file is the UTF-8 text of the notice (国务院办公厅关于Y年部分节假日安排的通知). The command prints
what it read (holidays per name, 调休 working days); unless ``--dry-run`` it saves the year in one
transaction (``CalendarYear`` with the notice's title and full text, that year's ``CalendarDay`` rows
replaced), writes a ``calendar_imported`` audit row and clears the calendar cache. ``--json OUT``
writes ``{"year": Y, "holidays": [...], "workdays": [...]}`` (ISO dates).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from processes.calendar_notice import NoticeError, parse_notice, save_notice


class Command(BaseCommand):
    help = "导入国务院办公厅节假日安排通知（UTF-8 文本），作为该年的节假日/调休上班表"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="通知全文的 UTF-8 文本文件")
        parser.add_argument("--year", required=True, help="年份，须与通知中的年份一致")
        parser.add_argument("--dry-run", action="store_true", help="只解析并显示，不保存")
        parser.add_argument("--json", dest="json_out", help="把解析结果写成 JSON 文件")

    def handle(self, *args, **options) -> None:
        raw_year = str(options["year"]).strip()
        if not raw_year.isdigit() or len(raw_year) != 4:
            raise CommandError(f"年份无效：{raw_year!r}，应为四位数字，如 2027")
        year = int(raw_year)
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件：{path}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"文件不是 UTF-8 文本：{path}") from exc
        try:
            notice = parse_notice(text)
        except NoticeError as exc:
            raise CommandError(f"无法导入：{exc}") from exc
        if notice.year != year:
            raise CommandError(f"年份不符：--year 为 {year}，通知是 {notice.year} 年的安排")

        for line in notice.summary_lines():
            self.stdout.write(line)

        if options.get("json_out"):
            out = Path(options["json_out"])
            out.write_text(
                json.dumps(notice.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            self.stdout.write(f"已写出 JSON：{out}")

        if options["dry_run"]:
            self.stdout.write("试运行（--dry-run）：未保存")
            return
        counts = save_notice(notice, text)
        self.stdout.write(
            self.style.SUCCESS(
                f"已保存 {year} 年节假日安排：放假 {counts['holidays']} 天，调休上班 {counts['workdays']} 天"
                f"（替换原有 {counts['replaced_rows']} 条）；重算暂定时限 {counts['recomputed']} 件案件"
            )
        )
