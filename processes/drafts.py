"""Drafts of the process studio: open a version or a file, save, check, deploy as a new version.

A draft may hold a diagram the engine cannot run (an import made elsewhere, work in progress);
only deploying requires it to pass ``validate_bpmn``.  Every change writes an audit row.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .audit import record
from .bpmn_diff import BpmnDiffError, diff_bpmn
from .bpmn_validation import NSMAP, Problem, validate_bpmn
from .deploy import DeployResult, deploy_bpmn
from .errors import DeployRejected, EngineError
from .models import ProcessDefinition, ProcessDraft, ProcessVersion

MAX_DRAFT_BYTES = 5 * 1024 * 1024


class DraftConflict(EngineError):
    """The draft was saved by someone else since this editor opened it."""

    code = "draft_conflict"
    status = 409


class DraftRejected(EngineError):
    code = "draft_rejected"


def _process_of(xml: str) -> tuple[str, str]:
    """``(process id, name)`` of the file's first process, or ``("", "")`` if none can be read."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(xml.encode("utf-8"), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return "", ""
    processes = root.xpath("./bpmn:process", namespaces=NSMAP)
    executable = [p for p in processes if p.get("isExecutable") == "true"] or processes
    if not executable:
        return "", ""
    return executable[0].get("id") or "", executable[0].get("name") or ""


def process_key(xml: str) -> str:
    """The id of the file's (executable) process, "" if none can be read."""
    return _process_of(xml)[0]


