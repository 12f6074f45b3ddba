"""Seed master data: sectors, the administrative areas (one province with two cities and their
counties), the departments of the Guangyuan list (seed 003), then what lifecycles register
(the 后置审批事项目录 with scope keywords).

Idempotent: running it again updates names and keywords, never duplicates.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from .models import Department, Division, Sector

# Seeders of master data kept by lifecycles (the 后置审批事项目录), run after departments.
_seeders: list[Callable[[dict[str, Sector]], None]] = []


def register_master_data(seed: Callable[[dict[str, Sector]], None]) -> None:
    """``seed(sectors by code)`` runs inside ``seed_master_data()``, idempotently."""
    if seed not in _seeders:
        _seeders.append(seed)


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


def _parent_division(division: str, level: str) -> str | None:
    if level == Department.Level.PROVINCE:
        return None
    return division[:2] + "0000" if level == Department.Level.CITY else division[:4] + "00"


def seed_divisions() -> None:
    """The areas of ``DIVISIONS`` with their superior area (province before its cities)."""
    seeded: dict[str, Division] = {}
    for code, name, level in DIVISIONS:
        parent_code = _parent_division(code, level)
        seeded[code], _ = Division.objects.update_or_create(
            code=code,
            defaults={"name": name, "level": level, "parent": seeded.get(parent_code or "")},
        )


def department_code(division: str, sector: str) -> str:
    return LEGACY_CODES.get((division, sector), f"{division}-{sector}")


@transaction.atomic
def seed_master_data() -> None:
    from casework.clocks.services import seed_rules  # the legal clocks the seeds define

    seed_rules()
    sectors = {}
    for code, name in SECTORS:
        sectors[code], _ = Sector.objects.update_or_create(code=code, defaults={"name": name})
    area_names = {code: name for code, name, _ in DIVISIONS}
    seed_divisions()
    registrars: dict[str, Department] = {}
    by_area: dict[tuple[str, str], Department] = {}
    for division, area, level in DIVISIONS:
        parent_division = _parent_division(division, level) or ""
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
    for seed in _seeders:
        seed(sectors)
