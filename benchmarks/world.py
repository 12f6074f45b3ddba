"""The benchmark world: master data, processes, officers for every approval department, and
registration payloads whose business scopes route to a known number of departments."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.models import ApprovalItem
from casework.lifecycles.registration_push.routing import route_business_scope
from casework.organization.master_data import seed_master_data
from casework.organization.models import Department, Membership, Role
from processes.deploy import load_bundled_processes

OFFICERS_PER_DEPARTMENT = 2
SUPERVISORS = 3
AREA = ("510800", "510802", "510811", "510824")  # 广元市 and three of its counties
AUTHORITY = "SCJG"
FILLER = ("企业管理咨询", "技术服务", "日用百货销售", "软件开发", "会议及展览服务")


@transaction.atomic
def build() -> None:
    """Master data, processes and accounts (idempotent)."""
    seed_master_data()
    load_bundled_processes()
    User = get_user_model()
    password = make_password("bench-only-not-a-login")
    departments = list(Department.objects.approving().order_by("code"))
    wanted = [
        (f"b_{d.code}_{i}", d, Role.OFFICER) for d in departments for i in range(OFFICERS_PER_DEPARTMENT)
    ]
    supervision = Department.objects.get(code="XNDB")
    wanted += [(f"b_sup_{i}", supervision, Role.SUPERVISOR) for i in range(SUPERVISORS)]
    registrar = Department.objects.get(code=AUTHORITY)
    wanted += [("b_registrar", registrar, Role.REGISTRAR)]
    existing = set(User.objects.filter(username__startswith="b_").values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(username=name, password=password, email=f"{name}@bench.invalid", first_name=name)
            for name, _, _ in wanted
            if name not in existing
        ]
    )
    users = dict(User.objects.filter(username__startswith="b_").values_list("username", "pk"))
    Membership.objects.bulk_create(
        [Membership(user_id=users[name], department=dept, role=role) for name, dept, role in wanted],
        ignore_conflicts=True,
    )


def warm() -> None:
    """Parse every active process and build the keyword automaton once, before workers fork
    (a running server has done this long before its first request)."""
    from casework.lifecycles.registration_push.routing import current_matcher
    from processes.models import ProcessVersion
    from processes.serialization import spec_for

    for version in ProcessVersion.objects.filter(is_active=True):
        spec_for(version)
    current_matcher()


def officer_for(department_code: str, n: int = 0):
    return get_user_model().objects.get(username=f"b_{department_code}_{n % OFFICERS_PER_DEPARTMENT}")


@dataclass(frozen=True)
class ScopeBook:
    """Business-scope keywords that route to exactly one department of the area, by department."""

    single: dict[str, dict[str, str]]  # division -> {department code: keyword}

    def scope(self, rng: random.Random, division: str, departments: int) -> tuple[str, list[str]]:
        book = self.single[division]
        codes = rng.sample(sorted(book), departments) if departments else []
        parts = [book[c] for c in codes] + [rng.choice(FILLER)]
        rng.shuffle(parts)
        return "；".join(parts), codes


def scope_book() -> ScopeBook:
    keywords = sorted(
        {kw for item in ApprovalItem.objects.filter(is_active=True) for kw in item.keyword_list}
    )
    single: dict[str, dict[str, str]] = {}
    for division in AREA:
        by_department: dict[str, str] = {}
        for keyword in keywords:
            routing = route_business_scope(business_scope=keyword, division_code=division)
            if len(routing.targets) == 1 and not routing.unrouted_sectors:
                # one keyword per department is enough; shorter keywords first (less overlap)
                code = routing.targets[0].department_code
                if code not in by_department or len(keyword) < len(by_department[code]):
                    by_department[code] = keyword
        single[division] = by_department
    return ScopeBook(single)


def registration(i: int, *, tag: str, scope: str, division: str = "510800") -> dict:
    """Keyword arguments of receive_registration for the ``i``-th benchmark registration."""
    body = f"{i:08d}"
    return {
        "event_id": f"BENCH-{tag}-{i}",
        "credit_code": make_credit_code("9", "1", division, body),
        "name": f"基准测试{tag}商贸有限公司{i}",
        "business_scope": scope,
        "authority_code": AUTHORITY,
        "division_code": division,
        "registered_on": date(2026, 10, 9),
        "legal_representative": "张三",
        "address": "四川省广元市利州区测试路1号",
    }
