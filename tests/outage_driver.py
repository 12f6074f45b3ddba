"""Separate-process helper of ``test_outage.py``: ``python -m tests.outage_driver CMD [ARGS]``.

Runs against the database and broker named by the environment (a PostgreSQL cluster the test
restarts, a Redis server it stops). Prints one JSON line.
"""

from __future__ import annotations

import json
import sys

import django


def setup() -> dict:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from casework.organization.demo_accounts import seed_accounts
    from casework.organization.models import Department, Membership, Role
    from processes.deploy import load_bundled_processes

    seed_accounts()  # master data first: the diagrams name its legal clocks
    load_bundled_processes()
    # 餐饮服务 routes to 广元市食药 (510800-SP): give it an officer with an address to e-mail.
    officer, _ = get_user_model().objects.get_or_create(
        username="officer_sp", defaults={"email": "officer_sp@xtjg.example.gov.cn"}
    )
    Membership.objects.get_or_create(
        user=officer, department=Department.objects.get(code="510800-SP"), role=Role.OFFICER
    )
    registrar = get_user_model().objects.get(username="registrar")
    return {"token": Token.objects.get_or_create(user=registrar)[0].key}


def post(token: str, prefix: str, count: str, stop_redis_after: str = "", redis_port: str = "") -> dict:
    """POST ``count`` registrations through the real middleware and views; the answers' statuses.

    With ``stop_redis_after``, Redis is shut down (its queue lost) after that many, and this
    same process, with its broker connection pool, goes on posting.
    """
    import subprocess

    from django.test import Client

    from casework.directory.credit_code import make_credit_code

    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    answers = []
    for i in range(int(count)):
        if stop_redis_after and i == int(stop_redis_after):
            subprocess.run(["redis-cli", "-p", redis_port, "shutdown", "nosave"], capture_output=True)
        response = client.post(
            "/api/v1/registrations",
            {
                "event_id": f"{prefix}-{i:04d}",
                "credit_code": make_credit_code("9", "1", "510800", f"MA{prefix[:2]}{i:04d}"),
                "name": f"广元市{prefix}{i}号餐饮有限公司",
                "business_scope": "餐饮服务；预包装食品销售",
                "registration_authority": "SCJG",
                "registered_on": "2025-11-03",
            },
            content_type="application/json",
        )
        answers.append(
            {
                "status": response.status_code,
                "json": response.headers.get("Content-Type", "").startswith("application/json"),
                "retry_after": response.headers.get("Retry-After"),
                "code": (response.json().get("error") or {}).get("code")
                if response.headers.get("Content-Type", "").startswith("application/json")
                else None,
            }
        )
    return {"answers": answers}


def report() -> dict:
    from notifications.models import Notification
    from processes.models import ProcessInstance

    to_email = Notification.objects.exclude(recipient__email="")
    return {
        "cases": ProcessInstance.objects.filter(case_type="registration_push").count(),
        "to_email": to_email.count(),
        "emailed": to_email.filter(emailed_at__isnull=False).count(),
    }


def main(argv: list[str]) -> None:
    django.setup()
    command, *args = argv
    action = {"setup": setup, "post": post, "report": report}[command]
    # Real time, as the worker's timer sweeps run in it: no deadline passes during the test.
    print(json.dumps(action(*args), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
