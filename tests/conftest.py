"""Shared fixtures: deployed bundled processes, demo departments and accounts, case factory."""

from __future__ import annotations

import os
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

SHANGHAI = ZoneInfo("Asia/Shanghai")
BPMN_DIR = Path(__file__).parent / "bpmn"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def database_url() -> str:
    """The PostgreSQL test database as a URL, for child processes that must share it."""
    from django.db import connection

    s = connection.settings_dict
    return (
        f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )


@pytest.fixture
def deployed(db):
    from casework.clocks.services import seed_rules
    from processes.deploy import load_bundled_processes

    seed_rules()  # the diagrams' clock("…") keys must exist (a flushed database has none)
    return load_bundled_processes()


@pytest.fixture
def users(db, deployed):
    from casework.organization.demo_accounts import seed_accounts

    seed_accounts()
    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def officer(users):
    """``officer("JYJ")``: an officer of that department (made on first use)."""
    from casework.organization.models import Department, Membership, Role

    def make(code: str):
        user, _ = get_user_model().objects.get_or_create(username=f"officer_{code}")
        Membership.objects.get_or_create(
            user=user, department=Department.objects.get(code=code), role=Role.OFFICER
        )
        return user

    return make


@pytest.fixture
def start_case(users):
    from casework.lifecycles.demo.services import start_demo_case
    from casework.organization.models import Department

    def start(department: str = "WJW", deadline_workdays: int = 3, title: str = "测试事项", received_at=None):
        return start_demo_case(
            actor=users["registrar"],
            title=title,
            department=Department.objects.get(code=department),
            deadline_workdays=deadline_workdays,
            received_at=received_at,
        )

    return start


def deploy_test_bpmn(name: str):
    from processes.deploy import deploy_bpmn

    return deploy_bpmn(xml=(BPMN_DIR / name).read_text(encoding="utf-8"), source_name=name)


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    """A year a test imported (then rolled back) must not stay cached for the next test."""
    from processes.business_calendar import clear_calendar_cache

    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture(autouse=True)
def fresh_name_tables():
    """Department and area names read in one test (perhaps of a database flushed since) must not
    answer for the next one."""
    from casework.workbench import names

    names.forget()
    yield
    names.forget()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def celery_runs_inline():
    """Tasks queued on commit run in-process (the Redis integration test starts a real worker)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(scope="session", autouse=True)
def close_stray_postgres_sessions(django_db_setup, django_db_blocker):
    """Live-server request threads can leave a connection behind; end them so the test DB drops."""
    yield
    if is_postgres():
        from django.db import connection

        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


# --- browser tests -------------------------------------------------------------------------

BROWSER_NOW = local(2025, 10, 15, 9, 0)  # a Wednesday after 国庆, inside the bundled calendar
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def launch_chromium(monkeypatch):
    """``browser = launch_chromium()`` at the start of a test: a headless Debian chromium.

    Launched from the test itself so that a missing binary makes the test FAIL (CI installs
    chromium) rather than skip or error in setup.
    """
    # Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with ExitStack() as cleanup:

        def launch():
            executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
            if not Path(executable).is_file():
                pytest.fail(
                    f"chromium not found at {executable!r}: install Debian's chromium package "
                    "(apt-get install chromium) or point CHROMIUM_PATH at a chromium binary",
                    pytrace=False,
                )
            from playwright.sync_api import sync_playwright

            playwright = cleanup.enter_context(sync_playwright())
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            cleanup.callback(browser.close)
            return browser

        yield launch


@pytest.fixture
def frozen_clock():
    """Pin the clock (ticking) for the test and for the live server thread."""
    with time_machine.travel(BROWSER_NOW, tick=True):
        yield


@pytest.fixture
def api(users):
    """``api("officer_wj")``: an APIClient authenticated with that user's token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def client_for(username: str):
        token, _ = Token.objects.get_or_create(user=users[username])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for
