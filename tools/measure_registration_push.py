"""Rough 双告知 lifecycle throughput (until the benchmark command of issue 4 exists).

Run on a seeded database:  python manage.py shell < tools/measure_registration_push.py
"""

import statistics
import time
from datetime import date

from django.contrib.auth import get_user_model

from casework.credit_code import make_credit_code
from casework.models import Department, Membership, Role
from casework.registrations import receive_registration
from processes import engine
from processes.models import HumanTask

U = get_user_model()
sp, _ = U.objects.get_or_create(username="m_sp")
Membership.objects.get_or_create(
    user=sp, department=Department.objects.get(code="510800-SP"), role=Role.OFFICER
)
jy = U.objects.get(username="officer_jy")
who = {"510800-SP": sp, "JYJ": jy}
N = 100
t0 = time.perf_counter()
per = []
for i in range(N):
    a = time.perf_counter()
    reg, _ = receive_registration(
        event_id=f"M-{i}",
        credit_code=make_credit_code("9", "1", "510800", f"MA7{i:05d}"),
        name=f"测量公司{i}",
        business_scope="餐饮服务；文化教育培训",
        authority_code="SCJG",
        registered_on=date(2025, 11, 3),
    )
    for t in list(HumanTask.objects.filter(instance=reg.instance, state="open")):
        u = who[t.candidate_department]
        engine.claim_task(task_id=t.pk, user=u)
        engine.complete_task(task_id=t.pk, user=u, data={"claim_decision": "claim"})
    for t in list(HumanTask.objects.filter(instance=reg.instance, state="open")):
        u = who[t.candidate_department]
        engine.claim_task(task_id=t.pk, user=u)
        engine.complete_task(task_id=t.pk, user=u, data={"permit_decision": "not_applied"})
    reg.instance.refresh_from_db()
    assert reg.instance.status == "completed", reg.instance.status
    per.append(time.perf_counter() - a)
total = time.perf_counter() - t0
per.sort()
print(
    f"{N} 双告知 cases (2 departments, claim + feedback each, 9 engine calls), 1 process, PostgreSQL: {total:.1f}s = {N / total:.2f} cases/s; per case median {statistics.median(per) * 1000:.0f} ms, p95 {per[int(N * 0.95)] * 1000:.0f} ms"
)
