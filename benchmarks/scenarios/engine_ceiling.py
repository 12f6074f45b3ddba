"""Scenario 2(b): the engine ceiling — the same BPMN run by SpiffWorkflow in memory.

Five steps per case like (a): start, claim, complete 认领或退回, claim, complete 许可审批反馈;
the workflow is serialized to JSON and restored at every step (as a database round trip
would), but nothing is stored.
"""

from __future__ import annotations

from django.utils import timezone
from SpiffWorkflow.util.task import TaskState

from casework.lifecycles.registration_push import pool
from processes.models import ProcessDefinition
from processes.serialization import dumps, loads, new_workflow, spec_for

from ..report import Row
from ..runner import run_parallel

DATA = {
    "registration_id": 0,
    "targets": ["510800-SP"],
    "registrar_department": "SCJG",
    "pool_department": pool.code("510800"),
    "claim_workdays": 5,
    "followup_workdays": 20,
    "pool_workdays": 5,
}


def _setup(_index: int) -> dict:
    version = ProcessDefinition.objects.get(key="registration_push").active_version
    spec_for(version)
    return {"version": version}


def run_case(context: dict, _item) -> None:
    version = context["version"]
    wf = new_workflow(version, {**DATA, "received_at": timezone.now()})
    wf.do_engine_steps()
    state = dumps(wf)
    for data in ({"claim_decision": "claim"}, {"permit_decision": "not_applied"}):
        state = dumps(loads(version, state))  # 认领: the claim is a step of its own
        wf = loads(version, state)
        (task,) = wf.get_tasks(state=TaskState.READY, manual=True)
        task.set_data(**data)
        task.run()
        wf.do_engine_steps()
        wf.get_events()
        state = dumps(wf)
    assert loads(version, state).completed


def run(*, n: int, workers: int) -> tuple[list[Row], float]:
    outcome = run_parallel(list(range(n)), run_case, workers=workers, setup_fn=_setup)
    if outcome.errors:
        print(f"[2b] {len(outcome.errors)} errors, first:\n{outcome.errors[0]}")
    rate = outcome.rate
    return [Row("2b 引擎上限 in-memory", f"throughput, {workers} processes", rate, "cases/s")], rate
