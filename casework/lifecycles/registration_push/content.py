"""What a registration says, and whether a repeated push of its event id says the same.

The first push keeps a fingerprint: one short digest per normalized field, so a repeat can be
told apart field by field without a second copy of the enterprise's particulars.
"""

from __future__ import annotations

import hashlib

from casework.directory.credit_code import normalize

from .models import Registration

# The fields, as the REST body names them, with the labels a conflict message shows.
LABELS = {
    "credit_code": "统一社会信用代码",
    "name": "名称",
    "business_scope": "经营范围",
    "registration_authority": "登记机关",
    "division_code": "行政区划代码",
    "registered_on": "登记日期",
    "legal_representative": "法定代表人",
    "address": "住所",
    "registration_number": "注册号",
}

# Optional facts a repeat may leave blank: as in the directory, a blank states nothing.
UNSTATED_WHEN_BLANK = frozenset({"legal_representative", "address", "registration_number"})


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _content(item: dict, division: str) -> dict[str, str]:
    """A push normalized as it is stored: trimmed text, the directory's credit code, its area."""

    def text(key: str) -> str:
        return (item.get(key) or "").strip()

    return {
        "credit_code": normalize(item["credit_code"]),
        "name": text("name"),
        "business_scope": text("business_scope"),
        "registration_authority": item["authority_code"],
        "division_code": division,
        "registered_on": item["registered_on"].isoformat(),
        "legal_representative": text("legal_representative"),
        "address": text("address"),
        "registration_number": normalize(item.get("registration_number") or ""),
    }


def fingerprint(item: dict, division: str) -> dict[str, str]:
    """What the registration keeps of a push it was made from (``division``: the area it falls in)."""
    return {field: _digest(value) for field, value in _content(item, division).items()}


def _recorded(registration: Registration) -> dict[str, str]:
    """The first push's fingerprint; for one received before it was kept, what its row holds."""
    if registration.fingerprint:
        return registration.fingerprint
    kept = {
        "credit_code": registration.enterprise.credit_code,
        "business_scope": registration.business_scope.strip(),
        "registration_authority": registration.registration_authority.code,
        "division_code": registration.division_code,
        "registered_on": registration.registered_on.isoformat(),
    }
    return {field: _digest(value) for field, value in kept.items()}


def differing_fields(registration: Registration, item: dict, division: str) -> list[str]:
    """The fields in which a repeated push states something other than the registration's first."""
    given = _content(item, division)
    return [
        field
        for field, digest in _recorded(registration).items()
        if (given[field] or field not in UNSTATED_WHEN_BLANK) and _digest(given[field]) != digest
    ]
