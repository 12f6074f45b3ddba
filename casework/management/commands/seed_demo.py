"""python manage.py seed_demo — demo departments, accounts and each lifecycle's demo data (idempotent)."""

from django.core.management.base import BaseCommand

from casework.organization.demo_accounts import ACCOUNTS, DEMO_PASSWORD, seed_accounts
from casework.workbench.extensions import demo_seeders
from processes.deploy import load_bundled_processes


class Command(BaseCommand):
    help = "创建演示部门、演示账号（每个角色一个）和各业务流程的演示数据"

    def handle(self, *args, **options):
        seed_accounts()  # master data first: the diagrams name its legal clocks
        load_bundled_processes()
        for label, seed in demo_seeders():
            self.stdout.write(f"{label}：新建 {seed()} 件")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, full_name, dept, role, _ in ACCOUNTS:
            self.stdout.write(f"  {username:<12} {full_name}（{dept} · {role.label}）")
