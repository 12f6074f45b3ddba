"""``manage.py deadline 2025-09-28 7`` → ``2025-10-14``: the date n Chinese working days after a start."""

import re

from django.core.management.base import BaseCommand, CommandError, CommandParser

from processes.business_calendar import CalendarNotCovered, add_workdays, parse_iso_date


class Command(BaseCommand):
    help = "计算自起始日（不含当日）起第 N 个工作日（按国务院办公厅节假日安排，含调休上班日）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("start", help="起始日期，格式 YYYY-MM-DD（不计入期限）")
        parser.add_argument("workdays", help="工作日天数，非负整数")

    def handle(self, *args, **options) -> None:
        raw_start = str(options["start"])
        raw_n = str(options["workdays"])
        try:
            start = parse_iso_date(raw_start)
        except ValueError as exc:
            raise CommandError(f"起始日期无效：{raw_start!r}，应为 YYYY-MM-DD 格式的有效日期") from exc
        if not re.fullmatch(r"-?[0-9]+", raw_n.strip()):
            raise CommandError(f"工作日天数无效：{raw_n!r}，应为非负整数")
        n = int(raw_n)
        if n < 0:
            raise CommandError(f"工作日天数不能为负数：{n}")
        try:
            result = add_workdays(start, n)
        except CalendarNotCovered as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.isoformat())
