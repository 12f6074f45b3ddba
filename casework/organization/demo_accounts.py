"""Demo accounts, one per role, on the seeded departments (embedded quick start, tests)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from .master_data import seed_master_data
from .models import Department, Membership, Role

DEMO_PASSWORD = "demo12345"


ACCOUNTS = [
    # username, full name, department, role, superuser
    ("admin", "系统管理员", "SCJG", Role.PROCESS_ADMIN, True),
    ("registrar", "登记员 王芳", "SCJG", Role.REGISTRAR, False),
    ("officer_wj", "卫健委经办 李明", "WJW", Role.OFFICER, False),
    ("officer_wj2", "卫健委经办 赵磊", "WJW", Role.OFFICER, False),
    ("officer_jy", "教育局经办 陈静", "JYJ", Role.OFFICER, False),
    ("reviewer_wj", "卫健委审核 孙丽", "WJW", Role.REVIEWER, False),
    ("inspector", "检查人员 吴刚", "SCJG", Role.INSPECTOR, False),
    ("inspector2", "检查人员 郑洁", "SCJG", Role.INSPECTOR, False),
    ("reviewer_sc", "市场监管审核 刘洋", "SCJG", Role.REVIEWER, False),
    ("supervisor", "效能督查 周强", "XNDB", Role.SUPERVISOR, False),
]


@transaction.atomic
def seed_accounts() -> None:
    User = get_user_model()
    seed_master_data()
    departments = {d.code: d for d in Department.objects.filter(code__in={a[2] for a in ACCOUNTS})}
    for username, full_name, dept, role, superuser in ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": full_name,
                "email": f"{username}@xtjg.example.gov.cn",
                "is_staff": superuser,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(user=user, department=departments[dept], role=role)
