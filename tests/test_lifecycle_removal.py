"""A lifecycle is its folder: delete the demo's folder, its .bpmn and its tests from a copy of
the project, and the rest still checks, migrates, seeds and passes its tests.

Runs once, on the embedded database (the copy's subprocesses use their own SQLite files).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import is_postgres

ROOT = Path(__file__).resolve().parent.parent
DEMO_MARKERS = re.compile(r"start_case|demo_claim|lifecycles\.demo|seed_cases|workbench:start")


def _copy_project(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    if (ROOT / "node_modules").exists():
        (target / "node_modules").symlink_to(ROOT / "node_modules")


def _run(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, (
        f"{' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result


@pytest.mark.skipif(is_postgres(), reason="runs once, in the embedded-database pass")
def test_the_project_stands_without_the_demo_lifecycle(tmp_path):
    copy = tmp_path / "project"
    _copy_project(copy)
    shutil.rmtree(copy / "casework" / "lifecycles" / "demo")
    (copy / "bpmn" / "demo_claim.bpmn").unlink()
    # The demo's tests: those that start demo cases, or run a helper module that does.
    helpers = [
        path.stem
        for path in (copy / "tests").glob("*.py")
        if not path.name.startswith(("test_", "conftest"))
        and DEMO_MARKERS.search(path.read_text(encoding="utf-8"))
    ]
    uses_demo = re.compile("|".join([DEMO_MARKERS.pattern, *(rf"tests\.{h}\b" for h in helpers)]))
    demo_tests = [
        path
        for path in (copy / "tests").glob("test_*.py")
        if uses_demo.search(path.read_text(encoding="utf-8"))
    ]
    (copy / "tests" / Path(__file__).name).unlink()  # not this proof again
    for path in demo_tests:
        path.unlink(missing_ok=True)
    remaining = sorted(p.name for p in (copy / "tests").glob("test_*.py"))
    assert "test_registration_push.py" in remaining and "test_routing.py" in remaining

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(VAR_DIR=str(tmp_path / "var"), CELERY_TASK_ALWAYS_EAGER="1", PYTHONDONTWRITEBYTECODE="1")
    python = sys.executable
    _run([python, "manage.py", "check"], copy, env)
    _run([python, "manage.py", "migrate", "--noinput"], copy, env)
    seeded = _run([python, "manage.py", "seed_demo"], copy, env).stdout
    assert "双告知演示登记" in seeded and "演示案件" not in seeded

    tests = _run(
        [
            python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not browser and not postgres and not redis",
        ],
        copy,
        env,
    ).stdout
    passed = int(re.search(r"(\d+) passed", tests).group(1))
    assert passed > 100 and " failed" not in tests and " error" not in tests
