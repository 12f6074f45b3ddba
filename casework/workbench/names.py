"""Names for the codes people would otherwise read: processes, departments, sectors and
administrative areas, from small lookup tables cached for a minute (inbox rows show them
without per-row joins).

A code that is no department of the table may still name something a lifecycle keeps (the
公示认领池 ``POOL-510800`` of 双告知): lifecycles register a provider of such names with
``register_department_name_provider``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from casework.organization.models import Department, Division, Sector
from processes.models import ProcessDefinition

_TTL = 60.0
_cache: dict[str, tuple[float, dict]] = {}

#: code -> the name of something a lifecycle offers tasks to, or None when it is not theirs
DepartmentNameProvider = Callable[[str], "str | None"]
_department_name_providers: list[DepartmentNameProvider] = []

LEVEL_ORDER: dict[str, int] = {
    Department.Level.PROVINCE: 0,
    Department.Level.CITY: 1,
    Department.Level.COUNTY: 2,
}


def register_department_name_provider(provider: DepartmentNameProvider) -> DepartmentNameProvider:
    if provider not in _department_name_providers:
        _department_name_providers.append(provider)
    return provider


def _table(name: str, load: Callable[[], dict]) -> dict:
    stamp, table = _cache.get(name, (0.0, {}))
    if time.monotonic() - stamp > _TTL:
        table = load()
        _cache[name] = (time.monotonic(), table)
    return table


def forget() -> None:
    """Drop the cached tables (after master data changed, and between tests)."""
    _cache.clear()


def process_name(key: str) -> str:
    """流程名称 for a case type key, e.g. demo_claim → 部门认领办理（演示）."""
    names = _table("processes", lambda: dict(ProcessDefinition.objects.values_list("key", "name")))
    return names.get(key, key)


def department_name(code: str) -> str:
    """部门名称 for a department code (WJW → 广元市卫生健康委员会), or the name a lifecycle gives
    the code (POOL-510800 → 公示认领池（广元市）); the code itself when nobody knows it."""
    names = _table("departments", lambda: dict(Department.objects.values_list("code", "name")))
    if code in names:
        return names[code]
    for provider in _department_name_providers:
        if name := provider(code):
            return name
    return code


def sector_name(code: str) -> str:
    """职能类别名称: WJ → 卫生健康."""
    names = _table("sectors", lambda: dict(Sector.objects.values_list("code", "name")))
    return names.get(code, code)


def _areas() -> dict[str, tuple[str, str, str | None]]:
    """code -> (name, level, parent code)."""
    return _table(
        "areas",
        lambda: {
            code: (name, level, parent)
            for code, name, level, parent in Division.objects.values_list(
                "code", "name", "level", "parent__code"
            )
        },
    )


def area_name(code: str) -> str:
    """行政区划名称 as people say it: 510000 → 四川省, 510800 → 广元市, 510802 → 广元市利州区."""
    areas = _areas()
    if code not in areas:
        return code
    name, level, parent = areas[code]
    if level == Department.Level.COUNTY and parent in areas:
        return areas[parent][0] + name
    return name


def area_level(code: str) -> int:
    """0 province, 1 city, 2 county (3 unknown): sorts areas top-down."""
    area = _areas().get(code)
    return LEVEL_ORDER.get(area[1], 3) if area else 3


def process_choices() -> list[tuple[str, str]]:
    """(key, name) of every process, by name: the inbox's 流程 filter."""
    return list(ProcessDefinition.objects.order_by("name").values_list("key", "name"))


def area_codes() -> list[str]:
    """The administrative areas departments work in: the inbox's 行政区划 filter."""
    return list(
        Department.objects.exclude(division_code="")
        .order_by("division_code")
        .values_list("division_code", flat=True)
        .distinct()
    )


def area_choices() -> list[tuple[str, str]]:
    """(code, name) of the areas departments work in, each city followed by its counties."""
    return [(code, area_name(code)) for code in area_codes()]