def _checked_text(xml: str | bytes) -> str:
    if isinstance(xml, bytes):
        try:
            xml = xml.decode("utf-8")
        except UnicodeDecodeError:
            raise DraftRejected("文件不是 UTF-8 编码的 BPMN XML") from None
    if not xml.strip():
        raise DraftRejected("流程图为空")
    if len(xml.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise DraftRejected("流程图超过 5 MB，无法保存")
    return xml


def open_version(*, version_id: int, actor) -> ProcessDraft:
    """A draft holding a deployed version's XML as it was stored.

    The admin's own undeployed draft of that version is reopened rather than copied again.
    """
    version = ProcessVersion.objects.select_related("definition").get(pk=version_id)
    mine = ProcessDraft.objects.filter(base_version=version, created_by=actor, deployed_version__isnull=True)
    existing = mine.order_by("-updated_at").first()
    if existing is not None:
        return existing
    draft = ProcessDraft.objects.create(
        definition=version.definition,
        base_version=version,
        title=f"{version.definition.name}（基于 v{version.version}）",
        bpmn_xml=version.bpmn_xml,
        created_by=actor,
        updated_by=actor,
    )
    record("draft_created", actor=actor, draft=draft.pk, key=version.definition.key, version=version.version)
    return draft


def import_file(*, xml: str | bytes, source_name: str, actor) -> ProcessDraft:
    """A new draft from a ``.bpmn`` made elsewhere, kept as uploaded (it may not be deployable)."""
    text = _checked_text(xml)
    key, name = _process_of(text)
    definition = ProcessDefinition.objects.filter(key=key).first() if key else None
    draft = ProcessDraft.objects.create(
        definition=definition,
        base_version=definition.active_version if definition else None,
        title=name or source_name or key or "导入的流程图",
        bpmn_xml=text,
        created_by=actor,
        updated_by=actor,
    )
    record("draft_created", actor=actor, draft=draft.pk, key=key, source=source_name)
    return draft


def save(*, draft_id: int, xml: str | bytes, revision: int, actor) -> ProcessDraft:
    """Store the editor's XML; refused if someone saved the draft since ``revision``."""
    text = _checked_text(xml)
    with transaction.atomic():
        draft = ProcessDraft.objects.select_for_update().get(pk=draft_id)
        if draft.deployed_version_id is not None:
            raise DraftRejected("该草稿已部署，不能再修改；请从版本重新打开编辑")
        if draft.revision != revision:
            who = (
                draft.updated_by.get_full_name() or draft.updated_by.username if draft.updated_by else "他人"
            )
            raise DraftConflict(
                f"草稿已被{who}于 {timezone.localtime(draft.updated_at):%Y-%m-%d %H:%M} 保存（第 {draft.revision} 次修订），"
                "请先“导出 BPMN”留存您的修改，再重新打开草稿",
                details={"revision": draft.revision},
            )
        if text != draft.bpmn_xml:
            draft.bpmn_xml = text
            draft.revision += 1
            draft.updated_by = actor
            draft.save(update_fields=["bpmn_xml", "revision", "updated_by", "updated_at"])
            record("draft_saved", actor=actor, draft=draft.pk, revision=draft.revision)
    return draft


def check(xml: str | bytes) -> list[Problem]:
    """Every reason the diagram cannot be deployed (empty when it can)."""
    try:
        text = _checked_text(xml)
    except DraftRejected as exc:
        return [Problem("", exc.message)]
    _parsed, problems = validate_bpmn(text)
    return problems


def deploy(
    *, draft_id: int, revision: int, comment: str, actor, xml: str | bytes | None = None
) -> DeployResult:
    """Save (if ``xml``) and deploy the draft as a new version with the admin's comment.

    The save is committed first: a diagram refused by validation keeps the admin's edits.
    """
    if not comment.strip():
        raise DraftRejected("请填写部署说明（本次修改了什么、依据哪项规定）")
    if xml is not None:
        revision = save(draft_id=draft_id, xml=xml, revision=revision, actor=actor).revision
    with transaction.atomic():
        draft = (
            ProcessDraft.objects.select_for_update(of=("self",)).select_related("definition").get(pk=draft_id)
        )
        if draft.deployed_version_id is not None:
            raise DraftRejected("该草稿已部署")
        if draft.revision != revision:
            raise DraftConflict("草稿已被他人修改，请重新打开后再部署", details={"revision": draft.revision})
        key, _name = _process_of(draft.bpmn_xml)
        if draft.definition is not None and key and key != draft.definition.key:
            raise DeployRejected(
                [
                    Problem(
                        key,
                        f"流程标识已从“{draft.definition.key}”改为“{key}”：部署会成为另一个流程。"
                        "如需新建流程，请导入文件；否则请改回原流程标识",
                    )
                ]
            )
        _refuse_unchanged(draft)
        result = deploy_bpmn(
            xml=draft.bpmn_xml, source_name=f"studio-draft-{draft.pk}", actor=actor, comment=comment.strip()
        )
        draft.deployed_version = result.version
        draft.definition = result.version.definition
        draft.save(update_fields=["deployed_version", "definition", "updated_at"])
    return result


def _unchanged_from(version: ProcessVersion, xml: str) -> bool:
    """Nothing added, removed, changed or moved (the editor rewrites the text, so compare elements)."""
    try:
        diff = diff_bpmn(version.bpmn_xml, xml)
    except BpmnDiffError:
        return False
    return not (diff.has_semantic_changes or diff.layout_only)


def _refuse_unchanged(draft: ProcessDraft) -> None:
    active = draft.definition.active_version if draft.definition else None
    if active is not None and _unchanged_from(active, draft.bpmn_xml):
        raise DraftRejected(f"流程图与当前版本 v{active.version} 相同，没有任何修改，未部署")
    base = draft.base_version
    if base is not None and base != active and _unchanged_from(base, draft.bpmn_xml):
        raise DraftRejected(
            f"草稿与其所基于的 v{base.version} 相同，没有任何修改，未部署。"
            f"如需让新案件回到 v{base.version}，请在版本页使用“启用此版本”"
        )


def stale_base(draft: ProcessDraft) -> ProcessVersion | None:
    """The active version, when the draft was opened from another one (deploying it replaces the
    active version's changes with the draft's)."""
    active = draft.definition.active_version if draft.definition else None
    if draft.base_version is None or active is None or active.pk == draft.base_version_id:
        return None
    return active


def discard(*, draft_id: int, actor) -> None:
    with transaction.atomic():
        draft = ProcessDraft.objects.select_for_update().get(pk=draft_id)
        record("draft_deleted", actor=actor, draft=draft.pk, title=draft.title)
        draft.delete()
