"""公示认领池: a registration no approval item matched waits in its area's pool, a pseudo
department ``POOL-<division>`` offered to every approval officer of that area."""

from __future__ import annotations

from collections.abc import Iterable

from casework.organization.models import APPROVING_KINDS, Role
from casework.workbench import names

PREFIX = "POOL-"


def code(division_code: str) -> str:
    """The claim pool of one administrative area."""
    return f"{PREFIX}{division_code}"


def division(candidate_department: str) -> str | None:
    """The area of a pool (None when the code is a real department)."""
    if candidate_department.startswith(PREFIX):
        return candidate_department.removeprefix(PREFIX)
    return None


def name(candidate_department: str) -> str | None:
    """What people read for a pool: POOL-510800 → 公示认领池（广元市） (None for a real department)."""
    area = division(candidate_department)
    return f"公示认领池（{names.area_name(area)}）" if area else None


def pool_posts(memberships: list[tuple[str, str, str, str]]) -> Iterable[tuple[str, str]]:
    """An approval officer also holds the officer post of their area's pool."""
    for _code, role, kind, division_code in memberships:
        if role == Role.OFFICER and kind in APPROVING_KINDS:
            yield (code(division_code), role)
