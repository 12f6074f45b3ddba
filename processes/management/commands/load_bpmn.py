"""python manage.py load_bpmn — deploy bundled bpmn/*.bpmn files that are new or changed."""

from django.core.management.base import BaseCommand

from processes.deploy import load_bundled_processes


class Command(BaseCommand):
    help = "加载 bpmn/ 目录下的流程图（首次运行时各为版本 1）"

    def handle(self, *args, **options):
        for result in load_bundled_processes():
            v = result.version
            self.stdout.write(f"{v.definition.key} v{v.version}{' (新部署)' if result.created else ''}")
