"""Walk one registration from ``POST /api/v1/registrations`` to the officer's inbox row and
count how often the call path crosses between our packages (config, processes, casework,
notifications) and which of our modules it passes through.

    VAR_DIR=/tmp/walk .venv/bin/python tools/walk_hops.py

Runs on a scratch SQLite database in VAR_DIR.  A "hop" is a call from a frame of one of our
packages into a frame of another (library frames in between are skipped), as in the issue's
count "casework → processes.audit → casework → processes.engine → hooks → …".
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
OURS = ("config", "processes", "casework", "notifications")


def _setup():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from processes.deploy import load_bundled_processes

    load_bundled_processes()
    try:
        from casework.organization.demo_accounts import seed_accounts
    except ImportError:  # the layout before "one home per lifecycle"
        from casework.demo import seed_accounts  # type: ignore[no-redef]
    seed_accounts()


def _module_of(frame) -> str | None:
    name = frame.f_globals.get("__name__", "")
    return name if name.split(".")[0] in OURS else None


def walk() -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    User = get_user_model()
    registrar = Client(HTTP_HOST="127.0.0.1")
    registrar.force_login(User.objects.get(username="registrar"))
    officer = Client(HTTP_HOST="127.0.0.1")
    officer.force_login(User.objects.get(username="officer_wj"))
    body = {
        "event_id": "WALK-1",
        "credit_code": "91510800MA6W00010X",
        "name": "广元市行走测试口腔诊所有限公司",
        "business_scope": "口腔诊疗；医疗服务",
        "registration_authority": "SCJG",
        "registered_on": date(2026, 11, 30).isoformat(),
    }
    # Warm up: URL resolvers, lazy imports and caches are loaded by a first walk, not counted.
    warm = {**body, "event_id": "WALK-0", "credit_code": "91510800MA6W00021X", "name": "广元市预热有限公司"}
    registrar.post("/api/v1/registrations", data=json.dumps(warm), content_type="application/json")
    officer.get("/api/v1/tasks/?list=queue")
    path: list[str] = []

    def profile(frame, event, _arg):
        if event != "call":
            return
        module = _module_of(frame)
        if module and (not path or path[-1] != module):
            path.append(module)

    sys.setprofile(profile)
    try:
        posted = registrar.post(
            "/api/v1/registrations", data=json.dumps(body), content_type="application/json"
        )
        inbox = officer.get("/api/v1/tasks/?list=queue")
    finally:
        sys.setprofile(None)
    assert posted.status_code in (200, 201), posted.content
    rows = inbox.json()["results"]
    assert any(row["subject_name"] == body["name"] for row in rows), rows
    # A hop: the next module of ours belongs to another top-level package.
    hops = [(a, b) for a, b in zip(path, path[1:], strict=False) if a.split(".")[0] != b.split(".")[0]]
    return {
        "hops": len(hops),
        "modules": sorted(set(path)),
        "packages_in_order": [path[0]] + [b for _, b in hops],
        "path": path,
    }


if __name__ == "__main__":
    _setup()
    result = walk()
    print(f"package crossings: {result['hops']}")
    print(f"modules of ours touched: {len(result['modules'])}")
    for module in result["modules"]:
        print("  ", module)
    if "--path" in sys.argv:
        print("modules in call order:", " → ".join(result["path"]))
    print("crossings in order:", " → ".join(m.split(".")[0] for m in result["packages_in_order"][:200]))
