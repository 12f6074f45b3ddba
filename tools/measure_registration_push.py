"""Rough 双告知 lifecycle throughput: 100 registrations routed to two departments, each claimed
and fed back, in one process.

Run on a migrated, seeded database:  python manage.py shell < tools/measure_registration_push.py
"""

import statistics
import time
from datetime import date

from django.contrib.auth import get_user_model

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.services import SYSTEM, receive_registration
from casework.organization.models import Department, Membership, Role
from processes import engine
from processes.models import HumanTask

N = 100
User = get_user_model()
food_officer, _ = User.objects.get_or_create(username="m_sp")
Membership.objects.get_or_create(
    user=food_officer, department=Department.objects.get(code="510800-SP"), role=Role.OFFICER
)
officers = {"510800-SP": food_officer, "JYJ": User.objects.get(username="officer_jy")}


def work_open_tasks(instance, data: dict) -> None:
    for task in list(HumanTask.objects.filter(instance=instance, state="open")):
        user = officers[task.candidate_department]
        engine.claim_task(task_id=task.pk, user=user)
        engine.complete_task(task_id=task.pk, user=user, data=data)


started = time.perf_counter()
per_case: list[float] = []
for i in range(N):
    a = time.perf_counter()
    registration, _ = receive_registration(
        event_id=f"M-{i}",
        credit_code=make_credit_code("9", "1", "510800", f"MA7{i:05d}"),
        name=f"测量公司{i}",
        business_scope="餐饮服务；文化教育培训",
        authority_code="SCJG",
        registered_on=date(2025, 11, 3),
        actor=SYSTEM,
    )
    work_open_tasks(registration.instance, {"claim_decision": "claim"})
    work_open_tasks(registration.instance, {"permit_decision": "not_applied"})
    registration.instance.refresh_from_db()
    assert registration.instance.status == "completed", registration.instance.status
    per_case.append(time.perf_counter() - a)
total = time.perf_counter() - started
per_case.sort()
print(
    f"{N} 双告知 cases (2 departments, claim + feedback each), 1 process: {total:.1f}s = {N / total:.2f} cases/s; "
    f"median {statistics.median(per_case) * 1000:.0f} ms, p95 {per_case[int(N * 0.95)] * 1000:.0f} ms"
)
