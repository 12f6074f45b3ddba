"""流程设计: the studio index (processes, drafts, import) and the BPMN editor with its JSON calls
(save a draft, check it on the server, deploy it as a new version)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from processes import drafts
from processes.errors import DeployRejected, UserFacingError
from processes.models import ProcessDefinition, ProcessDraft, ProcessInstance, ProcessVersion

from . import catalogue
from .access import ProcessAdminRequired

RUNNING = [
    ProcessInstance.Status.RUNNING,
    ProcessInstance.Status.SUSPENDED,
    ProcessInstance.Status.INCIDENT,
]


def _json_error(exc: UserFacingError) -> JsonResponse:
    body = {"code": exc.code, "message": exc.message, "details": exc.details}
    return JsonResponse(body, status=exc.status, json_dumps_params={"ensure_ascii": False})


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise drafts.DraftRejected("请求内容不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise drafts.DraftRejected("请求内容应为 JSON 对象")
    return data


def _revision(data: dict) -> int:
    value = data.get("revision")
    if not isinstance(value, int) or isinstance(value, bool):
        raise drafts.DraftRejected("缺少草稿修订号（revision）")
    return value


def _xml(data: dict) -> str:
    value = data.get("xml")
    if not isinstance(value, str):
        raise drafts.DraftRejected("缺少流程图（xml）")
    return value


def _problems(problems) -> list[dict]:
    return [{"element_id": p.element_id, "reason": p.reason} for p in problems]


def _draft(draft_id: int) -> ProcessDraft:
    draft = (
        ProcessDraft.objects.select_related("definition", "base_version", "updated_by")
        .filter(pk=draft_id)
        .first()
    )
    if draft is None:
        raise Http404("草稿不存在或已删除")
    return draft


class StudioIndexView(ProcessAdminRequired, View):
    def get(self, request):
        definitions = ProcessDefinition.objects.annotate(
            version_count=Count("versions", distinct=True),
        ).order_by("name")
        running = dict(
            ProcessInstance.objects.filter(status__in=RUNNING)
            .values_list("process_version__definition_id")
            .annotate(n=Count("id"))
            .values_list("process_version__definition_id", "n")
        )
        active = {
            v.definition_id: v
            for v in ProcessVersion.objects.filter(is_active=True)
            .select_related("deployed_by")
            .defer("bpmn_xml")
        }
        rows = [
            {"definition": d, "active": active.get(d.pk), "running": running.get(d.pk, 0)}
            for d in definitions
        ]
        from_version = None
        if request.GET.get("from_version", "").isdigit():
            from_version = (
                ProcessVersion.objects.select_related("definition")
                .defer("bpmn_xml")
                .filter(pk=int(request.GET["from_version"]))
                .first()
            )
        open_drafts = ProcessDraft.objects.filter(deployed_version__isnull=True).select_related(
            "definition", "base_version", "updated_by"
        )
        return render(
            request,
            "studio/index.html",
            {"title": "流程设计", "rows": rows, "drafts": open_drafts, "from_version": from_version},
        )


class OpenVersionView(ProcessAdminRequired, View):
    """POST: a new draft from a deployed version (any version, not only the active one)."""

    def post(self, request, version_id: int):
        if not ProcessVersion.objects.filter(pk=version_id).exists():
            raise Http404("流程版本不存在")
        draft = drafts.open_version(version_id=version_id, actor=request.user)
        return HttpResponseRedirect(reverse("workbench:studio-draft", args=[draft.pk]))


class ImportView(ProcessAdminRequired, View):
    """POST a .bpmn made elsewhere: it opens in the editor as a draft, whatever the engine thinks of it."""

    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要导入的 BPMN 文件")
            return HttpResponseRedirect(reverse("workbench:studio"))
        try:
            draft = drafts.import_file(xml=upload.read(), source_name=upload.name, actor=request.user)
        except UserFacingError as exc:
            messages.error(request, f"无法导入“{upload.name}”：{exc.message}")
            return HttpResponseRedirect(reverse("workbench:studio"))
        return HttpResponseRedirect(reverse("workbench:studio-draft", args=[draft.pk]))


class DraftEditorView(ProcessAdminRequired, View):
    def get(self, request, draft_id: int):
        draft = _draft(draft_id)
        case_type = draft.definition.key if draft.definition else ""
        return render(
            request,
            "studio/editor.html",
            {
                "title": f"编辑流程：{draft.title}",
                "draft": draft,
                "catalogue": catalogue.for_editor(case_type, timezone.localdate()),
                "deployed": draft.deployed_version,
                "active_instead": drafts.stale_base(draft),
            },
        )


class DraftXmlView(ProcessAdminRequired, View):
    """The draft's XML exactly as saved (the editor loads it; 导出 downloads it)."""

    def get(self, request, draft_id: int):
        draft = _draft(draft_id)
        response = HttpResponse(draft.bpmn_xml.encode("utf-8"), content_type="application/xml; charset=utf-8")
        if request.GET.get("download"):
            key = draft.definition.key if draft.definition else drafts.process_key(draft.bpmn_xml)
            name = f"{key or 'draft'}-draft{draft.pk}.bpmn"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class DraftSaveView(ProcessAdminRequired, View):
    def post(self, request, draft_id: int):
        _draft(draft_id)
        try:
            data = _body(request)
            draft = drafts.save(
                draft_id=draft_id, xml=_xml(data), revision=_revision(data), actor=request.user
            )
        except UserFacingError as exc:
            return _json_error(exc)
        return JsonResponse(
            {
                "revision": draft.revision,
                "saved_at": timezone.localtime(draft.updated_at).strftime("%H:%M:%S"),
            }
        )


