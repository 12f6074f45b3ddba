"""Labels for codes shown in inbox rows, from small cached lookup tables (no per-row joins)."""

import time

from django import template

from casework.models import Department, Role
from processes.models import ProcessDefinition

register = template.Library()

_TTL = 60.0
_cache: dict[str, tuple[float, dict[str, str]]] = {}


def _table(name: str, load) -> dict[str, str]:
    stamp, table = _cache.get(name, (0.0, {}))
    if time.monotonic() - stamp > _TTL:
        table = load()
        _cache[name] = (time.monotonic(), table)
    return table


@register.filter
def case_type_name(key: str) -> str:
    """流程名称 for a case type key, e.g. demo_claim → 部门认领办理（演示）."""
    names = _table("processes", lambda: dict(ProcessDefinition.objects.values_list("key", "name")))
    return names.get(key, key)


@register.filter
def department_name(code: str) -> str:
    names = _table("departments", lambda: dict(Department.objects.values_list("code", "name")))
    return names.get(code, code)


@register.filter
def role_name(code: str) -> str:
    return Role(code).label if code in Role.values else code
