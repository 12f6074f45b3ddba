"""Demo cases of the demo process: a few open items, one of them already overdue."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from casework.organization.models import Department
from processes.models import ProcessInstance

from .services import start_demo_case


def seed_cases() -> int:
    """A few open cases, one of them an imported backlog item that is already overdue."""
    if ProcessInstance.objects.filter(case_type="demo_claim").exists():
        return 0
    registrar = get_user_model().objects.get(username="registrar")
    wjw, jyj = Department.objects.get(code="WJW"), Department.objects.get(code="JYJ")
    now = timezone.now()
    start_demo_case(
        actor=registrar, title="某餐饮管理有限公司 · 食品经营许可事项", department=wjw, deadline_workdays=5
    )
    start_demo_case(
        actor=registrar, title="某职业培训学校 · 民办学校办学许可事项", department=jyj, deadline_workdays=3
    )
    start_demo_case(
        actor=registrar,
        title="某口腔诊所 · 医疗机构执业许可事项（历史积压导入）",
        department=wjw,
        deadline_workdays=5,
        received_at=now - timedelta(days=21),
    )
    return 3
