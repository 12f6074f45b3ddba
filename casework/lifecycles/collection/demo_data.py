"""归集公示 demo: records of the demo enterprises — published permits and penalties (with personal data
the portal masks), an abnormal-list entry, one awaiting 保密审查 and one returned for 补正; and records
about enterprises registered outside 四川省 (重庆市, 陕西省) waiting for 外地主体信息交换."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from casework.directory.credit_code import make_credit_code
from casework.organization.models import Department

from .models import CollectedRecord
from .services import submit_record

ID = "510802198803150014"  # a made-up 居民身份证号码 (valid check digit): the portal shows it masked


def _code(body: str, division: str = "510800") -> str:
    return make_credit_code("9", "1", division, body)


DEMO_RECORDS: list[tuple[str, str, str, str, str, dict[str, str], dict[str, bool]]] = [
    # provider, user, type, body, name, values, flags (sensitive)
    (
        "WJW", "officer_wj", "permit", "MA6D0002", "广元市康健口腔诊所有限公司",
        {
            "permit_number": "广卫医证〔2026〕0231号", "permit_name": "医疗机构执业许可证",
            "decision_date": "2026-11-26", "valid_from": "2026-11-26", "valid_to": "2031-11-25",
            "permit_authority": "广元市卫生健康委员会", "permit_content": "诊疗科目：口腔科；联系电话 13981234567",
            "legal_representative": "王建国", "legal_representative_id": ID,
        },
        {},
    ),
    (
        "WJW", "officer_wj", "penalty", "MA6D0010", "广元市百姓大药房连锁有限公司",
        {
            "penalty_number": "广卫罚〔2026〕45号", "violation_type": "未按规定开展消毒管理",
            "procedure": "ordinary", "penalty_kind": "fine", "penalty_content": "警告并处罚款5000元",
            "fine_amount": "5000", "publication_class": "general", "decision_authority": "广元市卫生健康委员会",
            "decision_date": "2026-11-18", "legal_representative": "李秀英",
        },
        {},
    ),
    (
        "JYJ", "officer_jy", "permit", "MA6D0007", "广元市明德职业技能培训学校有限公司",
        {
            "permit_number": "教民151080020260018号", "permit_name": "民办学校办学许可证",
            "decision_date": "2026-11-25", "valid_from": "2026-11-25", "valid_to": "2030-11-24",
            "permit_authority": "广元市教育局", "permit_content": "职业技能培训（非学历）",
        },
        {},
    ),
    (
        "WJW", "officer_wj", "permit", "MA6D0006", "广元市悦来宾馆有限公司",
        {
            "permit_number": "广卫公证〔2026〕0577号", "permit_name": "公共场所卫生许可证",
            "decision_date": "2026-11-27", "valid_from": "2026-11-27", "valid_to": "2030-11-26",
            "permit_authority": "广元市卫生健康委员会", "permit_content": "住宿、沐浴",
        },
        {"sensitive": True},
    ),
    (
        "WJW", "officer_wj", "permit", "MA6D0001", "广元市川味餐饮管理有限公司",
        {
            "permit_number": "广卫公证〔2026〕0601号", "permit_name": "",
            "decision_date": "2026-11-30", "valid_from": "2026-11-30",
            "permit_authority": "广元市卫生健康委员会", "permit_content": "餐饮服务场所卫生",
        },
        {},
    ),
]  # fmt: skip


# Registered elsewhere (登记管理机关行政区划码 500103 重庆市渝中区, 610113 西安市雁塔区): not published
# here, they wait on the 外地主体信息交换 list of 市场监管.
OUTBOUND_RECORDS: list[tuple[str, str, str, str, str, str, dict[str, str], dict[str, bool]]] = [
    (
        "WJW", "officer_wj", "permit", "500103", "MA6D0101", "重庆山城医药连锁有限公司",
        {
            "permit_number": "广卫公证〔2026〕0612号", "permit_name": "公共场所卫生许可证",
            "decision_date": "2026-11-24", "valid_from": "2026-11-24", "valid_to": "2030-11-23",
            "permit_authority": "广元市卫生健康委员会", "permit_content": "广元分店：住宿",
        },
        {},
    ),
    (
        "WJW", "officer_wj", "penalty", "500103", "MA6D0102", "重庆渝味餐饮管理有限公司",
        {
            "penalty_number": "广卫罚〔2026〕51号", "violation_type": "未取得健康合格证明从事直接为顾客服务的工作",
            "procedure": "ordinary", "penalty_kind": "fine", "penalty_content": "警告并处罚款2000元",
            "fine_amount": "2000", "publication_class": "general", "decision_authority": "广元市卫生健康委员会",
            "decision_date": "2026-11-20", "legal_representative": "周国强",
        },
        {},
    ),
    (
        "JYJ", "officer_jy", "permit", "610113", "MA6D0103", "西安博学教育科技有限公司",
        {
            "permit_number": "教民151080020260021号", "permit_name": "民办学校办学许可证",
            "decision_date": "2026-11-21", "valid_from": "2026-11-21", "valid_to": "2030-11-20",
            "permit_authority": "广元市教育局", "permit_content": "文化教育培训（非学历）",
        },
        {},
    ),
]  # fmt: skip


def seed_records() -> int:
    """Submit the demo records (idempotent: the same record again is unchanged)."""
    rows = [(p, u, t, "510800", b, n, v, f) for p, u, t, b, n, v, f in DEMO_RECORDS] + OUTBOUND_RECORDS
    users = {u.username: u for u in get_user_model().objects.filter(username__in={r[1] for r in rows})}
    created = 0
    for provider, username, record_type, division, body, name, values, flags in rows:
        if CollectedRecord.objects.filter(
            provider__code=provider, document_number=next(iter(values.values()))
        ).exists():
            continue
        submit_record(
            provider=Department.objects.get(code=provider),
            record_type=record_type,
            credit_code=_code(body, division),
            enterprise_name=name,
            values={k: v for k, v in values.items() if v},
            actor=users.get(username),
            sensitive=bool(flags.get("sensitive")),
        )
        created += 1
    return created
