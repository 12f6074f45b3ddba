"""双随机 demo: the 抽查事项清单 of 市场监管 and 卫健委, their 执法检查人员名录库 (the demo accounts
``inspector``, ``officer_wj``, ``officer_wj2``; one certificate about to expire; one 回避申报), the
demo directory's industries and risk classes plus a few more 广元 market entities, the first
directory refresh and the list-confirmation reminders. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.organization.models import Department, Membership, Role

from . import directories
from .models import DirectoryRefresh, InspectionItem, Inspector, InspectorConflict, Method

ITEMS = [
    # department, code, name, method, kinds, legal basis, checklist
    (
        "SCJG", "SCJG-GS-01", "企业公示信息抽查", Method.DOCUMENTS, ["enterprise", "cooperative"],
        "《企业信息公示暂行条例》第十四条：国务院工商行政管理部门和省、自治区、直辖市人民政府工商行政管理部门"
        "应当按照公平规范的要求，根据企业注册号等随机摇号，确定抽查的企业，组织对企业公示信息的情况进行检查。",
        ["年度报告是否按时公示", "公示的股东出资、资产状况等信息是否真实", "即时信息是否在形成之日起20个工作日内公示"],
    ),
    (
        "SCJG", "SCJG-SP-02", "食品经营许可事项检查", Method.ONSITE, [],
        "《中华人民共和国食品安全法》第一百一十条；《食品经营许可和备案管理办法》第四十二条",
        ["是否持有有效的食品经营许可证", "实际经营项目与许可项目是否一致", "经营场所、设施与许可时是否一致",
         "从业人员健康证明"],
    ),
    (
        "SCJG", "SCJG-DJ-03", "登记事项检查（住所、经营范围）", Method.ONSITE, [],
        "《中华人民共和国市场主体登记管理条例》第三十五条",
        ["登记住所（经营场所）能否联系", "实际经营是否超出登记的经营范围"],
    ),
    (
        "WJW", "WJW-GG-01", "公共场所卫生许可事项检查", Method.ONSITE, ["enterprise", "individual"],
        "《公共场所卫生管理条例》第四条、第十四条；《公共场所卫生管理条例实施细则》第二十二条",
        ["是否取得有效的公共场所卫生许可证", "从业人员健康合格证明", "顾客用品用具清洗消毒记录"],
    ),
    (
        "WJW", "WJW-YL-02", "医疗机构执业活动检查", Method.ONSITE, ["enterprise"],
        "《医疗机构管理条例》第四十条；《医疗机构管理条例实施细则》第七十一条",
        ["《医疗机构执业许可证》是否在有效期内并按期校验", "诊疗科目与许可是否一致", "卫生技术人员执业资格"],
    ),
]  # fmt: skip

INSPECTORS = [
    # username, department, certificate number, valid for (days from today), specialities
    ("inspector", "SCJG", "川市监执字51080012", 900, ["企业公示信息", "食品安全"]),
    ("officer_wj", "WJW", "川卫执字51080103", 700, ["医疗卫生", "公共场所卫生"]),
    ("officer_wj2", "WJW", "川卫执字51080117", 20, ["公共场所卫生"]),  # 30 日内到期
]

CONFLICT = ("officer_wj", "WJW", "MA6D0002", "配偶在该诊所任职")

# the demo registrations' enterprises (双告知 demo): industry and risk class
CLASSES = {
    "MA6D0001": ("H", "C"),
    "MA6D0002": ("Q", "C"),
    "MA6D0003": ("I", "A"),
    "MA6D0004": ("G", "B"),
    "MA6D0005": ("R", "D"),
    "MA6D0006": ("H", "B"),
    "MA6D0007": ("P", "B"),
    "MA6D0008": ("O", "B"),
    "MA6D0009": ("F", "C"),
    "MA6D0010": ("F", "D"),
}

MORE = [
    # org body / kind code, division, name, kind, industry, risk, status
    ("MA6D1001", "1", "510802", "广元市利州区蜀道酒家有限公司", "enterprise", "H", "C", "active"),
    ("MA6D1002", "1", "510802", "广元市嘉陵江建材有限公司", "enterprise", "F", "B", "active"),
    ("MA6D1003", "1", "510811", "广元市昭化古城文化旅游开发有限公司", "enterprise", "R", "A", "active"),
    ("MA6D1004", "1", "510812", "广元市朝天核桃食品有限公司", "enterprise", "C", "C", "active"),
    ("MA6D1005", "1", "510802", "广元市天成建筑工程有限公司", "enterprise", "E", "B", "active"),
    ("MA6D1006", "1", "510811", "广元市青川木耳种植有限公司", "enterprise", "A", "A", "active"),
    ("MA6D1007", "1", "510802", "广元市和美口腔门诊部有限公司", "enterprise", "Q", "D", "active"),
    ("MA6D1008", "1", "510812", "广元市曾家山旅馆有限公司", "enterprise", "H", "B", "cancelled"),
    ("MA6D2001", "2", "510802", "利州区王记小吃店", "individual", "H", "C", "active"),
    ("MA6D2002", "2", "510802", "利州区张氏理发店", "individual", "O", "B", "active"),
    ("MA6D2003", "2", "510811", "昭化区李家百货店", "individual", "F", "A", "active"),
    ("MA6D3001", "3", "510811", "广元市昭化区猕猴桃种植专业合作社", "cooperative", "A", "A", "active"),
]


def _items() -> int:
    made = 0
    for dept, code, name, method, kinds, basis, checklist in ITEMS:
        _, created = InspectionItem.objects.get_or_create(
            department=Department.objects.get(code=dept),
            code=code,
            defaults={
                "name": name,
                "method": method,
                "subject_kinds": kinds,
                "legal_basis": basis,
                "checklist": checklist,
            },
        )
        made += int(created)
    return made


def _inspectors() -> int:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[i[0] for i in INSPECTORS])}
    today = directories.today()
    made = 0
    for username, dept, number, days, specialities in INSPECTORS:
        if username not in users:
            continue
        _, created = Inspector.objects.get_or_create(
            user=users[username],
            department=Department.objects.get(code=dept),
            defaults={
                "certificate_number": number,
                "certificate_valid_until": today + timedelta(days=days),
                "specialities": specialities,
            },
        )
        made += int(created)
        # on the list = holding the department's inspector post (as directories.add_inspector grants)
        Membership.objects.get_or_create(
            user=users[username], department=Department.objects.get(code=dept), role=Role.INSPECTOR
        )
    username, dept, body, reason = CONFLICT
    inspector = Inspector.objects.filter(user__username=username, department__code=dept).first()
    if inspector is not None:
        _, created = InspectorConflict.objects.get_or_create(
            inspector=inspector,
            credit_code=make_credit_code("9", "1", "510800", body),
            withdrawn_at__isnull=True,
            defaults={"reason": reason},
        )
        made += int(created)
    return made


def _enterprises() -> int:
    for body, (industry, risk) in CLASSES.items():
        Enterprise.objects.filter(credit_code=make_credit_code("9", "1", "510800", body), industry="").update(
            industry=industry, risk_class=risk
        )
    registrar = Department.objects.filter(code="SCJG").first()
    made = 0
    for body, kind_code, division, name, kind, industry, risk, status in MORE:
        _, created = Enterprise.objects.get_or_create(
            credit_code=make_credit_code("9", kind_code, division, body),
            defaults={
                "name": name,
                "kind": kind,
                "division_code": division,
                "industry": industry,
                "risk_class": risk,
                "status": status,
                "registration_authority": registrar,
            },
        )
        made += int(created)
    return made


def seed_directories() -> int:
    made = _items() + _inspectors() + _enterprises()
    if not DirectoryRefresh.objects.exists():
        directories.refresh_directories()
    made += directories.start_due_reminders()
    return made
