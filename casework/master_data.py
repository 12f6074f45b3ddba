"""Seed master data: sectors, one province with two cities and their counties, the
departments of the Guangyuan list (seed 003), and a 后置审批事项目录 with scope keywords.

Idempotent: running it again updates names and keywords, never duplicates.
"""

from __future__ import annotations

from django.db import transaction

from .models import ApprovalItem, Department, Sector

SECTORS = [
    ("SCJG", "市场监管"),
    ("FGW", "发展改革"),
    ("JXW", "经济和信息化"),
    ("WJ", "卫生健康"),
    ("LY", "旅游"),
    ("JY", "教育"),
    ("KJ", "科技和知识产权"),
    ("GA", "公安"),
    ("MZ", "民政"),
    ("RS", "人力资源和社会保障"),
    ("GT", "国土资源"),
    ("HB", "环境保护"),
    ("ZJ", "住房和城乡建设"),
    ("JT", "交通运输"),
    ("SL", "水务"),
    ("NY", "农业"),
    ("LYY", "林业园林"),
    ("SW", "商务"),
    ("WH", "文化广电新闻出版"),
    ("SP", "食品药品监管"),
    ("TY", "体育"),
    ("AJ", "安全生产监管"),
    ("YC", "烟草专卖"),
    ("YZ", "邮政管理"),
    ("XF", "消防"),
    ("XN", "效能督查"),
]

# division code, name, level
DIVISIONS = [
    ("510000", "四川省", Department.Level.PROVINCE),
    ("510800", "广元市", Department.Level.CITY),
    ("510802", "利州区", Department.Level.COUNTY),
    ("510811", "昭化区", Department.Level.COUNTY),
    ("510824", "苍溪县", Department.Level.COUNTY),
    ("510700", "绵阳市", Department.Level.CITY),
    ("510703", "涪城区", Department.Level.COUNTY),
]

# Department names by sector at city level (广元市 list in seed 003); county and province
# names are derived.  The demo's historic short codes stay for 广元市.
CITY_NAMES = {
    "SCJG": "市场监督管理局",
    "FGW": "发展和改革委员会",
    "JXW": "经济和信息化委员会",
    "WJ": "卫生健康委员会",
    "LY": "旅游发展委员会",
    "JY": "教育局",
    "KJ": "科技和知识产权局",
    "GA": "公安局",
    "MZ": "民政局",
    "RS": "人力资源和社会保障局",
    "GT": "国土资源局",
    "HB": "环境保护局",
    "ZJ": "规划建设和住房局",
    "JT": "交通运输局",
    "SL": "水务局",
    "NY": "农业局",
    "LYY": "林业园林局",
    "SW": "商务局",
    "WH": "文化广电新闻出版局",
    "SP": "食品药品监督管理局",
    "TY": "体育局",
    "AJ": "安全生产监督管理局",
    "YC": "烟草专卖局",
    "YZ": "邮政管理局",
    "XF": "消防支队",
    "XN": "效能督查办公室",
}
LEGACY_CODES = {
    ("510800", "SCJG"): "SCJG",
    ("510800", "WJ"): "WJW",
    ("510800", "JY"): "JYJ",
    ("510800", "XN"): "XNDB",
}
COUNTY_SECTORS = ["SCJG", "WJ", "JY", "GA", "RS", "ZJ", "JT", "NY", "WH", "SP", "AJ", "XF", "XN"]
PROVINCE_SECTORS = ["SCJG", "WJ", "JY", "JT", "ZJ", "SP", "YC", "YZ", "XN"]
SMALL_CITY_SECTORS = ["SCJG", "WJ", "JY", "GA", "JT", "ZJ", "SP", "WH", "AJ", "YC", "XN"]

