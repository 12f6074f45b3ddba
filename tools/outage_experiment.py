"""Re-run issue 9's outage experiments over HTTP: gunicorn + a Celery worker, Redis stopped, PostgreSQL restarted.

Needs root, gunicorn in the venv (``.venv/bin/pip install gunicorn``), redis-server, and a PostgreSQL
cluster of its own that may be stopped (as ``.ci/run`` creates):

    OUTAGE_PG_CLUSTER="15 outage" OUTAGE_DATABASE_URL=postgres://xtjg:xtjg@127.0.0.1:5433/xtjg_outage \\
        .venv/bin/python tools/outage_experiment.py [N]

Prints the figures of each phase: answers by status, cases and e-mails kept, e-mails sent once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_outage import REDIS_PORT, Redis, _pg_ctl, _recreate_database, _wait  # noqa: E402

PORT = 8097
N = int(sys.argv[1]) if len(sys.argv) > 1 else 100
VAR = Path(tempfile.mkdtemp(prefix="outage-"))
ENV = {
    **os.environ,
    "DATABASE_URL": os.environ["OUTAGE_DATABASE_URL"],
    "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "VAR_DIR": str(VAR),
    "DEBUG": "false",
    "OUTBOX_SWEEP_SECONDS": "5",
    "NOTIFICATION_RETRY_BACKOFF_SECONDS": "2",
    "PYTHONPATH": str(ROOT),
    "DJANGO_SETTINGS_MODULE": "config.settings",
}
BIN = Path(sys.executable).parent


def driver(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.outage_driver", *args],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def spawn(*command: str, log: str) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=ENV,
        stdout=open(VAR / log, "ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)


def push(token: str, prefix: str, i: int) -> tuple[int, bool]:
    from casework.directory.credit_code import make_credit_code

    body = {
        "event_id": f"{prefix}-{i:05d}",
        "credit_code": make_credit_code("9", "1", "510800", f"MA{prefix[:2]}{i:04d}"),
        "name": f"广元市{prefix}{i}号餐饮有限公司",
        "business_scope": "餐饮服务；预包装食品销售",
        "registration_authority": "SCJG",
        "registered_on": "2025-11-03",
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/api/v1/registrations",
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.headers.get("Content-Type", "").startswith("application/json")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", "").startswith("application/json")


def mails() -> int:
    return sum(len(re.findall(r"^Message-ID:", p.read_text("utf-8"), re.M)) for p in (VAR / "mail").glob("*"))


def settle(label: str, timeout: float = 300) -> None:
    started = time.monotonic()
    _wait(lambda: (r := driver("report"))["emailed"] == r["to_email"], timeout)
    report = driver("report")
    print(
        f"  {label}: cases {report['cases']}, e-mails owed {report['to_email']}, sent {report['emailed']}, "
        f"messages in the mail files {mails()} (after {time.monotonic() - started:.1f} s)"
    )


def main() -> None:
    import django

    os.environ.update(ENV)
    django.setup()
    _pg_ctl("start")
    _recreate_database()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=ENV, check=True)
    token = driver("setup")["token"]
    redis = Redis(VAR)
    web = spawn(str(BIN / "gunicorn"), "config.wsgi", "-w", "4", "-b", f"127.0.0.1:{PORT}", log="web.log")
    _wait(
        lambda: (
            subprocess.run(
                ["curl", "-s", f"http://127.0.0.1:{PORT}/accounts/login/"], capture_output=True
            ).returncode
            == 0
        )
    )
    worker = None
    try:
        print(f"A. Redis stopped: {N} registrations over HTTP (gunicorn, 4 workers)")
        started = time.monotonic()
        answers = Counter(push(token, "QA", i) for i in range(N))
        wall = time.monotonic() - started
        print(f"  answers (status, JSON): {dict(answers)}, {wall / N * 1000:.0f} ms per request")
        print(f"  {driver('report')}")
        redis.start()
        worker = spawn(
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-B",
            "--concurrency=2",
            "--schedule",
            str(VAR / "beat"),
            log="worker.log",
        )
        settle("Redis back, worker + beat")

        print(f"B. PostgreSQL restarted while {N} registrations arrive")
        answers = Counter()
        refused: list[int] = []

        def restart() -> None:
            time.sleep(1.0)
            _pg_ctl("stop")
            time.sleep(3.0)
            _pg_ctl("start")

        restarter = threading.Thread(target=restart)
        restarter.start()
        for i in range(N):
            status, is_json = push(token, "QB", i)
            answers[(status, is_json)] += 1
            if status != 201:
                refused.append(i)
            time.sleep(0.05)
        restarter.join()
        print(f"  answers (status, JSON): {dict(answers)}")
        again = Counter(push(token, "QB", i) for i in refused)
        print(f"  the {len(refused)} refused ones sent again: {dict(again)}")
        settle("after the restart")
        print(
            f"  worker log: {open(VAR / 'worker.log', encoding='utf-8', errors='replace').read().count('OperationalError')} OperationalError lines"
        )
    finally:
        if worker is not None:
            stop(worker)
        stop(web)
        redis.stop()
        shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
