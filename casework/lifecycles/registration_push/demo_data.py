"""双告知 demo: registrations pushed by the demo registrar (matched ones and one for the pool)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from casework.directory.credit_code import make_credit_code

from .services import receive_registration

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
