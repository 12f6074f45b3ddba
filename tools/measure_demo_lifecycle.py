"""Rough demo-process throughput: start, claim, complete 300 cases (one process).

Run on a seeded database:  python manage.py shell < tools/measure_demo_lifecycle.py
"""

import statistics
import time

from django.contrib.auth import get_user_model

from casework.models import Department
from casework.services import start_demo_case
from processes import engine
from processes.models import HumanTask

U = {u.username: u for u in get_user_model().objects.all()}
wjw = Department.objects.get(code="WJW")
N = 300
lat = {"start": [], "claim": [], "complete": []}
t0 = time.perf_counter()
for i in range(N):
    a = time.perf_counter()
    inst = start_demo_case(actor=U["registrar"], title=f"测 {i}", department=wjw, deadline_workdays=5)
    b = time.perf_counter()
    task = HumanTask.objects.get(instance=inst)
    engine.claim_task(task_id=task.pk, user=U["officer_wj"])
    c = time.perf_counter()
    engine.complete_task(task_id=task.pk, user=U["officer_wj"], data={"opinion": "同意"})
    d = time.perf_counter()
    lat["start"].append(b - a)
    lat["claim"].append(c - b)
    lat["complete"].append(d - c)
total = time.perf_counter() - t0
print(f"{N} demo cases start+claim+complete, 1 process, PostgreSQL: {total:.1f}s = {N / total:.1f} cases/s")
for k, v in lat.items():
    v = sorted(v)
    print(f"  {k:9s} median {statistics.median(v) * 1000:.1f} ms  p95 {v[int(len(v) * 0.95)] * 1000:.1f} ms")
