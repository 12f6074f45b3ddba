"""python manage.py repair_stuck_cases [--fix] [ID ...] — cases whose multi-instance step missed children."""

from django.core.management.base import BaseCommand

from processes.engine import find_unmerged_loops, repair_unmerged_loops
from processes.errors import UserFacingError


class Command(BaseCommand):
    help = "列出（--fix 时修复）多实例环节未合并已办结子任务的案件：跨进程办结的子任务曾不被合并，案件停滞"

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="只检查这些案件编号")
        parser.add_argument("--fix", action="store_true", help="合并遗漏的子任务并继续推进案件")

    def handle(self, *args, ids, fix, **options):
        found = list(find_unmerged_loops(instance_ids=ids or None))
        for item in found:
            if item.status == "suspended":
                state = "案件已挂起，恢复后再运行本命令修复"
            elif item.stalled:
                state = "停滞（无待办、无定时器）"
            else:
                state = f"仍有 {item.running_children} 个子任务在办，下次办理时自动合并"
            self.stdout.write(
                f"案件 #{item.instance_id} {item.business_key} 环节 {item.element}："
                f"{item.unmerged} 个已办结子任务未合并；{state}"
            )
        if not found:
            self.stdout.write("未发现停滞案件")
            return
        if not fix:
            self.stdout.write(f"共 {len(found)} 处；加 --fix 修复")
            return
        repaired = failed = 0
        for instance_id in sorted({item.instance_id for item in found if item.status != "suspended"}):
            try:
                merged = repair_unmerged_loops(instance_id=instance_id)
            except UserFacingError as exc:
                failed += 1
                self.stderr.write(f"案件 #{instance_id} 修复失败：{exc}")
                continue
            repaired += 1
            self.stdout.write(f"案件 #{instance_id} 已修复：合并 {merged} 个子任务")
        self.stdout.write(f"已修复 {repaired} 件，失败 {failed} 件")
        if failed:
            raise SystemExit(1)
