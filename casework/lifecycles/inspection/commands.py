"""``manage.py replay_draw ID``: replays a stored draw from its stored inputs alone."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from . import drawing
from .models import Draw


class ReplayDraw(BaseCommand):
    help = "重新运行一次已保存的双随机抽取，并核对结果与抽取时完全一致（不一致时退出码为 1）"

    def add_arguments(self, parser):
        parser.add_argument("draw_id", type=int, help="抽取记录编号")

    def handle(self, *args, draw_id: int, **options):
        item = Draw.objects.select_related("task__plan").filter(pk=draw_id).first()
        if item is None:
            raise CommandError(f"没有编号为 {draw_id} 的抽取记录")
        outcome = drawing.replay(item)
        out = self.stdout
        out.write(f"抽取记录 {item.pk}：{item.task.plan.name} / {item.task.name}")
        out.write(f"算法 {item.algorithm}  随机种子 {item.seed}")
        out.write(f"对象名录 {item.population_size} 户  摘要 {item.population_hash}")
        out.write(f"结果摘要 抽取时 {item.result_hash}")
        out.write(f"         重新运行 {outcome.result_hash}")
        for problem in outcome.problems:
            out.write(self.style.ERROR(problem))
        if not outcome.ok:
            raise CommandError("重放结果与抽取时不一致", returncode=1)
        out.write(self.style.SUCCESS("重放结果与抽取时完全一致"))
