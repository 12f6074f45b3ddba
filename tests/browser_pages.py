"""Shared steps of the browser tests: log in as a demo account, read the page's messages."""

from __future__ import annotations

import re

PASSWORD = "demo12345"
TIMEOUT_MS = 15_000


def _login(browser, live_server, username: str, password: str = PASSWORD, *, next_path: str = "/workbench/"):
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").click()
    return page


def _logged_in(browser, live_server, username: str, next_path: str):
    page = _login(browser, live_server, username, next_path=next_path)
    page.wait_for_url(re.compile(re.escape(next_path) + r"$"))
    return page


def _expect_message(page, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(".xt-messages [role=alert]").filter(has_text=text)).to_be_visible()
