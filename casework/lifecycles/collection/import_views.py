"""批量导入 pages: the upload form (with each type's template), the job page with its progress bar,
the progress JSON it polls, and the error report download.  A department sees only its own jobs."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from casework.errors import UserFacingError
from casework.organization.models import Department

from . import imports, services
from .models import ImportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    record_type = forms.ChoiceField(label="信息类别", choices=[])
    provider = forms.ChoiceField(label="报送部门", choices=[])
    file = forms.FileField(
        label="文件（.xlsx 或 .csv）",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        help_text="第一行为表头（列名同导入模板）；每行一条信息",
    )
    backfill = forms.BooleanField(label="存量信息补录（早于本平台产生的信息，不计归集超期）", required=False)

    def __init__(self, *args, departments: list[Department], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = services.type_choices()  # type: ignore[attr-defined]
        self.fields["provider"].choices = [(d.code, d.name) for d in departments]  # type: ignore[attr-defined]


def _departments(user) -> list[Department]:
    departments = list(
        Department.objects.filter(code__in=services.provider_departments(user)).order_by("code")
    )
    if not departments:
        raise Http404("仅审批、执法部门的经办或审核人员可以导入涉企信息")
    return departments


def _job_or_404(request, job_id: int) -> ImportJob:
    job = ImportJob.objects.select_related("provider", "created_by").filter(pk=job_id).first()
    if job is None or not imports.may_see(request.user, job):
        raise Http404("导入任务不存在或您无权查看")
    return job


class ImportView(LoginRequiredMixin, View):
    """批量导入: choose the type, download its template, upload the file."""

    def get(self, request, form=None, status: int = 200):
        departments = _departments(request.user)
        form = form or ImportForm(
            departments=departments, initial={"record_type": request.GET.get("type", "")}
        )
        jobs = ImportJob.objects.filter(provider__in=departments).select_related("provider")[:10]
        return render(
            request,
            "collection/import.html",
            {"form": form, "jobs": jobs, "types": services.type_choices(), "single": len(departments) == 1},
            status=status,
        )

    def post(self, request):
        departments = _departments(request.user)
        form = ImportForm(request.POST, request.FILES, departments=departments)
        if not form.is_valid():
            return self.get(request, form=form, status=422)
        upload = form.cleaned_data["file"]
        try:
            job = imports.start_import(
                provider=next(d for d in departments if d.code == form.cleaned_data["provider"]),
                record_type=form.cleaned_data["record_type"],
                name=upload.name,
                content=upload.read(),
                backfill=form.cleaned_data["backfill"],
                actor=request.user,
            )
        except UserFacingError as exc:
            form.add_error("file", exc.message)
            return self.get(request, form=form, status=422)
        messages.success(request, f"已上传“{job.file_name}”：导入在后台进行，进度见本页")
        return HttpResponseRedirect(reverse("workbench:record-import-job", args=[job.pk]))


class ImportTemplateView(LoginRequiredMixin, View):
    """The import template of one type, generated from the format spec."""

    def get(self, request, record_type: str):
        _departments(request.user)
        try:
            spec = services.type_spec(record_type)
        except UserFacingError:
            raise Http404("没有这个信息类别") from None
        response = HttpResponse(imports.template_workbook(spec), content_type=XLSX)
        response["Content-Disposition"] = _attachment(f"{spec['name']}导入模板.xlsx")
        return response


def _attachment(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"template.xlsx\"; filename*=UTF-8''{quote(name)}"


def progress(job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "state": job.state,
        "state_display": job.get_state_display(),
        "finished": job.finished,
        "percent": job.percent,
        "total": job.total,
        "processed": job.processed,
        "accepted": job.accepted,
        "returned": job.returned,
        "unchanged": job.unchanged,
        "refused": job.refused,
        "message": job.message,
        "error_report": reverse("workbench:record-import-report", args=[job.pk]) if job.error_report else "",
    }


class ImportJobView(LoginRequiredMixin, View):
    def get(self, request, job_id: int):
        job = _job_or_404(request, job_id)
        imports.requeue_if_stuck(job)
        return render(request, "collection/import_job.html", {"job": job, "progress": progress(job)})


class ImportProgressView(LoginRequiredMixin, View):
    """What the job page polls: state, counts, percent, the report's address once written."""

    def get(self, request, job_id: int):
        job = _job_or_404(request, job_id)
        imports.requeue_if_stuck(job)
        return JsonResponse(progress(job), json_dumps_params={"ensure_ascii": False})


class ImportReportView(LoginRequiredMixin, View):
    def get(self, request, job_id: int):
        job = _job_or_404(request, job_id)
        if not job.error_report:
            raise Http404("该导入没有错误报告")
        stem = job.file_name.rsplit(".", 1)[0]
        return FileResponse(
            job.error_report.open("rb"),
            as_attachment=True,
            filename=f"{stem}-错误报告.xlsx",
            content_type=XLSX,
        )
