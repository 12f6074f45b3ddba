"""退出登录: the session ends and the browser is told to drop its cached copies of our pages."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_signing_out_ends_the_session_and_clears_the_browser_cache(client, users):
    client.force_login(users["inspector"])
    assert client.get(reverse("workbench:inspection-m-list")).status_code == 200

    answer = client.post(reverse("logout"))

    assert answer.status_code == 302 and answer.url == "/accounts/login/"
    assert answer["Clear-Site-Data"] == '"cache"'
    assert client.get(reverse("workbench:inspection-m-list")).status_code == 302  # to the login page


def test_every_sign_out_form_waits_for_the_phone_copies_to_be_dropped(client, users):
    client.force_login(users["inspector"])
    for name in ("workbench:inspection-m-list", "workbench:index"):
        page = client.get(reverse(name), follow=True).content.decode()
        assert f'action="{reverse("logout")}"' in page and "data-xt-logout" in page, name
        assert "casework/logout.js" in page, name


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_workbench_sign_out_button_signs_out_in_a_browser(launch_chromium, live_server, users):
    import re

    from .browser_pages import _logged_in

    page = _logged_in(launch_chromium(), live_server, "admin", reverse("workbench:studio"))
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    page.goto(live_server.url + reverse("workbench:studio"))
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
