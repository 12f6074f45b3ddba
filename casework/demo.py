"""Demo departments, accounts (one per role) and a few cases, for the embedded quick start."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from processes.models import ProcessInstance

from .master_data import seed_master_data
from .models import Department, Membership, Role
from .services import start_demo_case

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


DEMO_REGISTRATIONS = [
    # event id, name, scope, org body
    (
        "DEMO-REG-001",
        "广元市川味餐饮管理有限公司",
        "餐饮服务；预包装食品销售；会议服务；文化教育培训（不含学历教育）",
        "MA6D0001",
    ),
    ("DEMO-REG-002", "广元市康健口腔诊所有限公司", "口腔诊疗；医疗服务；药品零售", "MA6D0002"),
    ("DEMO-REG-003", "广元市云帆软件科技有限公司", "软件开发；信息技术咨询服务；数据处理服务", "MA6D0003"),
    ("DEMO-REG-004", "广元市安途物流有限公司", "道路货物运输（不含危险货物）；仓储服务", "MA6D0004"),
    ("DEMO-REG-005", "广元市星光娱乐有限公司", "歌舞娱乐活动；酒类零售；预包装食品销售", "MA6D0005"),
    ("DEMO-REG-006", "广元市悦来宾馆有限公司", "住宿服务；餐饮服务；会议服务", "MA6D0006"),
    ("DEMO-REG-007", "广元市明德职业技能培训学校有限公司", "职业技能培训；文化教育培训", "MA6D0007"),
    ("DEMO-REG-008", "广元市顺达汽车维修有限公司", "机动车维修；汽车零配件销售", "MA6D0008"),
    ("DEMO-REG-009", "广元市金穗农资有限公司", "农药零售；兽药经营；化肥销售", "MA6D0009"),
    (
        "DEMO-REG-010",
        "广元市百姓大药房连锁有限公司",
        "药品零售；第三类医疗器械经营；保健食品销售",
        "MA6D0010",
    ),
]


def seed_registrations() -> int:
    """双告知 demo: pushes matched to departments, and one in the claim pool."""
    from .credit_code import make_credit_code
    from .registrations import receive_registration

    registrar = get_user_model().objects.get(username="registrar")
    created = 0
    for event_id, name, scope, body in DEMO_REGISTRATIONS:
        _, new = receive_registration(
            event_id=event_id,
            credit_code=make_credit_code("9", "1", "510800", body),
            name=name,
            business_scope=scope,
            authority_code="SCJG",
            registered_on=timezone.localdate(),
            actor=registrar,
        )
        created += int(new)
    return created


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
