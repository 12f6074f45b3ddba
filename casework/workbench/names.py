"""Names for the codes people would otherwise read: processes and departments, from small
lookup tables cached for a minute (inbox rows show them without per-row joins)."""

from __future__ import annotations

import time
from collections.abc import Callable

from casework.organization.models import Department
from processes.models import ProcessDefinition

_TTL = 60.0
_cache: dict[str, tuple[float, dict[str, str]]] = {}


def _table(name: str, load: Callable[[], dict[str, str]]) -> dict[str, str]:
    stamp, table = _cache.get(name, (0.0, {}))
    if time.monotonic() - stamp > _TTL:
        table = load()
        _cache[name] = (time.monotonic(), table)
    return table


def process_name(key: str) -> str:
    """流程名称 for a case type key, e.g. demo_claim → 部门认领办理（演示）."""
    names = _table("processes", lambda: dict(ProcessDefinition.objects.values_list("key", "name")))
    return names.get(key, key)


def department_name(code: str) -> str:
    names = _table("departments", lambda: dict(Department.objects.values_list("code", "name")))
    return names.get(code, code)


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