class DraftCheckView(ProcessAdminRequired, View):
    """POST the editor's XML: every problem with its element, nothing saved."""

    def post(self, request, draft_id: int):
        _draft(draft_id)
        try:
            problems = drafts.check(_xml(_body(request)))
        except UserFacingError as exc:
            return _json_error(exc)
        return JsonResponse(
            {"deployable": not problems, "problems": _problems(problems)},
            json_dumps_params={"ensure_ascii": False},
        )


class DraftDeployView(ProcessAdminRequired, View):
    def post(self, request, draft_id: int):
        _draft(draft_id)
        try:
            data = _body(request)
            result = drafts.deploy(
                draft_id=draft_id,
                xml=_xml(data),
                revision=_revision(data),
                comment=str(data.get("comment") or ""),
                actor=request.user,
            )
        except DeployRejected as exc:
            body: dict[str, object] = {
                "code": exc.code,
                "message": "流程图校验未通过，未部署",
                "problems": _problems(exc.problems),
            }
            body["revision"] = ProcessDraft.objects.get(pk=draft_id).revision
            return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
        except UserFacingError as exc:
            return _json_error(exc)
        version = result.version
        messages.success(
            request,
            f"已部署“{version.definition.name}” v{version.version}：新案件按此版本办理，办理中的案件仍按原版本",
        )
        return JsonResponse(
            {
                "key": version.definition.key,
                "version": version.version,
                "created": result.created,
                "url": reverse("workbench:studio-process", args=[version.definition.key]),
            },
            json_dumps_params={"ensure_ascii": False},
        )


class DraftDeleteView(ProcessAdminRequired, View):
    def post(self, request, draft_id: int):
        draft = _draft(draft_id)
        drafts.discard(draft_id=draft.pk, actor=request.user)
        messages.success(request, f"已删除草稿“{draft.title}”")
        return HttpResponseRedirect(reverse("workbench:studio"))


urlpatterns: list = [
    path("studio/", StudioIndexView.as_view(), name="studio"),
    path("studio/import/", ImportView.as_view(), name="studio-import"),
    path("studio/versions/<int:version_id>/edit/", OpenVersionView.as_view(), name="studio-open-version"),
    path("studio/drafts/<int:draft_id>/", DraftEditorView.as_view(), name="studio-draft"),
    path("studio/drafts/<int:draft_id>/diagram.bpmn", DraftXmlView.as_view(), name="studio-draft-xml"),
    path("studio/drafts/<int:draft_id>/save", DraftSaveView.as_view(), name="studio-draft-save"),
    path("studio/drafts/<int:draft_id>/check", DraftCheckView.as_view(), name="studio-draft-check"),
    path("studio/drafts/<int:draft_id>/deploy", DraftDeployView.as_view(), name="studio-draft-deploy"),
    path("studio/drafts/<int:draft_id>/delete/", DraftDeleteView.as_view(), name="studio-draft-delete"),
]
