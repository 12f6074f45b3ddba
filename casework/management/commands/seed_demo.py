"""python manage.py seed_demo — demo departments, accounts and cases (idempotent)."""

from django.core.management.base import BaseCommand

from casework.demo import ACCOUNTS, DEMO_PASSWORD, seed_accounts, seed_cases, seed_registrations
from processes.deploy import load_bundled_processes


class Command(BaseCommand):
    help = "创建演示部门、演示账号（每个角色一个）和演示案件"

    def handle(self, *args, **options):
        load_bundled_processes()
        seed_accounts()
        created = seed_cases()
        self.stdout.write(f"演示案件：新建 {created} 件")
        self.stdout.write(f"双告知演示登记：新建 {seed_registrations()} 件")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, full_name, dept, role, _ in ACCOUNTS:
            self.stdout.write(f"  {username:<12} {full_name}（{dept} · {role.label}）")