# code, name, sector, keywords (legal basis omitted for brevity where it is the item's own statute)
CATALOGUE = [
    (
        "SP-001",
        "食品经营许可",
        "SP",
        ["食品销售", "食品经营", "预包装食品", "散装食品", "餐饮服务", "保健食品销售"],
    ),
    ("SP-002", "药品经营许可", "SP", ["药品零售", "药品批发", "药品经营"]),
    ("SP-003", "第三类医疗器械经营许可", "SP", ["第三类医疗器械"]),
    ("WJ-001", "医疗机构执业许可", "WJ", ["医疗服务", "诊所", "门诊部", "医院", "口腔诊疗"]),
    ("WJ-002", "公共场所卫生许可", "WJ", ["住宿服务", "美容服务", "美发服务", "游泳", "沐浴服务"]),
    (
        "JY-001",
        "民办学校办学许可",
        "JY",
        ["学历教育", "文化教育培训", "非学历文化教育", "幼儿园", "职业技能培训"],
    ),
    ("RS-001", "人力资源服务许可", "RS", ["职业中介", "人力资源服务"]),
    ("RS-002", "劳务派遣经营许可", "RS", ["劳务派遣"]),
    ("JT-001", "道路运输经营许可", "JT", ["道路货物运输", "道路旅客运输", "普通货运", "危险货物运输"]),
    ("JT-002", "机动车维修经营备案", "JT", ["机动车维修", "汽车维修"]),
    ("ZJ-001", "建筑业企业资质", "ZJ", ["建筑工程施工", "房屋建筑工程", "市政公用工程施工"]),
    ("ZJ-002", "房地产开发企业资质", "ZJ", ["房地产开发"]),
    ("AJ-001", "危险化学品经营许可", "AJ", ["危险化学品"]),
    ("AJ-002", "烟花爆竹经营许可", "AJ", ["烟花爆竹"]),
    ("WH-001", "娱乐场所经营许可", "WH", ["歌舞娱乐", "游艺娱乐", "KTV"]),
    ("WH-002", "出版物经营许可", "WH", ["出版物零售", "出版物批发", "图书零售"]),
    ("WH-003", "互联网上网服务营业场所经营许可", "WH", ["互联网上网服务", "网吧"]),
    ("LY-001", "旅行社业务经营许可", "LY", ["旅行社", "旅游业务"]),
    ("YC-001", "烟草专卖零售许可", "YC", ["卷烟零售", "雪茄烟零售", "烟草制品零售"]),
    ("GA-001", "公章刻制业特种行业许可", "GA", ["公章刻制", "印章刻制"]),
    ("GA-002", "旅馆业特种行业许可", "GA", ["旅馆", "住宿服务"]),
    ("GA-003", "保安服务许可", "GA", ["保安服务"]),
    ("NY-001", "农药经营许可", "NY", ["农药经营", "农药零售"]),
    ("NY-002", "兽药经营许可", "NY", ["兽药经营", "兽药零售"]),
    ("NY-003", "农作物种子生产经营许可", "NY", ["种子生产", "种子经营", "农作物种子"]),
    ("XF-001", "公众聚集场所投入使用、营业前消防安全检查", "XF", ["歌舞娱乐", "电影放映", "公众聚集场所"]),
    ("YZ-001", "快递业务经营许可", "YZ", ["快递服务", "快递业务"]),
    ("MZ-001", "殡葬服务设施审批", "MZ", ["殡葬服务", "公墓"]),
    ("TY-001", "高危险性体育项目经营许可", "TY", ["游泳场馆", "攀岩", "滑雪", "潜水"]),
    ("SW-001", "拍卖业务许可", "SW", ["拍卖"]),
]


def _kind(sector: str) -> str:
    if sector == "SCJG":
        return Department.Kind.REGISTRAR
    if sector == "XN":
        return Department.Kind.SUPERVISION
    return Department.Kind.APPROVAL


def _sectors_for(division: str, level: str) -> list[str]:
    if level == Department.Level.PROVINCE:
        return PROVINCE_SECTORS
    if level == Department.Level.COUNTY:
        return COUNTY_SECTORS
    return list(CITY_NAMES) if division == "510800" else SMALL_CITY_SECTORS


def department_code(division: str, sector: str) -> str:
    return LEGACY_CODES.get((division, sector), f"{division}-{sector}")


@transaction.atomic
def seed_master_data() -> None:
    sectors = {}
    for code, name in SECTORS:
        sectors[code], _ = Sector.objects.update_or_create(code=code, defaults={"name": name})
    area_names = {code: name for code, name, _ in DIVISIONS}
    registrars: dict[str, Department] = {}
    by_area: dict[tuple[str, str], Department] = {}
    for division, area, level in DIVISIONS:
        parent_division = division[:2] + "0000" if level == Department.Level.CITY else division[:4] + "00"
        for sector in _sectors_for(division, level):
            suffix = CITY_NAMES[sector]
            if level == Department.Level.PROVINCE:
                suffix = {"WJ": "卫生健康委员会", "XN": "效能督查办公室"}.get(
                    sector, suffix.replace("支队", "总队")
                )
            if level == Department.Level.COUNTY and sector == "XF":
                suffix = "消防大队"
            department, _ = Department.objects.update_or_create(
                code=department_code(division, sector),
                defaults={
                    "name": f"{area}{suffix}"
                    if division != "510800" or sector not in ("WJ", "JY")
                    else suffix,
                    "kind": _kind(sector),
                    "division_code": division,
                    "level": level,
                    "sector": sectors[sector],
                    # The same sector one level up; a department without one reports to the registrar there.
                    "parent": by_area.get((parent_division, sector)) or registrars.get(parent_division),
                },
            )
            by_area[(division, sector)] = department
            if sector == "SCJG":
                registrars[division] = department
    # Keep the demo's short names for 广元市 卫健/教育 readable with the city prefix.
    Department.objects.filter(code="WJW").update(name=f"{area_names['510800']}卫生健康委员会")
    Department.objects.filter(code="JYJ").update(name=f"{area_names['510800']}教育局")
    for code, name, sector, keywords in CATALOGUE:
        ApprovalItem.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "sector": sectors[sector],
                "keywords": "\n".join(keywords),
                "is_active": True,
            },
        )
