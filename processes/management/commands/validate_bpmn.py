"""python manage.py validate_bpmn FILE... — check BPMN files as deploy would, without deploying.

Prints per file "FILE: 可部署" or "FILE: 不可部署" and each problem as "  [element_id] reason"
("[文件]" for the whole file).  Exit status: 0 when every file can be deployed, 1 when one cannot,
2 when a file is missing or unreadable.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from processes.bpmn_validation import validate_bpmn

DEPLOYABLE, REFUSED, UNREADABLE = 0, 1, 2


class Command(BaseCommand):
    help = "校验 BPMN 文件能否部署（只校验，不部署）；全部可部署时退出码为 0"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")

    def handle(self, *args, files: list[Path], **options):
        status = DEPLOYABLE
        for file in files:
            try:
                xml = file.read_bytes()
            except FileNotFoundError:
                self.stderr.write(f"{file}: 无法读取（文件不存在）")
                status = UNREADABLE
                continue
            except OSError as exc:
                self.stderr.write(f"{file}: 无法读取（{exc.strerror or exc}）")
                status = UNREADABLE
                continue
            parsed, problems = validate_bpmn(xml, source_name=file.name)
            if parsed is not None:
                self.stdout.write(f"{file}: 可部署")
                continue
            self.stdout.write(f"{file}: 不可部署")
            for problem in problems:
                self.stdout.write(f"  [{problem.element_id or '文件'}] {problem.reason}")
            status = max(status, REFUSED)
        if status == UNREADABLE:
            raise CommandError("有文件无法读取", returncode=UNREADABLE)
        if status == REFUSED:
            raise CommandError("有文件不可部署", returncode=REFUSED)
