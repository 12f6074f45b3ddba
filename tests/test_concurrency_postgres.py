"""Real concurrency on PostgreSQL: row locks, conditional updates, SKIP LOCKED sweeps.

These need a server that runs transactions in parallel; SQLite serialises writers, so the
file runs only when DATABASE_URL points at PostgreSQL (CI runs it there).
"""

import threading
from functools import partial

import pytest
import time_machine
from django.db import connection

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.lifecycles.registration_push.models import Registration
from casework.lifecycles.supervision.models import Escalation
from processes import engine
from processes.errors import TaskAlreadyClaimed
from processes.models import HumanTask, ProcessInstance
from processes.serialization import loads

from .conftest import deploy_test_bpmn, is_postgres, local

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL (set DATABASE_URL); CI runs it"),
]


def run_together(*jobs):
    """Start every job at the same moment in its own thread (own DB connection)."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def runner(i, job):
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", job())
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread met
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_officers_claiming_at_once_exactly_one_wins(start_case, users):
    for _ in range(10):
        task = HumanTask.objects.get(instance=start_case())
        results = run_together(
            partial(engine.claim_task, task_id=task.pk, user=users["officer_wj"]),
            partial(engine.claim_task, task_id=task.pk, user=users["officer_wj2"]),
        )
        outcomes = sorted(kind for kind, _ in results)
        assert outcomes == ["error", "ok"]
        error = next(value for kind, value in results if kind == "error")
        assert isinstance(error, TaskAlreadyClaimed) and "已被他人认领" in error.message
        task.refresh_from_db()
        winner = next(value for kind, value in results if kind == "ok")
        assert task.assignee_id == winner.assignee_id


def test_parallel_completions_on_one_case_lose_no_update(users):
    deploy_test_bpmn("engine_parallel.bpmn")
    for round_no in range(5):
        instance = engine.start_process(key="engine_parallel", data={"round": round_no})
        a, b = HumanTask.objects.filter(instance=instance).order_by("bpmn_id")
        engine.claim_task(task_id=a.pk, user=users["officer_wj"])
        engine.claim_task(task_id=b.pk, user=users["officer_wj2"])

        results = run_together(
            partial(engine.complete_task, task_id=a.pk, user=users["officer_wj"], data={"opinion_a": "同意"}),
            partial(
                engine.complete_task,
                task_id=b.pk,
                user=users["officer_wj2"],
                data={"opinion_b": "附条件同意"},
            ),
        )

        assert [kind for kind, _ in results] == ["ok", "ok"], results
        instance.refresh_from_db()
        assert instance.status == ProcessInstance.Status.COMPLETED
        assert instance.version == 4  # created, first run, then one save per completion: none lost
        data = loads(instance.process_version, instance.state).last_task.data
        assert (data["opinion_a"], data["opinion_b"], data["round"]) == ("同意", "附条件同意", round_no)


def test_concurrent_sweeps_fire_each_timer_exactly_once(start_case):
    with time_machine.travel(local(2025, 9, 1, 10, 0), tick=False):
        cases = [start_case(deadline_workdays=1, title=f"并发事项{i}") for i in range(12)]

    results = run_together(engine.fire_due_timers, engine.fire_due_timers, engine.fire_due_timers)

    assert all(kind == "ok" for kind, _ in results), results
    assert sum(value for _, value in results) == len(cases)
    assert Escalation.objects.count() == len(cases)
    assert ProcessInstance.objects.filter(case_type="efficiency_supervision").count() == len(cases)
    assert engine.fire_due_timers() == 0


def test_case_data_round_trips_through_postgres_text_column(start_case, users):
    """jsonb would re-sort keys and SpiffWorkflow would silently lose task data."""
    instance = start_case(title="PG 往返")
    task = HumanTask.objects.get(instance=instance)
    engine.claim_task(task_id=task.pk, user=users["officer_wj"])
    engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"opinion": "意见"})

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = %s AND column_name = 'state'",
            [ProcessInstance._meta.db_table],
        )
        assert cursor.fetchone()[0] == "text"
    instance.refresh_from_db()
    data = loads(instance.process_version, instance.state).last_task.data
    assert {"department", "deadline_workdays", "received_at", "title", "opinion"} <= set(data)
    assert data["opinion"] == "意见" and data["title"] == "PG 往返"


def _pushes_meet_after_their_look_up(monkeypatch):
    """Both pushes read "event id not seen" before either inserts: the race the unique index settles."""
    from casework.lifecycles.registration_push import services as registrations

    both_looked = threading.Barrier(2)

    class LookupsThenWait(registrations.Lookups):
        def __init__(self, items):
            super().__init__(items)
            both_looked.wait(timeout=10)

    monkeypatch.setattr(registrations, "Lookups", LookupsThenWait)


def _registration(**changes) -> dict:
    return {
        "event_id": "RACE-1",
        "credit_code": make_credit_code("9", "1", "510800", "MA6R0001"),
        "name": "广元市并发餐饮有限公司",
        "business_scope": "餐饮服务",
        "authority_code": "SCJG",
        "registered_on": local(2025, 11, 3, 9, 0).date(),
        **changes,
    }


def test_two_pushes_of_one_event_at_once_both_answer_with_the_one_registration(users, monkeypatch):
    from casework.lifecycles.registration_push.services import receive_registration

    _pushes_meet_after_their_look_up(monkeypatch)
    push = partial(receive_registration, **_registration(), actor=users["registrar"])

    results = run_together(push, push)

    assert [kind for kind, _ in results] == ["ok", "ok"], results
    (first, first_created), (second, second_created) = (value for _, value in results)
    assert first == second == Registration.objects.get()
    assert sorted([first_created, second_created]) == [False, True]  # the loser met the unique index
    assert ProcessInstance.objects.filter(case_type="registration_push").count() == 1
    assert Enterprise.objects.count() == 1


def test_two_pushes_of_one_event_with_different_content_at_once_the_loser_is_a_conflict(users, monkeypatch):
    from casework.lifecycles.registration_push.intake import DuplicateEvent
    from casework.lifecycles.registration_push.services import receive_registration

    _pushes_meet_after_their_look_up(monkeypatch)
    names = ["广元市并发甲餐饮有限公司", "广元市并发乙餐饮有限公司"]

    results = run_together(
        *(
            partial(receive_registration, **_registration(name=name), actor=users["registrar"])
            for name in names
        )
    )

    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    (winner, created) = next(value for kind, value in results if kind == "ok")
    conflict = next(value for kind, value in results if kind == "error")
    assert created and winner == Registration.objects.get()
    assert isinstance(conflict, DuplicateEvent) and conflict.status == 409
    assert set(conflict.details) == {"event_id", "name"}
    assert Enterprise.objects.get().name == winner.enterprise.name  # the loser's rename rolled back
    assert ProcessInstance.objects.filter(case_type="registration_push").count() == 1
