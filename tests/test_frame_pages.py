"""The frame around every page: Chinese 403/404/500 pages inside the workbench shell (DEBUG on
and off), API docs and pages that load nothing from outside hosts, Chinese admin labels, one log
line per event, a favicon, and no promise of a language the pages do not have."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path, reverse

from processes.models import HumanTask

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def forbidden_page(request):
    raise PermissionDenied


def crashing_page(request):
    raise RuntimeError("a bug in a page")


urlpatterns = [
    path("test/forbidden/", forbidden_page),
    path("test/crash/", crashing_page),
    path("", include("config.urls")),
]
with_test_views = pytest.mark.urls(__name__)

DEBUG_MODES = pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])


def logged_in(users, username: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(users[username])
    return client


def assert_framed_chinese_page(response, status: int, *texts: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert '<html lang="zh-hans"' in page
    # The workbench shell: its drawer with the user's menu, the toolbar with the user's name.
    assert "vf-page__menu" in page and 'href="/workbench/queue/"' in page and "部门待认领" in page
    assert 'data-testid="notifications-link"' in page
    for text in texts:
        assert text in page, text
    for english in ("Page not found", "Server Error", "Forbidden", "Traceback", "Django", "Request Method"):
        assert english not in page, english
    return page


@pytest.fixture
def wjw_task(start_case):
    instance = start_case("WJW")
    return HumanTask.objects.get(instance=instance, state=HumanTask.State.OPEN)


# --- 1. error pages ----------------------------------------------------------------------------


@DEBUG_MODES
def test_another_departments_task_answers_a_chinese_404_inside_the_workbench(
    settings, users, wjw_task, debug
):
    settings.DEBUG = debug
    response = logged_in(users, "officer_jy").get(f"/workbench/tasks/{wjw_task.pk}/")
    page = assert_framed_chinese_page(response, 404, "任务不存在或您无权查看", "页面不存在")
    assert users["officer_jy"].get_full_name() in page
    assert wjw_task.name not in page


@DEBUG_MODES
def test_an_unknown_address_answers_a_chinese_404_inside_the_workbench(settings, users, debug):
    settings.DEBUG = debug
    response = logged_in(users, "officer_wj").get("/workbench/no-such-page/")
    assert_framed_chinese_page(response, 404, "页面不存在", "返回工作台")


@DEBUG_MODES
@with_test_views
def test_a_refused_page_answers_a_chinese_403_inside_the_workbench(settings, users, debug):
    settings.DEBUG = debug
    response = logged_in(users, "registrar").get("/test/forbidden/")
    assert_framed_chinese_page(response, 403, "无权访问")


@DEBUG_MODES
@with_test_views
def test_a_crashing_page_answers_a_chinese_500_inside_the_workbench_and_logs_the_traceback(
    settings, users, caplog, debug
):
    settings.DEBUG = debug
    response = logged_in(users, "registrar").get("/test/crash/")
    page = assert_framed_chinese_page(response, 500, "服务器内部错误")
    assert "a bug in a page" not in page
    logged = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert logged and logged[0].exc_info and "a bug in a page" in str(logged[0].exc_info[1])


@DEBUG_MODES
@with_test_views
def test_the_test_client_still_raises_a_pages_exception(settings, users, debug):
    """The Chinese page does not hide a bug from a test that asks to see it."""
    settings.DEBUG = debug
    client = Client()
    client.force_login(users["registrar"])
    with pytest.raises(RuntimeError, match="a bug in a page"):
        client.get("/test/crash/")


@DEBUG_MODES
def test_anonymous_visitors_get_a_plain_chinese_404(settings, db, debug):
    settings.DEBUG = debug
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and '<html lang="zh-Hans">' in page and "Page not found" not in page


@DEBUG_MODES
@with_test_views
def test_api_errors_stay_json(settings, users, debug):
    settings.DEBUG = debug
    client = logged_in(users, "registrar")
    missing = client.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


@DEBUG_MODES
def test_an_expired_form_answers_a_chinese_403(settings, users, debug):
    settings.DEBUG = debug
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["registrar"])
    response = client.post("/notifications/read/", {})
    assert response.status_code == 403
    page = response.content.decode()
    assert "页面已过期" in page and "CSRF" not in page and "Forbidden" not in page


# --- 2. nothing from outside hosts ---------------------------------------------------------------

LOCAL_HOSTS = {"", "testserver", "127.0.0.1", "localhost"}
ATTRIBUTE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)""")
CSS_IMPORT = re.compile(r"""@import\s+["']([^"']+)""")


def outside(url: str) -> bool:
    parts = urlsplit(url.strip())
    if parts.scheme in ("data", "mailto", "javascript", "blob"):
        return False
    return (parts.hostname or "") not in LOCAL_HOSTS or url.strip().startswith("//")


