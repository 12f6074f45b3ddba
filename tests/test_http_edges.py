"""The HTTP edges: every refusal of the API is its JSON error, pages get Chinese ones.

Oversized bodies, control characters in query parameters, unknown API URLs, and outages of the
database or the Celery broker (made to fail for real: a connection to nowhere).
"""

from __future__ import annotations

import copy
import json
import socket
from contextlib import contextmanager

import pytest
from django.db import connections
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from django.views import View
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db

THREE_MB = 3 * 1024 * 1024
OVERSIZED_JSON = json.dumps({"items": [{"event_id": "x" * 1000}] * 3200})
assert len(OVERSIZED_JSON) > THREE_MB


def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def publish_to_unreachable_broker() -> None:
    """Queue a real task on a Redis broker that is down: kombu raises OperationalError."""
    from config.celery import app
    from processes.tasks import deliver_messages

    with app.connection_for_write(f"redis://127.0.0.1:{closed_port()}/0") as connection:
        deliver_messages.apply_async(connection=connection)


class BrokerPublishingApiView(APIView):
    def post(self, request):
        publish_to_unreachable_broker()
        return Response({"queued": True})


class CrashingApiView(APIView):
    def get(self, request):
        raise RuntimeError("a bug")


class ReadOnlyPlainApiView(View):
    """A non-DRF view under /api/: Django itself answers its 405."""

    def get(self, request):
        return HttpResponse("ok")


def broker_publishing_page(request):
    publish_to_unreachable_broker()
    return HttpResponse("queued")


urlpatterns = [
    path("api/test/broker", BrokerPublishingApiView.as_view()),
    path("api/test/crash", CrashingApiView.as_view()),
    path("api/test/plain", ReadOnlyPlainApiView.as_view()),
    path("test/broker/", broker_publishing_page),
    path("", include("config.urls")),
]
with_test_views = pytest.mark.urls(__name__)


@pytest.fixture
def token_client(users):
    from rest_framework.authtoken.models import Token

    def login(username: str = "registrar") -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users[username]).key}")
        return client

    return login


@pytest.fixture
def session_client(users):
    """A logged-in browser session that sends its CSRF token, as the web client does."""

    def login(username: str = "registrar") -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(users[username])
        client.get("/accounts/login/")  # sets the csrftoken cookie
        client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
        return client

    return login


def api_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()["error"]


# --- oversized bodies ------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/registrations", "/api/v1/registrations/batch"])
def test_oversized_json_push_answers_413_json_with_token_auth(token_client, url):
    response = token_client().post(url, OVERSIZED_JSON, content_type="application/json")
    error = api_error(response, 413)
    assert error["code"] == "request_too_large"
    assert "上限" in error["message"]
    assert error["details"]["limit_bytes"] == 2621440


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_oversized_push_answers_413_json_with_session_auth(session_client, content_type):
    body = OVERSIZED_JSON if content_type == "application/json" else "event_id=" + "x" * THREE_MB
    response = session_client().post("/api/v1/registrations/batch", body, content_type=content_type)
    assert api_error(response, 413)["code"] == "request_too_large"


