"""Process studio, versions: the semantic BPMN diff, the versions page, 回退, export and the visual diff."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.urls import reverse

from processes.bpmn_diff import BpmnDiffError, clock_keys, diff_bpmn
from processes.models import AuditEvent, ProcessDefinition, ProcessInstance, ProcessVersion

from .test_validate_bpmn import miwg_dir

ROOT = Path(__file__).resolve().parents[1]
PUSH = (ROOT / "bpmn" / "registration_push.bpmn").read_text(encoding="utf-8")
DEMO = (ROOT / "bpmn" / "demo_claim.bpmn").read_text(encoding="utf-8")


def _changed(diff, element_id):
    return next(c for c in diff.changed if c.element_id == element_id)


def _fields(change) -> dict[str, tuple[str, str, str]]:
    return {f.key: (f.label, f.old, f.new) for f in change.fields}


# --- the diff, pure ---------------------------------------------------------------------------


def test_same_text_is_no_change():
    diff = diff_bpmn(PUSH, PUSH)
    assert diff.identical and not diff.has_semantic_changes and not diff.layout_only


def test_a_changed_claim_clock_is_a_timer_change_in_words():
    new = PUSH.replace('clock("push.claim")', 'clock("push.claim_x")')
    diff = diff_bpmn(PUSH, new)
    assert [c.element_id for c in diff.changed] == ["claim_overdue"]
    change = diff.changed[0]
    assert change.name == "认领超期" and change.type_label == "边界事件"
    assert _fields(change) == {
        "timer": ("定时器表达式", 'workdays(clock("push.claim"))', 'workdays(clock("push.claim_x"))')
    }
    assert not diff.added and not diff.removed and not diff.layout_only
    assert clock_keys(change.fields[0].new_raw) == ["push.claim_x"]


def test_renamed_task_type_change_condition_role_script_and_multi_instance():
    new = (
        PUSH.replace('name="认领或退回"', 'name="认领或退回部门"')
        .replace('<bpmn:userTask id="confirm_department"', '<bpmn:manualTask id="confirm_department"')
        .replace(
            '</bpmn:userTask>\n      <bpmn:boundaryEvent id="confirm_overdue"',
            '</bpmn:manualTask>\n      <bpmn:boundaryEvent id="confirm_overdue"',
        )
        .replace('value="registrar" />', 'value="officer" />')
        .replace('claim_decision == "claim"', 'claim_decision == "claimed"')
        .replace(
            '<bpmn:inputDataItem id="department" name="department" />',
            '<bpmn:inputDataItem id="department" name="dept" />',
        )
        .replace(
            'sourceRef="pool_escalate" targetRef="pool_escalated"',
            'sourceRef="pool_escalate" targetRef="end"',
        )
    )
    diff = diff_bpmn(PUSH, new)
    assert _fields(_changed(diff, "claim_or_return")) == {"name": ("名称", "认领或退回", "认领或退回部门")}
    confirm = _fields(_changed(diff, "confirm_department"))
    assert confirm["type"] == ("类型", "用户任务", "手工任务")
    assert confirm["property:candidate_role"] == ("候选角色", "registrar", "officer")
    assert _fields(_changed(diff, "flow_claimed"))["condition"] == (
        "条件表达式",
        'claim_decision == "claim"',
        'claim_decision == "claimed"',
    )
    label, old, new_value = _fields(_changed(diff, "push_to_department"))["multi_instance"]
    assert label == "多实例设置" and "元素变量 department" in old and "元素变量 dept" in new_value
    # A connection's end is shown by the name of the element it points to.
    flow = _changed(diff, "flow_pool_escalated")
    assert _fields(flow)["attr:targetRef"] == ("连线终点", "已转督办", "办结")
    assert flow.name == "转效能督办 → 办结" and not flow.has_name


def test_script_documentation_and_other_properties():
    old = PUSH.replace(
        '<bpmn:endEvent id="end" name="办结">',
        '<bpmn:scriptTask id="tidy" name="整理数据"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>\n'
        '    <bpmn:endEvent id="end" name="办结">',
    )
    new = (
        old.replace("<bpmn:script>x = 1</bpmn:script>", "<bpmn:script>x = 2</bpmn:script>")
        .replace("一件登记一个案件。", "一件登记对应一个案件。")
        .replace('name="keep_assignee" value="true"', 'name="keep_assignee" value="false"', 1)
    )
    diff = diff_bpmn(old, new)
    assert _fields(_changed(diff, "tidy")) == {"script": ("脚本", "x = 1", "x = 2")}
    assert _fields(_changed(diff, "registration_push"))["documentation"][0] == "文档"
    assert _fields(_changed(diff, "permit_feedback"))["property:keep_assignee"] == (
        "由认领人继续办理",
        "true",
        "false",
    )


def test_added_and_removed_elements_with_what_they_say():
    new = PUSH.replace(
        '    <bpmn:endEvent id="pool_escalated" name="已转督办">\n'
        "      <bpmn:incoming>flow_pool_escalated</bpmn:incoming>\n"
        "    </bpmn:endEvent>\n",
        '    <bpmn:userTask id="pool_review" name="复核认领池">\n'
        "      <bpmn:extensionElements><spiffworkflow:properties>"
        '<spiffworkflow:property name="candidate_department" value="pool_department" />'
        "</spiffworkflow:properties></bpmn:extensionElements>\n"
        "    </bpmn:userTask>\n",
    )
    assert new != PUSH
    diff = diff_bpmn(PUSH, new)
    assert [(c.element_id, c.kind_label, c.name) for c in diff.added] == [
        ("pool_review", "新增", "复核认领池")
    ]
    assert {f.label: f.new for f in diff.added[0].fields} == {"候选部门": "pool_department"}
    assert [(c.element_id, c.kind_label, c.type_label, c.name) for c in diff.removed] == [
        ("pool_escalated", "删除", "结束事件", "已转督办")
    ]
    assert diff.markers()["added"] == ["pool_review"] and diff.markers()["removed"] == ["pool_escalated"]


def test_moving_shapes_and_rerouting_is_layout_only():
    new = PUSH.replace(
        '<dc:Bounds x="410" y="120" width="100" height="80" />',
        '<dc:Bounds x="420" y="130" width="120" height="80" />',
    ).replace(
        '<di:waypoint x="148" y="240" /><di:waypoint x="195" y="240" />',
        '<di:waypoint x="148" y="240" /><di:waypoint x="170" y="250" /><di:waypoint x="195" y="240" />',
    )
    diff = diff_bpmn(PUSH, new)
    assert not diff.has_semantic_changes and not diff.identical
    assert [(c.element_id, c.kind_label) for c in diff.layout_only] == [
        ("claim_or_return", "仅布局调整"),
        ("flow_start_routed", "仅布局调整"),
    ]
    # Reformatting alone (numbers written differently, attribute order) is no change at all.
    assert not diff_bpmn(PUSH, PUSH.replace('x="112" y="222"', 'x="112.0" y="222"')).layout_only


def test_a_moved_and_renamed_element_is_a_semantic_change_only():
    new = PUSH.replace('name="认领或退回"', 'name="认领"').replace('x="410" y="120"', 'x="400" y="120"')
    diff = diff_bpmn(PUSH, new)
    assert [c.element_id for c in diff.changed] == ["claim_or_return"] and not diff.layout_only


def test_unreadable_or_unsafe_xml_is_refused_in_chinese():
    with pytest.raises(BpmnDiffError, match="新版本的流程图不是格式正确的 XML"):
        diff_bpmn(PUSH, "<bpmn:definitions")
    evil = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    with pytest.raises(BpmnDiffError, match="旧版本"):
        diff_bpmn(evil, PUSH)


def test_every_reference_model_diffs_against_itself_without_a_crash():
    files = sorted(miwg_dir().glob("*.bpmn"))
    assert len(files) == 21
    for path in files:
        text = path.read_bytes().decode("utf-8")
        diff = diff_bpmn(text, text)
        assert not diff.has_semantic_changes and not diff.layout_only, path.name


# --- the pages --------------------------------------------------------------------------------


def _deploy(xml: str, name: str, actor=None, comment: str = ""):
    from processes.deploy import deploy_bpmn

    return deploy_bpmn(xml=xml, source_name=name, actor=actor, comment=comment).version


@pytest.fixture
def push_v2(users):
    new = PUSH.replace('clock("push.claim")', 'clock("push.pool")').replace(
        'name="认领或退回"', 'name="认领或退回部门"'
    )
    return _deploy(new, "registration_push.bpmn", users["admin"], "认领时限改用公示期")


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])
    return client


@pytest.mark.django_db
def test_versions_page_lists_every_version_with_cases_and_actions(admin_client, users, push_v2, start_case):
    v1 = ProcessVersion.objects.get(definition__key="registration_push", version=1)
    url = reverse("workbench:studio-process", args=["registration_push"])
    page = admin_client.get(url).content.decode()
    assert "双告知：登记信息推送与许可反馈" in page and "registration_push" in page
    rows = re.findall(r'<tr data-testid="version-row" data-version="(\d)"', page)
    assert rows == ["2", "1"]
    assert page.count('data-testid="active-badge"') == 1
    assert "系统管理员" in page and "认领时限改用公示期" in page  # 部署人 name, 部署说明
    assert reverse("workbench:studio-diff", args=[push_v2.pk]) in page
    assert reverse("workbench:studio-diff", args=[v1.pk]) not in page  # v1 has no previous version
    assert reverse("workbench:studio-version-xml", args=[v1.pk]) in page
    assert f"{reverse('workbench:studio')}?from_version={v1.pk}" in page
    assert "启用此版本" in page
    # No edit or delete of a version anywhere.
    assert (
        not re.search(r">\s*(删除|修改)[^<]*</(a|button)>", page)
        and "/admin/processes/processversion" not in page
    )
    posts = re.findall(r'<form method="post"(?: class="[^"]*")?>', page)
    assert len(posts) == 1 and page.count('name="version"') == 1  # only 启用 (v1), nothing else writes
    # 迁移案件 appears once a version has running cases.
    assert reverse("workbench:studio-migrate", args=[v1.pk]) not in page
    demo = ProcessDefinition.objects.get(key="demo_claim")
    case = start_case()
    done = start_case()
    ProcessInstance.objects.filter(pk=done.pk).update(status=ProcessInstance.Status.COMPLETED)
    page = admin_client.get(reverse("workbench:studio-process", args=["demo_claim"])).content.decode()
    assert reverse("workbench:studio-migrate", args=[case.process_version_id]) in page
    assert re.search(r'data-testid="running-cases">1<', page) and re.search(
        r'data-testid="all-cases">2<', page
    )
    assert demo.name in page


@pytest.mark.django_db
def test_only_process_admins_see_the_versions_pages(client, users, push_v2):
    urls = [
        reverse("workbench:studio-process", args=["registration_push"]),
        reverse("workbench:studio-version-xml", args=[push_v2.pk]),
        reverse("workbench:studio-diff", args=[push_v2.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(urls[0], {"version": push_v2.pk, "reason": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(users["officer_wj"])
    for url in urls:
        assert client.get(url).status_code == 403
    v1 = ProcessVersion.objects.get(definition__key="registration_push", version=1)
    assert client.post(urls[0], {"version": v1.pk, "reason": "越权回退"}).status_code == 403
    assert ProcessVersion.objects.get(pk=push_v2.pk).is_active


@pytest.mark.django_db
def test_rollback_without_a_reason_is_refused_and_changes_nothing(admin_client, push_v2):
    v1 = ProcessVersion.objects.get(definition__key="registration_push", version=1)
    audits = AuditEvent.objects.count()
    url = reverse("workbench:studio-process", args=["registration_push"])
    response = admin_client.post(url, {"version": v1.pk, "reason": "   "})
    assert response.status_code == 400
    assert "请填写启用 v1 的原因" in response.content.decode()
    assert ProcessVersion.objects.get(pk=push_v2.pk).is_active
    assert not ProcessVersion.objects.get(pk=v1.pk).is_active
    assert AuditEvent.objects.count() == audits


@pytest.mark.django_db
def test_rollback_with_a_reason_moves_new_cases_and_leaves_running_ones(admin_client, users, start_case):
    v1 = ProcessVersion.objects.get(definition__key="demo_claim", is_active=True)
    v2 = _deploy(
        DEMO.replace("请认领后按时限办理", "请认领后按法定时限办理"), "demo_claim.bpmn", users["admin"]
    )
    assert v2.version == v1.version + 1 and v2.is_active
    running = start_case(title="v2 上启动的案件")
    assert running.process_version_id == v2.pk

    url = reverse("workbench:studio-process", args=["demo_claim"])
    response = admin_client.post(url, {"version": v1.pk, "reason": "新版说明有误，回退"}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"已启用 v{v1.version}" in text and "进行中的案件仍按各自启动时的版本办理" in text

    assert (
        ProcessVersion.objects.get(pk=v1.pk).is_active and not ProcessVersion.objects.get(pk=v2.pk).is_active
    )
    event = AuditEvent.objects.filter(action="process_activated").latest("pk")
    assert event.actor == users["admin"]
    assert event.payload["version"] == v1.version and event.payload["previous"] == v2.version
    assert event.payload["comment"] == "新版说明有误，回退"
    new_case = start_case(title="回退后启动的案件")
    assert new_case.process_version_id == v1.pk
    running.refresh_from_db()
    assert running.process_version_id == v2.pk and running.status == ProcessInstance.Status.RUNNING


@pytest.mark.django_db
def test_rollback_refuses_a_version_of_another_process(admin_client, push_v2):
    demo_version = ProcessVersion.objects.get(definition__key="demo_claim", is_active=True)
    url = reverse("workbench:studio-process", args=["registration_push"])
    response = admin_client.post(url, {"version": demo_version.pk, "reason": "x"}, follow=True)
    assert "请选择本流程的一个版本" in response.content.decode()
    assert ProcessVersion.objects.get(pk=push_v2.pk).is_active


@pytest.mark.django_db
def test_export_is_the_deployed_xml_byte_for_byte(admin_client, users):
    raw = (ROOT / "bpmn" / "registration_push.bpmn").read_bytes()
    version = ProcessVersion.objects.get(definition__key="registration_push", version=1)
    response = admin_client.get(reverse("workbench:studio-version-xml", args=[version.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="registration_push-v1.bpmn"'
    assert response.content == raw
    assert hashlib.sha256(response.content).hexdigest() == version.sha256


@pytest.mark.django_db
def test_export_of_reference_models_stored_without_validation_is_byte_for_byte(admin_client):
    files = sorted(miwg_dir().glob("*.bpmn"))
    assert len(files) == 21
    definition = ProcessDefinition.objects.create(key="miwg_reference", name="MIWG 参考模型")
    for number, path in enumerate(files, start=1):
        raw = path.read_bytes()
        version = ProcessVersion.objects.create(
            definition=definition,
            version=number,
            bpmn_xml=raw.decode("utf-8"),
            sha256=hashlib.sha256(raw).hexdigest(),
            source_name=path.name,
        )
        response = admin_client.get(reverse("workbench:studio-version-xml", args=[version.pk]))
        assert response.content == raw, path.name
        assert response["Content-Disposition"] == f'attachment; filename="miwg_reference-v{number}.bpmn"'


@pytest.mark.django_db
def test_diff_page_lists_the_changes_in_words_and_marks_the_diagrams(admin_client, push_v2):
    response = admin_client.get(reverse("workbench:studio-diff", args=[push_v2.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "v1 → v2" in page
    assert "认领超期" in page and "定时器表达式" in page
    assert (
        "workdays(clock(&quot;push.claim&quot;))" in page and "workdays(clock(&quot;push.pool&quot;))" in page
    )
    assert "认领或退回部门" in page and "名称" in page
    assert 'clock("push.pool") = 公示认领池认领' in page.replace("&quot;", '"')
    markers = response.context["markers"]
    assert sorted(markers["changed"]) == ["claim_or_return", "claim_overdue"]
    assert 'id="diff-markers"' in page and "bpmn-navigated-viewer.production.min.js" in page
    assert page.count('data-diff-side="') == 2


@pytest.mark.django_db
def test_diff_page_shows_role_codes_as_names_and_layout_apart(admin_client, users):
    new = PUSH.replace('value="registrar" />', 'value="officer" />').replace(
        'x="112" y="222"', 'x="90" y="222"'
    )
    v2 = _deploy(new, "registration_push.bpmn", users["admin"])
    page = admin_client.get(reverse("workbench:studio-diff", args=[v2.pk])).content.decode()
    assert "候选角色" in page and "<del>登记人员</del>" in page and "<ins>经办人员</ins>" in page
    assert 'data-testid="layout-only"' in page and "收到登记信息" in page


@pytest.mark.django_db
def test_diff_against_a_chosen_version_and_refusals(admin_client, users, push_v2):
    v1 = ProcessVersion.objects.get(definition__key="registration_push", version=1)
    v3 = _deploy(PUSH.replace('name="认领超期"', 'name="认领逾期"'), "registration_push.bpmn", users["admin"])
    page = admin_client.get(
        reverse("workbench:studio-diff", args=[v3.pk]) + f"?against={v1.pk}"
    ).content.decode()
    assert "v1 → v3" in page and "认领逾期" in page
    other = ProcessVersion.objects.get(definition__key="demo_claim", is_active=True)
    response = admin_client.get(reverse("workbench:studio-diff", args=[v3.pk]) + f"?against={other.pk}")
    assert response.status_code == 400
    assert "只能与同一流程的版本对比" in response.content.decode()
    assert "diff-markers" not in response.content.decode()
    first = admin_client.get(reverse("workbench:studio-diff", args=[v1.pk])).content.decode()
    assert "第一个版本，没有上一版可对比" in first


# --- in a real browser ------------------------------------------------------------------------


def _no_sideways_scroll(page) -> bool:
    """True when nothing is wider than the window once the page has settled (a resize and a
    diagram still being drawn may stick out for a frame); otherwise prints what sticks out."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("document.documentElement.scrollWidth <= window.innerWidth", timeout=3000)
        return True
    except PlaywrightTimeout:
        pass
    wide = page.evaluate(
        """() => {
          const w = window.innerWidth;
          if (document.documentElement.scrollWidth <= w) return [];
          return [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w + 1)
            .slice(0, 8)
            .map(e => e.tagName + '.' + e.className + ' right=' + Math.round(e.getBoundingClientRect().right)
                 + ' ' + (e.textContent || '').trim().slice(0, 40));
        }"""
    )
    if wide:
        print("wider than the window:", page.viewport_size, *wide, sep="\n  ")
    return not wide