def outside_references(html: str) -> list[str]:
    """Every src/href of the page and every url() of the stylesheets it links from our static files."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    found = [url for url in ATTRIBUTE.findall(html) if outside(url)]
    for url in ATTRIBUTE.findall(html):
        path_ = urlsplit(url).path
        if path_.startswith(settings.STATIC_URL) and path_.endswith(".css"):
            file = finders.find(path_.removeprefix(settings.STATIC_URL))
            assert file, f"missing static file {path_}"
            css = Path(file).read_text(encoding="utf-8", errors="replace")
            found += [f"{path_}: {u}" for u in CSS_URL.findall(css) + CSS_IMPORT.findall(css) if outside(u)]
    return found


def pages_of(user, task: HumanTask) -> list[str]:
    from casework.organization.permissions import roles
    from casework.workbench.extensions import menu_for

    urls = [
        "/workbench/queue/",
        "/workbench/mine/",
        "/workbench/overdue/",
        "/workbench/done/",
        "/notifications/",
        "/api/docs/",
    ]
    urls += [reverse(entry.url_name) for entry in menu_for(user, roles(user))]
    if user.username == "officer_wj":
        urls.append(f"/workbench/tasks/{task.pk}/")
    if user.is_superuser:
        urls += ["/admin/", "/admin/processes/incident/"]
    return urls


def test_no_page_loads_anything_from_an_outside_host(users, wjw_task):
    checked = 0
    anonymous = Client().get("/accounts/login/")
    assert anonymous.status_code == 200
    problems = [f"/accounts/login/ → {u}" for u in outside_references(anonymous.content.decode())]
    for user in get_user_model().objects.order_by("username"):
        client = Client()
        client.force_login(user)
        for url in pages_of(user, wjw_task):
            response = client.get(url)
            assert response.status_code == 200, (user.username, url, response.status_code)
            problems += [
                f"{user.username} {url} → {u}" for u in outside_references(response.content.decode())
            ]
            checked += 1
    assert checked > 40
    assert problems == []


def test_api_docs_serve_swagger_ui_from_our_static_files(users):
    from django.contrib.staticfiles import finders

    client = Client()
    client.force_login(users["registrar"])
    page = client.get("/api/docs/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert any(s.endswith("swagger-ui-bundle.js") for s in scripts), scripts
    for url in scripts + re.findall(r'<link rel="stylesheet" href="([^"]+)"', page):
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_api_docs_render_swagger_ui_in_a_browser_without_outside_requests(
    launch_chromium, live_server, users
):
    from playwright.sync_api import expect

    from .browser_pages import _logged_in

    page = _logged_in(launch_chromium(), live_server, "registrar", "/api/docs/")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("部门协同监管平台 API")
    operations = page.locator(".swagger-ui .opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 10
    expect(
        page.locator(".swagger-ui .opblock-summary-path", has_text="/api/v1/registrations").first
    ).to_be_visible()
    assert requested and [url for url in requested if outside(url)] == []


# --- 3. small things ---------------------------------------------------------------------------

LATIN = re.compile(r"[A-Za-z]")
TERMS = re.compile(r"BPMN|XML|JSON|SpiffWorkflow|SHA-256|ID")  # names of formats, read as they are


def english(label: str) -> bool:
    return bool(LATIN.search(TERMS.sub("", label)))


def test_admin_column_headers_and_filter_titles_are_chinese(users):
    from django.contrib import admin
    from django.contrib.admin.utils import label_for_field

    client = Client()
    client.force_login(users["admin"])
    found = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("processes", "casework", "notifications"):
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        headers = [
            str(label_for_field(name, model, model_admin))
            for name in model_admin.get_list_display(response.wsgi_request)
            if name != "action_checkbox"
        ]
        titles = re.findall(r'data-filter-title="([^"]*)"', page)
        assert "Django" not in page, url
        found += [f"{url} 列 {h.strip()}" for h in headers if english(h)]
        found += [f"{url} 筛选 以 {t}" for t in titles if english(t)]
    assert found == []


def test_admin_detail_labels_of_the_engine_records_are_chinese(users, wjw_task):
    """The read-only detail pages of the engine's records name their fields in Chinese."""
    from processes.models import AuditEvent, HumanTask, Incident, ProcessInstance, ProcessVersion

    found = [
        f"{model.__name__}.{field.name}: {field.verbose_name}"
        for model in (ProcessVersion, ProcessInstance, HumanTask, Incident, AuditEvent)
        for field in model._meta.get_fields()
        if field.concrete and not field.auto_created and english(str(field.verbose_name))
    ]
    assert found == []


def test_a_log_line_is_printed_once(tmp_path):
    """Django's own console handler and the root one both printed each django.* line."""
    script = (
        "import logging, django; django.setup();"
        "logging.getLogger('django.request').warning('Not Found: /probe/');"
        "logging.getLogger('processes.engine').warning('engine probe');"
        "logging.getLogger('celery.app.trace').warning('celery probe');"
        "logging.getLogger('django.server').info('\"GET /probe/ HTTP/1.1\" 200 0')"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert output.count("Not Found: /probe/") == 1, output
    assert output.count("engine probe") == 1 and output.count("celery probe") == 1, output
    # runserver's request lines, once, with their time as Django prints them.
    assert output.count('"GET /probe/ HTTP/1.1" 200 0') == 1, output
    assert re.search(r"^\[.+\] \"GET /probe/ HTTP/1.1\" 200 0$", output, re.M), output


def test_favicon_is_served_and_linked(users):
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    client = Client()
    client.force_login(users["officer_wj"])
    for url in ("/workbench/queue/", "/notifications/"):
        assert '<link rel="icon" href="/static/casework/favicon.ico"' in client.get(url).content.decode()
    login = Client().get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/casework/favicon.ico"' in login


def test_no_language_is_offered_that_the_pages_do_not_have(settings, client):
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans"]
    client.cookies["django_language"] = "en"
    response = client.get("/accounts/login/")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()
    assert "English available" not in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_field_an_admin_form_shows_has_a_chinese_label():
    """Admin detail pages label each field in Chinese (no "supervision instance", "decided by")."""
    import re as _re

    from django.apps import apps

    english = [
        f"{model.__name__}.{field.name}"
        for app in ("casework", "processes", "notifications")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False)
        and not field.auto_created
        and not _re.search(r"[\u4e00-\u9fff]", str(field.verbose_name))
    ]
    assert english == []
