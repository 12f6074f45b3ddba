"""流程设计: drafts (open a version, import a file, save with a revision check, check, deploy with a
comment) through the studio's pages and JSON calls, and who may use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse

from processes import drafts
from processes.errors import DeployRejected
from processes.models import AuditEvent, ProcessDraft, ProcessVersion

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PUSH_XML = (ROOT / "bpmn" / "registration_push.bpmn").read_text(encoding="utf-8")


def active(key: str = "registration_push") -> ProcessVersion:
    return ProcessVersion.objects.get(definition__key=key, is_active=True)


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])
    return client


def post_json(client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def open_draft(client) -> ProcessDraft:
    response = client.post(reverse("workbench:studio-open-version", args=[active().pk]))
    assert response.status_code == 302
    return ProcessDraft.objects.latest("pk")


def test_only_process_admins_use_the_studio(client, users):
    version = active()
    urls = [reverse("workbench:studio"), reverse("workbench:studio-open-version", args=[version.pk])]
    client.force_login(users["officer_wj"])
    assert client.get(urls[0]).status_code == 403
    assert client.post(urls[1]).status_code == 403
    assert not ProcessDraft.objects.exists()
    client.logout()
    assert client.get(urls[0])["Location"].startswith("/accounts/login/")


def test_opening_a_version_makes_a_draft_with_its_xml_as_stored(admin_client, users):
    page = admin_client.get(reverse("workbench:studio"))
    assert "双告知：登记信息推送与许可反馈" in page.content.decode()
    draft = open_draft(admin_client)
    assert (draft.base_version, draft.definition.key, draft.revision) == (active(), "registration_push", 1)
    xml = admin_client.get(reverse("workbench:studio-draft-xml", args=[draft.pk]))
    assert xml.content == active().bpmn_xml.encode("utf-8")
    editor = admin_client.get(reverse("workbench:studio-draft", args=[draft.pk])).content.decode()
    assert "vendor/bpmn-js/bpmn-modeler.production.min.js" in editor
    catalogue = json.loads(
        editor.split('id="studio-catalogue" type="application/json">')[1].split("</script>")[0]
    )
    claim = next(rule for rule in catalogue["clocks"] if rule["key"] == "push.claim")
    assert claim["days"] == 5 and claim["basis"]
    assert {"code": "process_admin", "name": "流程管理员"} in catalogue["roles"]
    assert any(d["name"] == "卫生健康委员会" or d["code"] == "WJW" for d in catalogue["departments"])
    assert AuditEvent.objects.filter(action="draft_created", actor=users["admin"]).count() == 1
    assert open_draft(admin_client) == draft  # 编辑 again reopens the admin's own undeployed draft
    assert ProcessDraft.objects.count() == 1


def test_save_bumps_the_revision_and_a_stale_editor_is_refused(admin_client, users):
    draft = open_draft(admin_client)
    url = reverse("workbench:studio-draft-save", args=[draft.pk])
    changed = PUSH_XML.replace('name="认领或退回"', 'name="认领或退回（改）"')
    saved = post_json(admin_client, url, {"xml": changed, "revision": 1})
    assert saved.status_code == 200 and saved.json()["revision"] == 2
    stale = post_json(admin_client, url, {"xml": PUSH_XML, "revision": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "draft_conflict"
    assert "导出 BPMN" in stale.json()["message"] and "重新打开" in stale.json()["message"]
    draft.refresh_from_db()
    assert draft.bpmn_xml == changed and draft.revision == 2
    assert AuditEvent.objects.filter(action="draft_saved").count() == 1
    bad = post_json(admin_client, url, {"xml": changed})
    assert bad.status_code == 400 and "revision" in bad.json()["message"]


def test_check_pins_each_problem_to_its_element_and_saves_nothing(admin_client):
    draft = open_draft(admin_client)
    broken = PUSH_XML.replace('workdays(clock("push.claim"))', 'workdays(clock("push.nope"))')
    response = post_json(
        admin_client, reverse("workbench:studio-draft-check", args=[draft.pk]), {"xml": broken}
    )
    body = response.json()
    assert response.status_code == 200 and body["deployable"] is False
    assert [p["element_id"] for p in body["problems"]] == ["claim_overdue"]
    assert "push.nope" in body["problems"][0]["reason"]
    ok = post_json(admin_client, reverse("workbench:studio-draft-check", args=[draft.pk]), {"xml": PUSH_XML})
    assert ok.json() == {"deployable": True, "problems": []}
    draft.refresh_from_db()
    assert draft.revision == 1


def test_deploy_needs_a_comment_keeps_the_edits_when_refused_and_makes_a_new_version(admin_client, users):
    draft = open_draft(admin_client)
    url = reverse("workbench:studio-draft-deploy", args=[draft.pk])
    changed = PUSH_XML.replace('workdays(clock("push.claim"))', 'workdays(clock("push.confirm"))')
    no_comment = post_json(admin_client, url, {"xml": changed, "revision": 1, "comment": " "})
    assert no_comment.status_code == 400 and "部署说明" in no_comment.json()["message"]

    broken = changed.replace('candidate_role" value="registrar"', 'candidate_role" value="chief"')
    refused = post_json(admin_client, url, {"xml": broken, "revision": 1, "comment": "试部署"})
    assert refused.status_code == 400
    assert [p["element_id"] for p in refused.json()["problems"]] == ["confirm_department"]
    draft.refresh_from_db()
    assert (
        draft.bpmn_xml == broken and refused.json()["revision"] == draft.revision == 2
    )  # the edits are kept
    assert active().version == 1

    deployed = post_json(
        admin_client, url, {"xml": changed, "revision": 2, "comment": "认领时限改为 3 个工作日"}
    )
    assert deployed.status_code == 200, deployed.content
    assert deployed.json()["version"] == 2
    v2 = active()
    assert (v2.version, v2.comment, v2.deployed_by) == (2, "认领时限改为 3 个工作日", users["admin"])
    assert v2.bpmn_xml == changed
    draft.refresh_from_db()
    assert draft.deployed_version == v2
    again = post_json(
        admin_client, reverse("workbench:studio-draft-save", args=[draft.pk]), {"xml": changed, "revision": 3}
    )
    assert again.status_code == 400 and "已部署" in again.json()["message"]


def test_deploying_the_active_diagram_unchanged_makes_no_version(users):
    draft = drafts.open_version(version_id=active().pk, actor=users["admin"])
    with pytest.raises(drafts.DraftRejected, match="与当前版本 v1 相同，没有任何修改"):
        drafts.deploy(draft_id=draft.pk, revision=1, comment="无修改", actor=users["admin"])
    # the editor writes the file its own way: the same elements in another layout of the text count as unchanged
    rewritten = PUSH_XML.replace("\n", "\r\n").replace("  <bpmn:message", "<bpmn:message")
    with pytest.raises(drafts.DraftRejected, match="没有任何修改"):
        drafts.deploy(draft_id=draft.pk, revision=1, xml=rewritten, comment="无修改", actor=users["admin"])
    assert ProcessVersion.objects.filter(definition__key="registration_push").count() == 1


def test_a_draft_of_an_older_version_warns_and_an_unchanged_one_is_refused(admin_client, users):
    v1 = active()
    changed = PUSH_XML.replace('workdays(clock("push.claim"))', 'workdays(clock("push.confirm"))')
    first = drafts.open_version(version_id=v1.pk, actor=users["admin"])
    drafts.deploy(draft_id=first.pk, revision=1, xml=changed, comment="认领时限 3 日", actor=users["admin"])
    assert active().version == 2

    old = drafts.open_version(version_id=v1.pk, actor=users["admin"])
    page = admin_client.get(reverse("workbench:studio-draft", args=[old.pk])).content.decode()
    assert "本草稿基于 v1，当前启用的是 v2" in page
    with pytest.raises(drafts.DraftRejected, match="与其所基于的 v1 相同.*启用此版本"):
        drafts.deploy(draft_id=old.pk, revision=1, comment="回到 v1", actor=users["admin"])
    assert active().version == 2


def test_a_draft_may_not_turn_into_another_process(users):
    draft = drafts.open_version(version_id=active().pk, actor=users["admin"])
    renamed = PUSH_XML.replace(
        '<bpmn:process id="registration_push"', '<bpmn:process id="registration_push_2"'
    )
    with pytest.raises(DeployRejected) as refused:
        drafts.deploy(draft_id=draft.pk, revision=1, xml=renamed, comment="改名", actor=users["admin"])
    assert "流程标识已从“registration_push”改为“registration_push_2”" in refused.value.problems[0].reason
    assert not ProcessVersion.objects.filter(definition__key="registration_push_2").exists()


def test_import_keeps_any_bpmn_as_uploaded_even_one_the_engine_cannot_run(admin_client):
    made_elsewhere = (ROOT / "tests" / "bpmn" / "engine_parallel.bpmn").read_text(encoding="utf-8")
    block = (
        '<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="candidate_department" '
        'value="&quot;WJW&quot;" /></spiffworkflow:properties></bpmn:extensionElements>'
    )
    assert block in made_elsewhere
    made_elsewhere = made_elsewhere.replace(block, "", 1)  # 会办意见甲 names no department
    upload = admin_client.post(
        reverse("workbench:studio-import"),
        {"file": _file("other-tool.bpmn", made_elsewhere.encode("utf-8"))},
    )
    draft = ProcessDraft.objects.latest("pk")
    assert upload["Location"] == reverse("workbench:studio-draft", args=[draft.pk])
    assert draft.bpmn_xml == made_elsewhere and draft.definition is None
    assert (
        admin_client.get(reverse("workbench:studio-draft-xml", args=[draft.pk])).content
        == made_elsewhere.encode()
    )
    problems = drafts.check(draft.bpmn_xml)
    assert [p.element_id for p in problems] == ["opinion_a"] and "候选部门" in problems[0].reason

    not_xml = admin_client.post(
        reverse("workbench:studio-import"), {"file": _file("x.bpmn", "不是 XML".encode("gbk"))}
    )
    assert not_xml.status_code == 302 and ProcessDraft.objects.count() == 1
    assert "UTF-8" in admin_client.get(reverse("workbench:studio")).content.decode()


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/xml")