def _shot(page, name: str) -> None:
    """Screenshots for a human to look at, when SHOTS_DIR names a folder."""
    import os

    if os.environ.get("SHOTS_DIR"):
        page.screenshot(path=str(Path(os.environ["SHOTS_DIR"]) / name), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_versions_rollback_and_visual_diff(launch_chromium, live_server, users):
    from playwright.sync_api import expect

    from .browser_pages import _expect_message, _logged_in

    new = PUSH.replace('clock("push.claim")', 'clock("push.pool")').replace(
        'name="认领或退回"', 'name="认领或退回部门"'
    )
    v2 = _deploy(new, "registration_push_v2.bpmn", users["admin"], "认领时限改用公示期，任务改名")
    browser = launch_chromium()
    versions_path = reverse("workbench:studio-process", args=["registration_push"])
    page = _logged_in(browser, live_server, "admin", versions_path)

    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + versions_path)
        expect(page.locator("[data-testid=diagram][data-ready='1']")).to_be_visible()
        assert _no_sideways_scroll(page), width
        _shot(page, f"versions-{width}.png")

        page.locator("[data-testid=diff-link]").click()  # as people go there (a Turbo visit)
        page.wait_for_url(re.compile(re.escape(reverse("workbench:studio-diff", args=[v2.pk])) + "$"))
        old, new_side = page.locator("[data-diff-side=old]"), page.locator("[data-diff-side=new]")
        expect(old).to_have_attribute("data-ready", "1")
        expect(new_side).to_have_attribute("data-ready", "1")
        # The changed timer and task are amber on both diagrams.
        for side in (old, new_side):
            for element_id in ("claim_overdue", "claim_or_return"):
                expect(side.locator(f"g.djs-element[data-element-id={element_id}]")).to_have_class(
                    re.compile(r"\bxt-diff-changed\b")
                )
        expect(page.locator("[data-testid=change]").filter(has_text="认领超期")).to_contain_text(
            "定时器表达式"
        )
        expect(page.locator("[data-testid=change]").filter(has_text="认领或退回部门")).to_contain_text("名称")
        assert _no_sideways_scroll(page), width
        old_box, new_box = old.bounding_box(), new_side.bounding_box()
        assert old_box and new_box
        if width == 390:
            assert new_box["y"] >= old_box["y"] + old_box["height"]  # stacked
            assert new_box["x"] + new_box["width"] <= 390
        else:
            assert (
                abs(new_box["y"] - old_box["y"]) < 2 and new_box["x"] > old_box["x"] + old_box["width"]
            )  # side by side
        _shot(page, f"diff-{width}.png")
        if width == 1366:
            # A click on a change brings the element into view, outlined, on both diagrams.
            page.locator("[data-testid=change]").filter(has_text="认领超期").click()
            for side in (old, new_side):
                expect(side.locator("g.djs-element[data-element-id=claim_overdue]")).to_have_class(
                    re.compile(r"\bxt-diff-focus\b")
                )
            _shot(page, "diff-focus-1366.png")

    # 回退 to v1 from the page, with a reason; the message says running cases stay.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + versions_path)
    row = page.locator("[data-testid=version-row][data-version='1']")
    row.locator("summary").click()
    row.locator("textarea[name=reason]").fill("v2 的认领时限有误，先回退")
    button = row.get_by_role("button", name="确认启用 v1")
    assert button.inner_text().strip() == "确认启用 v1"  # as written, not uppercased to V1
    button.click()
    _expect_message(page, "已启用 v1")
    expect(
        page.locator("[data-testid=version-row][data-version='1'] [data-testid=active-badge]")
    ).to_be_visible()
    expect(page.locator("[data-testid=reactivated]")).to_contain_text("重新启用：v2 的认领时限有误，先回退")
    history = page.locator("[data-testid=activation-history]")
    expect(history.locator("[data-testid=activation]").first).to_contain_text("重新启用 v1")
    expect(page.locator("[data-testid=diagram][data-ready='1']")).to_be_visible()
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        assert _no_sideways_scroll(page), width
        _shot(page, f"versions-after-rollback-{width}.png")
    assert ProcessVersion.objects.get(definition__key="registration_push", is_active=True).version == 1


