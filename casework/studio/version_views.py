"""Studio pages: the versions of a process, exporting a version, the visual diff of two versions.

Versions are immutable: these pages never edit or delete one.  The only change they make is
启用此版本 (回退): ``processes.deploy.activate_version`` switches the version new cases start on
and writes the audit row; running cases stay on the version they started on.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.views import View

from casework.organization.models import Role
from casework.workbench import names
from processes.bpmn_diff import BpmnDiffError, ElementChange, FieldChange, clock_keys, diff_bpmn
from processes.deploy import activate_version
from processes.errors import DeployRejected, UserFacingError
from processes.models import ProcessVersion

from . import version_selectors as selectors
from .access import ProcessAdminRequired

REASON_MAX = 500


class ProcessVersionsView(ProcessAdminRequired, View):
    """版本列表: every deployed version of one process, its cases, and what may be done with it."""

    def get(self, request, key: str):
        return self._page(request, selectors.definition_by_key(key))

    def _page(self, request, definition, *, refused=None, reason: str = "", status: int = 200):
        """The page; after a refused 启用, that version's form stays open with the reason and why."""
        versions = list(selectors.versions_with_counts(definition))
        wanted = request.GET.get("view", "")
        viewing = next((v for v in versions if str(v.pk) == wanted), None)
        if viewing is None:
            viewing = next((v for v in versions if v.is_active), versions[0] if versions else None)
        history = selectors.activation_history(definition)
        active = next((v for v in versions if v.is_active), None)
        return render(
            request,
            "studio/process_versions.html",
            {
                "history": history,
                # how the current version came to be current, when it was re-activated (回退)
                "reactivated": next(
                    (
                        e
                        for e in history[:1]
                        if e.action == "process_activated"
                        and active is not None
                        and e.payload.get("version") == active.version
                    ),
                    None,
                ),
                "title": f"{definition.name} · 版本",
                "definition": definition,
                "versions": versions,
                "active": active,
                "viewing": viewing,
                "oldest_version": min((v.version for v in versions), default=0),
                "running_total": sum(getattr(v, "running_cases", 0) for v in versions),
                "reason_max": REASON_MAX,
                "refused": refused,
                "reason": reason,
            },
            status=status,
        )

    def post(self, request, key: str):
        """启用此版本 (回退) with a required reason."""
        definition = selectors.definition_by_key(key)
        back = HttpResponseRedirect(reverse("workbench:studio-process", args=[definition.key]))
        chosen = definition.versions.filter(pk=_int(request.POST.get("version"))).first()
        if chosen is None:
            messages.error(request, "请选择本流程的一个版本")
            return back
        reason = (request.POST.get("reason") or "").strip()
        problem = ""
        if not reason:
            problem = (
                f"请填写启用 v{chosen.version} 的原因（例如：新版本的时限设置有误，回退到 v{chosen.version}）"
            )
        elif len(reason) > REASON_MAX:
            problem = f"原因不能超过 {REASON_MAX} 字"
        elif chosen.is_active:
            messages.info(request, f"v{chosen.version} 已是当前版本，无需启用")
            return back
        else:
            try:
                activate_version(version_id=chosen.pk, actor=request.user, reason=reason)
            except DeployRejected as exc:
                problem = "；".join(p.reason for p in exc.problems) or exc.message
            except UserFacingError as exc:
                problem = exc.message
        if problem:
            messages.error(request, f"未启用 v{chosen.version}：{problem}")
            return self._page(request, definition, refused=chosen.pk, reason=reason, status=400)
        messages.success(
            request,
            f"已启用 v{chosen.version}：新案件将按 v{chosen.version} 启动；进行中的案件仍按各自启动时的版本办理"
            "（如需转到其他版本，请使用“迁移案件”）。",
        )
        return back


class VersionXmlView(ProcessAdminRequired, View):
    """导出 BPMN: the XML as it was deployed, byte for byte, as a .bpmn download."""

    def get(self, request, version_id: int):
        version = selectors.version(version_id)
        response = HttpResponse(
            version.bpmn_xml.encode("utf-8"), content_type="application/xml; charset=utf-8"
        )
        filename = f"{version.definition.key}-v{version.version}.bpmn"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        response["X-Content-Type-Options"] = "nosniff"
        return response


