"""A case started in one OS process and finished in others completes, for every bundled BPMN.

Production runs each step of a case in whichever web or worker process picks it up. Every start,
claim and completion here runs in a fresh ``python`` process (``tests/crossprocess_driver.py``)
against a database they all share: SQLite in a file, or the PostgreSQL test database.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import database_url, is_postgres

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def shared_env(request, tmp_path) -> dict:
    """Environment for child processes, pointing at a database they can all open."""
    env = {**os.environ, "VAR_DIR": str(tmp_path), "CELERY_TASK_ALWAYS_EAGER": "1", "PYTHONPATH": str(ROOT)}
    if is_postgres():
        request.getfixturevalue("transactional_db")
        env["DATABASE_URL"] = database_url()
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300
        )
    return env


def _run(env: dict, *command: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.crossprocess_driver", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _step(env: dict, *bpmn_id: str) -> str | None:
    """Claim in one process, complete in the next."""
    task_id = _run(env, "claim", *bpmn_id)["claimed"]
    return None if task_id is None else _run(env, "complete", str(task_id))["done"]


def _bundled_process_ids() -> set[str]:
    ids = set()
    for path in (ROOT / "bpmn").glob("*.bpmn"):
        ids.update(re.findall(r'<bpmn:process id="([^"]+)"[^>]*isExecutable="true"', path.read_text("utf-8")))
    return ids


def test_every_bundled_process_finishes_when_each_step_runs_in_another_process(shared_env):
    _run(shared_env, "setup")
    assert len(_run(shared_env, "start")["started"]) == 8
    assert _run(shared_env, "timers")["fired"] == 1  # the demo case escalates to 效能督办
    assert _step(shared_env, "supervise") == "efficiency_supervision:supervise:XNDB"
    # 流程管理: registration_push v2 is deployed, its running v1 cases dry-run in one process and
    # migrate in another; every later step of theirs runs on v2 in yet other processes.
    v2 = str(_run(shared_env, "deploy_v2")["version"])
    plans = _run(shared_env, "dry_run", v2)["plans"]
    assert len(plans) == 2 and all(safe for safe, _ in plans.values()), plans
    migrated = _run(shared_env, "migrate", v2, json.dumps(plans))["migrated"]
    assert sorted(map(str, migrated)) == sorted(plans)

    done = []
    for _ in range(40):
        result = _step(shared_env)
        if result is None:
            break
        done.append(result)
    # Two departments in a multi-instance push, one returns, the registrar re-pushes, the pool case.
    assert done.count("registration_push:claim_or_return:510800-SP") == 1
    assert "registration_push:confirm_department:SCJG" in done
    assert "registration_push:permit_feedback:WJW" in done
    assert "registration_push:pool_permit_feedback:JYJ" in done
    # 归集公示: 补正 then 保密审查 in other processes; the granted permits became published records.
    assert "collection:correct_record:WJW" in done and "collection:review_record:WJW" in done
    # 更正 of a published record: the provider's proposal, then 市场监管's review, each elsewhere.
    assert "error_correction:submit_correction:WJW" in done
    assert "error_correction:review_correction:SCJG" in done
    # 双随机 名录库确认: the department's officer confirms its inspector list.
    assert "inspector_list_refresh:confirm_inspectors:WJW" in done
    # 双随机: the lead inspector's entry, the partner's 同组确认, the review; published, no follow-up.
    assert "random_inspection:enter_result:SCJG" in done
    assert "random_inspection:confirm_result:SCJG" in done
    assert "random_inspection:review_result:SCJG" in done
    # 双随机 抽查计划: approved by 市场监管's reviewer, drawn by its officer (the drawn target's own
    # inspection case then runs like the one above).
    assert "inspection_plan:review_plan:SCJG" in done and "inspection_plan:conduct_draw:SCJG" in done
    assert done.count("random_inspection:enter_result:SCJG") == 2
    _run(shared_env, "archive")  # years later their validity has ended: archived, every case done

    report = _run(shared_env, "report")
    assert report["incidents"] == [] and report["open_tasks"] == 0
    assert {report["versions"][str(pk)] for pk in migrated} == {2}
    assert set(report["cases"].values()) == {"completed"}, report["cases"]
    assert {key.split("#")[0] for key in report["cases"]} == _bundled_process_ids()