def test_a_connection_moved_between_two_ends_of_the_same_name_says_which():
    new = PUSH.replace(
        'sourceRef="pool_escalate" targetRef="pool_escalated"',
        'sourceRef="pool_escalate" targetRef="claim_escalated"',
    )
    (field,) = _changed(diff_bpmn(PUSH, new), "flow_pool_escalated").fields
    assert (field.label, field.old, field.new) == (
        "连线终点",
        "已转督办（pool_escalated）",
        "已转督办（claim_escalated）",
    )


def test_line_ends_written_differently_are_no_change():
    old = PUSH.replace('name="认领或退回"', 'name="认领或&#xA;退回"')
    assert not diff_bpmn(old, old.replace("&#xA;", "&#xD;&#xA;")).has_semantic_changes


LANES = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:message id="m1" name="督办消息" />
  <bpmn:process id="p" name="泳道">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="lane_a" name="登记机关"><bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>t</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="lane_b" name="审批部门"><bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="s" name="开始" />
    <bpmn:userTask id="t" name="登记" />
    <bpmn:endEvent id="e" name="结束"><bpmn:messageEventDefinition id="med" messageRef="m1" /></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def test_lanes_and_messages():
    new = (
        LANES.replace("<bpmn:flowNodeRef>t</bpmn:flowNodeRef></bpmn:lane>", "</bpmn:lane>")
        .replace(
            "<bpmn:flowNodeRef>e</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>e</bpmn:flowNodeRef><bpmn:flowNodeRef>t</bpmn:flowNodeRef>",
        )
        .replace('name="督办消息"', 'name="效能督办"')
    )
    diff = diff_bpmn(LANES, new)
    assert _fields(_changed(diff, "lane_a"))["lane_nodes"] == ("泳道内环节", "开始、登记", "开始")
    assert _fields(_changed(diff, "lane_b"))["lane_nodes"] == ("泳道内环节", "结束", "结束、登记")
    assert _fields(_changed(diff, "m1")) == {"name": ("名称", "督办消息", "效能督办")}
    assert {c.element_id for c in diff.changed} == {"lane_a", "lane_b", "m1"}  # the end event still names m1
    other = LANES.replace('messageRef="m1"', 'messageRef="m2"').replace(
        '<bpmn:message id="m1" name="督办消息" />',
        '<bpmn:message id="m1" name="督办消息" /><bpmn:message id="m2" name="反馈消息" />',
    )
    assert _fields(_changed(diff_bpmn(LANES, other), "e"))["event:messageRef"] == (
        "消息",
        "督办消息",
        "反馈消息",
    )