@pytest.mark.parametrize("client_kind", ["token", "session"])
def test_oversized_form_field_found_while_parsing_answers_413_json(token_client, session_client, client_kind):
    """A multipart body passes the size check up front (files do not count); its fields do."""
    client = token_client() if client_kind == "token" else session_client()
    response = client.post("/api/v1/registrations", {"business_scope": "餐饮" * (THREE_MB // 3)})
    assert api_error(response, 413)["code"] == "request_too_large"


def test_oversized_form_on_a_page_answers_a_chinese_413_page(session_client):
    response = session_client("admin").post(
        "/workbench/catalogue/", "q=" + "x" * THREE_MB, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "提交的内容过大" in page and "2.5 MB" in page


# --- other refusals under /api/ ------------------------------------------------------------------


def test_unknown_api_url_answers_json_404(token_client):
    error = api_error(token_client().get("/api/v1/no-such-thing"), 404)
    assert error["code"] == "not_found"
    assert "/api/v1/no-such-thing" in error["message"]


def test_api_write_to_a_path_without_its_slash_answers_json_404_not_a_redirect(token_client):
    error = api_error(token_client("officer_wj").post("/api/v1/tasks", {}, format="json"), 404)
    assert "/api/v1/tasks/" in error["message"]


@with_test_views
def test_method_refused_by_a_plain_django_view_under_api_answers_json_405(token_client):
    response = token_client().post("/api/test/plain", {}, format="json")
    error = api_error(response, 405)
    assert error["code"] == "method_not_allowed" and "POST" in error["message"]
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@with_test_views
def test_unexpected_api_error_answers_json_500_not_the_html_page(users):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(users["registrar"])
    error = api_error(client.get("/api/test/crash"), 500)
    assert error["code"] == "server_error" and "服务器内部错误" in error["message"]


# --- control characters in query parameters ---------------------------------------------------

INBOX_PARAMS = {
    "q": "广元",
    "case_type": "registration_push",
    "due": "overdue",
    "area": "510800",
    "received_from": "2025-10-01",
    "received_to": "2025-10-31",
    "sort": "due",
    "page": "1",
}
PAGE_ROUTES = [
    *[
        (f"/workbench/{name}/", "officer_wj", param, value)
        for name in ("queue", "mine", "overdue", "done")
        for param, value in INBOX_PARAMS.items()
    ],
    ("/workbench/escalations/", "supervisor", "page", "1"),
    ("/workbench/catalogue/", "admin", "q", "食品"),
    ("/notifications/", "officer_wj", "page", "1"),
    ("/accounts/login/", None, "next", "/workbench/mine/"),
    ("/workbench/registrations/", "registrar", "q", "广元"),
]


def _admin_changelist_params():
    """Every admin changelist's search box and list filters (django.contrib.admin reads them)."""
    from django.contrib import admin

    for model, model_admin in admin.site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        if model_admin.search_fields:
            yield (url, "admin", "q", "2025")
        for spec in model_admin.list_filter:
            if isinstance(spec, str):
                field = model._meta.get_field(spec)
                yield (url, "admin", f"{spec}__id__exact" if field.is_relation else f"{spec}__exact", "1")


PAGE_ROUTES += list(_admin_changelist_params())

API_ROUTES = [
    *[("/api/v1/tasks/", param, value) for param, value in {"list": "queue", **INBOX_PARAMS}.items()],
    ("/api/v1/tasks/", "page_size", "10"),
    ("/api/v1/calendar/deadline", "start", "2025-09-28"),
    ("/api/v1/calendar/deadline", "workdays", "7"),
    ("/api/v1/notifications/", "page", "1"),
    ("/api/v1/notifications/", "page_size", "10"),
    ("/api/schema/", "lang", "zh-hans"),
    ("/api/docs/", "lang", "zh-hans"),
]


@pytest.mark.parametrize(("url", "username", "param", "value"), PAGE_ROUTES)
def test_pages_drop_control_characters_from_query_parameters(users, url, username, param, value):
    client = Client()
    if username:
        client.force_login(users[username])
    clean = client.get(url, {param: value})
    dirty = client.get(url, {param: f"{value}\x00\x1b"})
    assert dirty.status_code == clean.status_code
    assert dirty.wsgi_request.GET.getlist(param) == [value]


def test_catalogue_search_with_a_nul_finds_what_the_visible_text_finds(users, client):
    client.force_login(users["admin"])
    page = client.get("/workbench/catalogue/?q=%E7%83%9F%E8%8D%89%00")  # 烟草 + NUL
    assert page.status_code == 200
    assert [i.code for i in page.context["items"]] == ["YC-001"]
    assert 'value="烟草"' in page.content.decode()


@pytest.mark.parametrize(("url", "param", "value"), API_ROUTES)
def test_api_refuses_control_characters_in_query_parameters_naming_the_parameter(
    token_client, url, param, value
):
    client = token_client("officer_wj")
    error = api_error(client.get(url, {param: f"{value}\x00"}), 400)
    assert error["code"] == "invalid_parameter"
    assert f"“{param}”" in error["message"] and "控制字符" in error["message"]
    assert param in error["details"]


def test_api_names_a_parameter_whose_name_holds_the_control_character_and_lets_tabs_pass(token_client):
    client = token_client("officer_wj")
    error = api_error(client.get("/api/v1/tasks/?q%01=x"), 400)
    assert "“q\\x01”" in error["message"]
    assert client.get("/api/v1/tasks/", {"q": "广元\t"}).status_code == 200


# --- outages ---------------------------------------------------------------------------------------


@pytest.fixture
def database_down(tmp_path):
    """``with database_down():`` the default connection points where no database answers."""
    working = connections["default"]
    broken_settings = copy.deepcopy(working.settings_dict)
    if working.vendor == "sqlite":
        broken_settings["NAME"] = str(tmp_path / "no-such-directory" / "db.sqlite3")
    else:
        broken_settings.update(HOST="127.0.0.1", PORT=str(closed_port()))
    broken = type(working)(broken_settings, alias="default")

    @contextmanager
    def down():
        connections["default"] = broken
        try:
            yield
        finally:
            connections["default"] = working
            broken.close()

    return down


def assert_service_unavailable_json(response):
    error = api_error(response, 503)
    assert error["code"] == "service_unavailable"
    assert "请稍后重试" in error["message"]
    assert response["Retry-After"] == "30"


def assert_chinese_503_page(response):
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "服务暂时不可用" in page and 'lang="zh-Hans"' in page
    assert "Traceback" not in page


@pytest.mark.parametrize("client_kind", ["token", "session"])
def test_api_answers_503_json_with_retry_after_when_the_database_is_down(
    token_client, session_client, database_down, client_kind
):
    client = token_client("officer_wj") if client_kind == "token" else session_client("officer_wj")
    with database_down():
        response = client.get("/api/v1/tasks/")
    assert_service_unavailable_json(response)


@pytest.mark.parametrize("debug", [False, True])
def test_page_answers_a_chinese_503_with_retry_after_when_the_database_is_down(
    users, client, database_down, settings, debug
):
    settings.DEBUG = debug
    client.force_login(users["officer_wj"])
    with database_down():
        response = client.get("/workbench/queue/")
    assert_chinese_503_page(response)


@pytest.fixture
def tasks_go_to_the_broker():
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


@with_test_views
def test_api_answers_503_json_when_the_broker_is_down(token_client, tasks_go_to_the_broker):
    assert_service_unavailable_json(token_client().post("/api/test/broker", {}, format="json"))


@with_test_views
def test_page_answers_a_chinese_503_when_the_broker_is_down(users, client, tasks_go_to_the_broker):
    client.force_login(users["registrar"])
    assert_chinese_503_page(client.post("/test/broker/"))
