"""Rough demo-process throughput: start, claim, complete 300 cases in one process.

Run on a migrated, seeded database:  python manage.py shell < tools/measure_demo_lifecycle.py
"""

import statistics
import time

from django.contrib.auth import get_user_model

from casework.lifecycles.demo.services import start_demo_case
from casework.organization.models import Department
from processes import engine
from processes.models import HumanTask

N = 300
users = {u.username: u for u in get_user_model().objects.all()}
wjw = Department.objects.get(code="WJW")
latency: dict[str, list[float]] = {"start": [], "claim": [], "complete": []}
started = time.perf_counter()
for i in range(N):
    a = time.perf_counter()
    instance = start_demo_case(actor=users["registrar"], title=f"测 {i}", department=wjw, deadline_workdays=5)
    b = time.perf_counter()
    task = HumanTask.objects.get(instance=instance)
    engine.claim_task(task_id=task.pk, user=users["officer_wj"])
    c = time.perf_counter()
    engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"opinion": "同意"})
    d = time.perf_counter()
    latency["start"].append(b - a)
    latency["claim"].append(c - b)
    latency["complete"].append(d - c)
total = time.perf_counter() - started
print(f"{N} demo cases start+claim+complete, 1 process: {total:.1f}s = {N / total:.1f} cases/s")
for step, values in latency.items():
    values.sort()
    p95 = values[int(len(values) * 0.95)]
    print(f"  {step:9s} median {statistics.median(values) * 1000:.1f} ms  p95 {p95 * 1000:.1f} ms")