# --- QA: codes read as names, the activation history, source names ------------------------------


def _with_properties(xml: str, *properties: str) -> str:
    """claim_or_return with more spiffworkflow properties (as the studio's panel writes them)."""
    anchor = '<spiffworkflow:property name="candidate_role" value="officer" />'
    start = xml.index('<bpmn:userTask id="claim_or_return"')
    at = xml.index(anchor, start) + len(anchor)
    return xml[:at] + "".join(properties) + xml[at:]


def test_form_key_and_escalation_department_have_labels_and_the_form_is_named_by_its_task():
    new = _with_properties(
        PUSH,
        '<spiffworkflow:property name="form_key" value="confirm_department" />',
        '<spiffworkflow:property name="escalation_department" value="510802-XN" />',
    )
    fields = _fields(_changed(diff_bpmn(PUSH, new), "claim_or_return"))
    assert fields["property:form_key"] == ("表单", "", "人工确认审批部门的表单")
    assert fields["property:escalation_department"] == ("超期督办部门", "", "510802-XN")
    # A form key that names no element of the diagram stays as written.
    other = _with_properties(PUSH, '<spiffworkflow:property name="form_key" value="first_opinion" />')
    assert _fields(_changed(diff_bpmn(PUSH, other), "claim_or_return"))["property:form_key"][2] == (
        "first_opinion"
    )


