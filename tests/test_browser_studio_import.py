"""All 21 BPMN MIWG reference models, made by other tools, open in the studio's editor: each is
imported through the page, rendered by the modeler, checked on the server (a Chinese verdict, never
a crash); its draft holds the file byte for byte and 导出 gives it back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from processes.models import ProcessDraft

from .browser_pages import _logged_in
from .test_validate_bpmn import miwg_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_reference_model_opens_renders_and_gets_a_verdict(launch_chromium, live_server, users):
    models = sorted(miwg_dir().glob("*.bpmn"))
    assert len(models) == 21
    browser = launch_chromium()
    page = _logged_in(browser, live_server, "admin", "/workbench/studio/")
    page.set_viewport_size({"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    for path in models:
        page.goto(f"{live_server.url}/workbench/studio/")
        page.set_input_files("#import-file", str(path))
        page.get_by_test_id("import-form").locator("button[type=submit]").click()
        expect(page.locator("#studio-editor[data-ready]")).to_have_attribute("data-ready", "1")
        drawn = page.locator("#studio-canvas .djs-element").count()
        assert drawn > 1, f"{path.name}: nothing drawn"
        page.get_by_test_id("studio-check").click()
        verdict = page.get_by_test_id("studio-problems").locator("h2")
        expect(verdict).to_contain_text("校验")
        assert ProcessDraft.objects.latest("pk").bpmn_xml.encode("utf-8") == path.read_bytes(), path.name
        with page.expect_download() as download:
            page.get_by_test_id("studio-export").click()
        assert Path(download.value.path()).read_bytes() == path.read_bytes(), (
            f"{path.name}: export changed it"
        )
    assert errors == []
