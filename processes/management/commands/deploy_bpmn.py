"""python manage.py deploy_bpmn FILE.bpmn — deploy a new version or print every problem."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from processes.deploy import deploy_bpmn
from processes.errors import DeployRejected


class Command(BaseCommand):
    help = "部署 BPMN 流程图为新版本（校验不通过时列出全部问题并以非零状态退出）"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--comment", default="", help="部署说明（本次修改了什么、依据哪项规定）")

    def handle(self, *args, file: Path, comment: str = "", **options):
        if not file.exists():
            raise CommandError(f"文件不存在：{file}")
        try:
            result = deploy_bpmn(xml=file.read_bytes(), source_name=file.name, comment=comment)
        except DeployRejected as exc:
            for problem in exc.problems:
                self.stderr.write(f"[{problem.element_id or '文件'}] {problem.reason}")
            raise CommandError(f"部署被拒绝：{file.name} 有 {len(exc.problems)} 个问题") from exc
        version = result.version
        state = "已部署新版本" if result.created else "内容未变化，沿用版本"
        self.stdout.write(f"{version.definition.key} v{version.version} ({state})")