@pytest.mark.django_db
def test_diff_page_names_departments_and_forms_not_codes(admin_client, users):
    new = _with_properties(
        PUSH,
        '<spiffworkflow:property name="form_key" value="confirm_department" />',
        '<spiffworkflow:property name="escalation_department" value="510802-XN" />',
    ).replace(
        '<spiffworkflow:property name="candidate_department" value="pool_department" />',
        '<spiffworkflow:property name="candidate_department" value="&quot;WJW&quot;" />',
    )
    v2 = _deploy(new, "registration_push.bpmn", users["admin"])
    page = admin_client.get(reverse("workbench:studio-diff", args=[v2.pk])).content.decode()
    text = re.sub(r"<[^>]+>", "", page)
    assert "超期督办部门：平台默认 → 利州区效能督查办公室（510802-XN）" in text
    assert "表单：本环节的表单（默认） → 人工确认审批部门的表单" in text
    assert "候选部门：pool_department → 广元市卫生健康委员会" in text
    assert "escalation_department" not in text and "confirm_department" not in text
    assert "&quot;WJW&quot;" not in page and "扩展属性" not in text


@pytest.mark.django_db
def test_versions_page_shows_who_activated_which_version_when_and_why(admin_client, users, push_v2):
    v1 = ProcessVersion.objects.get(definition__key="registration_push", version=1)
    url = reverse("workbench:studio-process", args=["registration_push"])
    admin_client.post(url, {"version": v1.pk, "reason": "v2 的认领时限有误，先回退"})
    page = admin_client.get(url).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert 'data-testid="activation-history"' in page and "版本启用记录" in page
    assert re.search(
        r"v1 于 \d{4}-\d\d-\d\d \d\d:\d\d 由 系统管理员 重新启用：v2 的认领时限有误，先回退", text
    )
    rows = re.findall(r'data-testid="activation" data-action="(\w+)" data-version="(\d+)"', page)
    # newest first, and only this process's rows (every bundled process was deployed as v1)
    assert rows == [("process_activated", "1"), ("process_deployed", "2"), ("process_deployed", "1")]
    assert "重新启用 v1 （此前为 v2）" in text and "部署并启用 v2" in text
    assert "认领时限改用公示期" in text  # the deploy's comment


@pytest.mark.django_db
def test_a_version_deployed_from_a_studio_draft_reads_as_the_draft(admin_client, users):
    _deploy(PUSH.replace('name="认领超期"', 'name="认领逾期"'), "studio-draft-7", users["admin"])
    page = admin_client.get(reverse("workbench:studio-process", args=["registration_push"])).content.decode()
    cells = re.findall(r'data-testid="source-name">([^<]*)<', page)
    assert cells == ["流程设计草稿 #7", "registration_push.bpmn"]
