"""The enterprise directory (名录库): register and look up 市场主体 by 统一社会信用代码.

The registrar's directory is the authority.  Some early pilot codes are legal although their
check characters fail: a code the registrar pushes is accepted and flagged when only the check
characters disagree (the registrar's push confirms it first: ``pilot_code_problems`` says which
codes need that); a failing code typed by anyone else is accepted only if the directory already
holds it.
"""

from __future__ import annotations

from django.db import transaction

from casework.errors import DomainError
from casework.organization.models import Department
from processes.audit import record

from .credit_code import check_credit_code, check_registration_number
from .models import Enterprise

KINDS_BY_CODE = {
    "1": Enterprise.Kind.ENTERPRISE,
    "2": Enterprise.Kind.INDIVIDUAL,
    "3": Enterprise.Kind.COOPERATIVE,
}


class InvalidEnterprise(DomainError):
    code = "invalid_enterprise"


def _code_error(problems) -> InvalidEnterprise:
    messages = [p.message for p in problems]
    return InvalidEnterprise(f"统一社会信用代码有误：{messages[0]}", details={"credit_code": messages})


def pilot_code_problems(credit_code: str) -> list[str]:
    """Why a well-formed code would be taken only as an early pilot code: its check characters
    disagree.  Empty for a valid code, and for one refused outright (wrong length, characters…)."""
    check = check_credit_code(credit_code)
    if check.ok or not check.structural_ok:
        return []
    return [p.message for p in check.problems]


def resolve_credit_code(value: str) -> Enterprise:
    """The directory entry for a code typed by an officer or the public (strict check)."""
    check = check_credit_code(value)
    existing = Enterprise.objects.filter(credit_code=check.code).first()
    if existing is not None:
        return existing
    if not check.ok:
        raise _code_error(check.problems)
    raise InvalidEnterprise(
        "名录库中没有该统一社会信用代码对应的市场主体", details={"credit_code": ["未找到"]}
    )


@transaction.atomic
def register_enterprise(
    *,
    credit_code: str,
    name: str,
    registration_authority: Department,
    actor=None,
    from_registrar: bool = True,
    registration_number: str = "",
    legal_representative: str = "",
    address: str = "",
    business_scope: str = "",
    established_on=None,
) -> Enterprise:
    """Create or update a directory entry (登记机关推送 when ``from_registrar``)."""
    check = check_credit_code(credit_code)
    warning = ""
    if not check.ok:
        known = Enterprise.objects.filter(credit_code=check.code).exists()
        if not (check.structural_ok and (from_registrar or known)):
            raise _code_error(check.problems)
        warning = "；".join(p.message for p in check.problems)[:200]
    if registration_number:
        legacy = check_registration_number(registration_number)
        if not legacy.structural_ok:
            messages = [p.message for p in legacy.problems]
            raise InvalidEnterprise(f"注册号有误：{messages[0]}", details={"registration_number": messages})
        registration_number = legacy.code
    if not name.strip():
        raise InvalidEnterprise("缺少市场主体名称", details={"name": ["必填"]})
    kind = (
        KINDS_BY_CODE.get(check.code[1], Enterprise.Kind.ENTERPRISE)
        if check.code[0] == "9"
        else Enterprise.Kind.ENTERPRISE
    )
    given = {
        "registration_number": registration_number,
        "legal_representative": legal_representative,
        "address": address,
        "business_scope": business_scope,
        "established_on": established_on,
    }
    enterprise, created = Enterprise.objects.update_or_create(
        credit_code=check.code,
        defaults={
            "credit_code_warning": warning,
            "name": name.strip(),
            "kind": kind,
            "registration_authority": registration_authority,
            "division_code": registration_authority.division_code,
            # Optional facts only when given: a later push never blanks what the directory holds.
            **{field: value for field, value in given.items() if value not in ("", None)},
        },
    )
    record(
        "enterprise_registered" if created else "enterprise_updated",
        actor=actor,
        credit_code=enterprise.credit_code,
        name=enterprise.name,
        warning=warning,
    )
    return enterprise