class VersionDiffView(ProcessAdminRequired, View):
    """与上一版对比: the two diagrams side by side with the changes marked, and the list in words."""

    def get(self, request, version_id: int):
        new = selectors.version(version_id)
        context: dict = {
            "title": f"{new.definition.name} · v{new.version} 对比",
            "definition": new.definition,
            "new": new,
            "others": selectors.other_versions(new),
        }
        against = request.GET.get("against", "").strip()
        old: ProcessVersion | None
        if against:
            old = selectors.version(_int(against))
            if old.definition_id != new.definition_id:
                context["refusal"] = (
                    f"只能与同一流程的版本对比：v{new.version} 属于“{new.definition.name}”，"
                    f"所选版本属于“{old.definition.name}”。"
                )
                return render(request, "studio/version_diff.html", context, status=400)
            if old.pk == new.pk:
                context["refusal"] = "不能与版本自身对比，请选择另一个版本。"
                return render(request, "studio/version_diff.html", context, status=400)
        else:
            old = selectors.previous_version(new)
            if old is None:
                context["first_version"] = True
                return render(request, "studio/version_diff.html", context)
        context["old"] = old
        try:
            diff = diff_bpmn(old.bpmn_xml, new.bpmn_xml)
        except BpmnDiffError as exc:
            context["refusal"] = f"无法对比：{exc}"
            return render(request, "studio/version_diff.html", context)
        changes = [*diff.changed, *diff.added, *diff.removed]
        context.update(
            {
                "diff": diff,
                "changes": [_shown(change) for change in changes],
                "layout_only": diff.layout_only,
                "markers": diff.markers(),
                "clock_notes": _clock_notes(changes),
            }
        )
        return render(request, "studio/version_diff.html", context)


def _shown(change: ElementChange) -> ElementChange:
    """Department and role codes in a change read as names (候选角色 registrar → 登记人员)."""
    fields = tuple(_field_in_words(f) for f in change.fields)
    return ElementChange(
        change.kind, change.element_id, change.type_label, change.name, change.has_name, fields
    )


def _field_in_words(f: FieldChange) -> FieldChange:
    if f.key == "property:candidate_role":
        word = {code: label for code, label in Role.choices}
        return FieldChange(
            f.key, f.label, word.get(f.old, f.old), word.get(f.new, f.new), f.old_raw, f.new_raw
        )
    if f.key == "property:candidate_department":
        return FieldChange(f.key, f.label, _department(f.old), _department(f.new), f.old_raw, f.new_raw)
    if f.key == "property:escalation_department":
        return FieldChange(
            f.key, f.label, _escalation_office(f.old_raw), _escalation_office(f.new_raw), f.old_raw, f.new_raw
        )
    if f.key == "property:form_key":
        # No form_key: the task is completed with the form registered under its own id.
        return FieldChange(f.key, f.label, f.old or _OWN_FORM, f.new or _OWN_FORM, f.old_raw, f.new_raw)
    return f


_OWN_FORM = "本环节的表单（默认）"


def _escalation_office(code: str) -> str:
    """超期督办部门: 平台默认 when not set, else 利州区效能督查办公室（510802-XN）."""
    code = code.strip().strip("\"'")
    if not code:
        return "平台默认"
    name = names.department_name(code)
    return f"{name}（{code}）" if name != code else code


def _department(value: str) -> str:
    """A quoted department code ("WJW") reads as its name; a case variable stays as it is."""
    code = value.strip().strip("\"'")
    if not code:
        return value
    name = names.department_name(code)
    return name if name != code else value


def _clock_notes(changes: list[ElementChange]) -> dict[str, str]:
    """For each clock key a changed timer names: its title in the legal clock table, or a warning."""
    keys = {
        key
        for change in changes
        for f in change.fields
        if f.key == "timer"
        for key in (*clock_keys(f.old_raw), *clock_keys(f.new_raw))
    }
    if not keys:
        return {}
    titles = selectors.clock_titles(keys)
    return {key: titles.get(key, "法定时限规则表中没有这个键") for key in sorted(keys)}


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


urlpatterns: list = [
    path("studio/processes/<str:key>/", ProcessVersionsView.as_view(), name="studio-process"),
    path("studio/versions/<int:version_id>/export.bpmn", VersionXmlView.as_view(), name="studio-version-xml"),
    path("studio/versions/<int:version_id>/diff/", VersionDiffView.as_view(), name="studio-diff"),
]
