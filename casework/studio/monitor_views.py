"""Studio pages: the monitor (流程监控) — case search, one case (diagram with its tokens, timeline,
tasks, data, incidents, 挂起/恢复/终止), one process (counts, heatmap, overdue rates)."""

from __future__ import annotations

import json
import re
from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from casework.workbench import names
from casework.workbench.dates import DateField
from processes import engine
from processes.errors import UserFacingError
from processes.models import Incident, ProcessInstance

from . import monitor_selectors as selectors
from . import monitor_stats as stats
from .access import ProcessAdminRequired

PAGE_SIZE = 20
Status = ProcessInstance.Status


def _bounded(value):
    if value is not None and not (2000 <= value.year <= 2099):
        raise forms.ValidationError("日期应在 2000 年至 2099 年之间")
    return value


class CaseSearchForm(forms.Form):
    process = forms.ChoiceField(label="流程", required=False)
    version = forms.ChoiceField(
        label="版本", required=False, error_messages={"invalid_choice": "没有这个版本（%(value)s）"}
    )
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *Status.choices])
    enterprise = forms.CharField(
        label="企业",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "名称或统一社会信用代码"}),
    )
    department = forms.ChoiceField(
        label="办理部门", required=False, error_messages={"invalid_choice": "没有这个部门（%(value)s）"}
    )
    created_from = DateField(label="发起日期自", required=False)
    created_to = DateField(label="至", required=False)
    business_key = forms.CharField(label="业务编号", required=False, max_length=200)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = {
            "process": selectors.process_choices(),
            "version": selectors.version_choices(),
            "department": selectors.department_choices(),
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "全部"), *options]

    def clean_created_from(self):
        return _bounded(self.cleaned_data.get("created_from"))

    def clean_created_to(self):
        return _bounded(self.cleaned_data.get("created_to"))

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "结束日期早于开始日期")
        return data

    def valid_filters(self) -> dict:
        """The fields that are valid (a bad one is left out and reported, the others apply)."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}

    def problems(self) -> list[str]:
        if not self.is_bound:
            return []
        return [
            f"{self.fields[name].label}：{error}" if name in self.fields else str(error)
            for name, errors in self.errors.items()
            for error in errors
        ]


class CaseSearchView(ProcessAdminRequired, View):
    def get(self, request):
        form = CaseSearchForm(data=request.GET or None)
        filters = form.valid_filters() if form.is_bound else {}
        matching = selectors.search_cases(filters)
        counts = selectors.status_counts(matching)
        status = filters.get("status")
        cases = selectors.for_listing(selectors.with_status(matching, status))
        page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        waiting = selectors.waiting_steps([case for case in rows if not case.open_tasks])  # type: ignore[attr-defined]
        for case in rows:
            case.current_steps = _current_steps(case.open_tasks) or waiting.get(case.pk, [])  # type: ignore[attr-defined]
        query = request.GET.copy()
        state_links = []
        for value, label in [("", "全部"), *Status.choices]:
            linked = query.copy()
            linked.pop("page", None)
            linked["status"] = value
            state_links.append(
                {
                    "value": value,
                    "label": label,
                    "count": counts[value] if value else sum(counts.values()),
                    "query": linked.urlencode(),
                    "active": (status or "") == value,
                }
            )
        return render(
            request,
            "studio/monitor_search.html",
            {
                "title": "流程监控",
                "form": form if form.is_bound else CaseSearchForm(),
                "problems": form.problems(),
                "page": page,
                "query": query,
                "state_links": state_links,
            },
        )


def _current_steps(open_tasks) -> list[str]:
    """Open task names once each, "认领或退回 ×3" for a step open several times (one per department)."""
    counts: dict[str, int] = {}
    for task in open_tasks:
        counts[task.name] = counts.get(task.name, 0) + 1
    return [f"{name} ×{n}" if n > 1 else name for name, n in counts.items()]


def _case_or_404(instance_id: int) -> ProcessInstance:
    instance = selectors.case_or_none(instance_id)
    if instance is None:
        raise Http404("案件不存在")
    return instance


_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def _readable(text: str) -> str:
    """A string of case data as people read it: a timestamp in the site's time (Beijing) as
    Y-m-d H:i:s, a department code with its name (JYJ（广元市教育局）); anything else as it is."""
    if _TIMESTAMP.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
    name = names.department_name(text) if text else text
    return f"{text}（{name}）" if name and name != text else text


def _readable_nested(value):
    if isinstance(value, str):
        return _readable(value)
    if isinstance(value, dict):
        return {key: _readable_nested(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_readable_nested(item) for item in value]
    return value


def _pretty(value) -> tuple[str, bool]:
    """A value as text, and whether it is structured (shown as indented JSON). Timestamps and
    department codes are shown readable (see ``_readable``), a list of plain strings as one
    line (JYJ（广元市教育局）、WJW（…）)."""
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return "、".join(_readable(item) for item in value), False
    if isinstance(value, dict | list):
        return json.dumps(_readable_nested(value), ensure_ascii=False, indent=2, sort_keys=True), True
    if value is None:
        return "（空）", False
    if isinstance(value, bool):
        return ("是" if value else "否"), False
    if isinstance(value, str):
        return _readable(value), False
    return str(value), False


class CaseView(ProcessAdminRequired, View):
    """One case: facts, diagram with tokens and path, timeline, tasks, data, incidents, actions."""

    def get(self, request, instance_id: int):
        instance = _case_or_404(instance_id)
        diagram = selectors.diagram_state(instance)
        variables = [(key, *_pretty(value)) for key, value in diagram.variables.items()]
        version = instance.process_version
        element_names = selectors.xml_element_names(version.bpmn_xml)
        incidents = list(selectors.case_incidents(instance))
        for incident in incidents:
            bpmn_id = incident.task_bpmn_id
            incident.element_name = element_names.get(bpmn_id, bpmn_id)  # type: ignore[attr-defined]
        return render(
            request,
            "studio/monitor_case.html",
            {
                "title": f"案件 #{instance.pk}",
                "instance": instance,
                "version": version,
                "definition": version.definition,
                "diagram": diagram.as_json(),
                "bpmn_xml": version.bpmn_xml,
                "variables": variables,
                "initial_data": diagram.initial_data,
                "stopped": bool(diagram.stopped),
                "ended": instance.status in (Status.COMPLETED, Status.TERMINATED),
                "timeline": selectors.case_timeline(instance),
                "tasks": selectors.case_tasks(instance),
                "incidents": incidents,
                "may_suspend": instance.status in (Status.RUNNING, Status.INCIDENT),
                "may_resume": instance.status == Status.SUSPENDED,
                "may_terminate": instance.status not in (Status.COMPLETED, Status.TERMINATED),
                "now": timezone.now(),
            },
        )

    def post(self, request, instance_id: int):
        instance = _case_or_404(instance_id)
        op = request.POST.get("op", "")
        reason = (request.POST.get("reason") or "").strip()
        try:
            if op == "suspend":
                if not reason:
                    messages.error(request, "挂起案件必须填写原因")
                else:
                    engine.suspend_instance(instance_id=instance.pk, actor=request.user, reason=reason)
                    messages.success(request, "案件已挂起：定时器停止，任务暂不能办理")
            elif op == "resume":
                engine.resume_instance(instance_id=instance.pk, actor=request.user, reason=reason)
                messages.success(request, "案件已恢复")
            elif op == "terminate":
                if not reason:
                    messages.error(request, "终止案件必须填写原因")
                else:
                    engine.terminate_instance(instance_id=instance.pk, actor=request.user, reason=reason)
                    messages.success(request, "案件已终止，未办结的任务已取消")
            elif op == "retry":
                self._retry(request, instance)
            else:
                messages.error(request, "未知的操作")
        except UserFacingError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("workbench:monitor-case", args=[instance.pk]))

    def _retry(self, request, instance: ProcessInstance) -> None:
        raw = request.POST.get("incident", "")
        incident = (
            instance.incidents.filter(pk=int(raw)).first() if raw.isdecimal() and len(raw) <= 18 else None
        )
        if incident is None:
            messages.error(request, "该案件没有这条异常")
            return
        engine.retry_incident(incident_id=incident.pk, actor=request.user)
        incident.refresh_from_db()
        if incident.status == Incident.Status.RESOLVED:
            messages.success(request, "重试成功，异常已解决")
        else:
            messages.error(request, f"重试仍未成功（第 {incident.retries} 次）：{incident.message}")


class ProcessView(ProcessAdminRequired, View):
    """One process: cases by state and version; for one version (?version=N, default the active
    one) its diagram as a heatmap of time per task with the cases per element; overdue rate per
    department (all versions)."""

    def get(self, request, key: str):
        definition = selectors.definition_or_none(key)
        if definition is None:
            raise Http404("流程不存在")
        active = definition.active_version
        raw = request.GET.get("version", "")
        shown = selectors.version_of(definition, int(raw)) if raw.isdecimal() and len(raw) <= 9 else active
        if shown is None and raw:
            raise Http404("该流程没有这个版本")
        versions = selectors.process_versions(definition)
        times, times_sampled = stats.task_times(definition, shown) if shown else ([], False)
        token_figures = stats.tokens(definition, shown) if shown else {"counts": {}, "rows": []}
        heat = {
            t.element: {
                "label": f"均 {t.average_label} · P90 {t.p90_label}",
                "title": f"{t.name}：已办 {t.count} 件，平均 {t.average_label}，P90 {t.p90_label}",
                "color": t.color,
            }
            for t in times
        }
        return render(
            request,
            "studio/monitor_process.html",
            {
                "title": f"流程监控 · {definition.name}",
                "definition": definition,
                "active": active,
                "shown": shown,
                "versions": versions,
                "bpmn_xml": shown.bpmn_xml if shown else "",
                "states": stats.state_table(definition),
                "tokens": token_figures,
                "times": times,
                "times_sampled": times_sampled,
                "overdue": stats.overdue_rates(definition, now=timezone.now()),
                "heatmap": {"heat": heat, "tokens": token_figures["counts"]},
            },
        )


urlpatterns: list = [
    path("monitor/", CaseSearchView.as_view(), name="monitor"),
    path("monitor/cases/<int:instance_id>/", CaseView.as_view(), name="monitor-case"),
    path("monitor/processes/<str:key>/", ProcessView.as_view(), name="monitor-process"),
]
