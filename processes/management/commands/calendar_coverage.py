"""``manage.py calendar_coverage [--dry-run] [--today YYYY-MM-DD]``: is the holiday table long enough?

Prints whether the current and the next year are covered and each year needing its 国务院办公厅
notice, then (unless ``--dry-run``) sends the notices the daily beat task sends: once per person
and year, so running it again tells nobody twice. Exit status 1 when a year needs attention, for
monitoring; 0 when all is well.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from processes.business_calendar import parse_iso_date
from processes.calendar_coverage import notify, status


class Command(BaseCommand):
    help = "检查节假日安排是否已导入本年及（11月1日起）下一年；需要时通知督办人员和流程管理员"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只报告，不发送通知")
        parser.add_argument("--today", help="按该日期判断（YYYY-MM-DD，默认今天，北京时间）")

    def handle(self, *args, **options) -> None:
        today = None
        if options["today"]:
            try:
                today = parse_iso_date(str(options["today"]))
            except ValueError as exc:
                raise CommandError(f"日期无效：{options['today']!r}，应为 YYYY-MM-DD") from exc
        state = status(today)

        def covered(flag: bool) -> str:
            return "已覆盖" if flag else "未导入"

        self.stdout.write(f"今天：{state['today']}")
        self.stdout.write(f"{state['current_year']}年节假日安排：{covered(state['current_year_covered'])}")
        self.stdout.write(f"{state['next_year']}年节假日安排：{covered(state['next_year_covered'])}")
        for warning in state["warnings"]:
            label = "错误" if warning["level"] == "error" else "警告"
            self.stdout.write(f"{label}：{warning['message']}")
        if not state["warnings"]:
            self.stdout.write("无需处理。")
            return
        if not options["dry_run"]:
            for warning, told in notify(today):
                self.stdout.write(f"{warning.year}年：新通知 {len(told)} 人")
        raise SystemExit(1)  # attention needed: for monitoring
