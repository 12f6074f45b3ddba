"""Admin for the holiday table (节假日安排), imported from ``processes/admin.py``.

Besides the plain lists, ``CalendarYear`` has an import page (``导入国务院办公厅通知``): the notice
text is pasted, read by :mod:`processes.calendar_notice`, shown as a 12-month calendar to confirm,
and saved with its source text (one transaction, audit row ``calendar_imported``).
"""

from __future__ import annotations

import calendar as _calendar
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from processes.calendar_notice import CalendarNotice, NoticeError, parse_notice, save_notice
from processes.models import CalendarDay, CalendarYear

_WEEKDAYS = "一二三四五六日"


class NoticeImportForm(forms.Form):
    text = forms.CharField(
        label="通知全文",
        widget=forms.Textarea(attrs={"rows": 14, "class": "xt-notice-text"}),
        help_text="粘贴“国务院办公厅关于Y年部分节假日安排的通知”全文（含标题或“现将Y年……”一句）。",
    )


def _normalise(text: str | None) -> str:
    """The pasted text as stored and compared: browsers submit CRLF line ends."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _month_grid(notice: CalendarNotice, year: int, month: int) -> dict[str, Any]:
    """One month as weeks (Monday first) of cells: day, kind (holiday/workday/weekend/""), name."""
    weeks: list[list[dict[str, Any] | None]] = []
    for week in _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells: list[dict[str, Any] | None] = []
        for d in week:
            if d.month != month:
                cells.append(None)
                continue
            if d in notice.holidays:
                kind, name = "holiday", notice.holidays[d]
            elif d in notice.workdays:
                kind, name = "workday", f"{notice.workdays[d]}调休上班"
            elif d.weekday() >= 5:
                kind, name = "weekend", ""
            else:
                kind, name = "", ""
            cells.append({"day": d.day, "kind": kind, "name": name, "iso": d.isoformat()})
        weeks.append(cells)
    return {"title": f"{month}月", "weeks": weeks}


def notice_preview(notice: CalendarNotice) -> list[dict[str, Any]]:
    return [_month_grid(notice, notice.year, m) for m in range(1, 13)]


class RecountsProvisionalDeadlines:
    """A year or a day entered by hand also counts the provisional deadlines again."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        self._recount(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)  # type: ignore[misc]
        self._recount(request)

    def _recount(self, request) -> None:
        from processes import engine

        recomputed = engine.recompute_provisional_deadlines(actor=request.user)
        if recomputed:
            messages.info(request, f"已按新的节假日安排重算 {recomputed} 件案件的暂定时限")


@admin.register(CalendarYear)
class CalendarYearAdmin(RecountsProvisionalDeadlines, admin.ModelAdmin):
    """Years whose 国务院办公厅 holiday notice has been entered; the table then decides for that year."""

    list_display = ("year", "source", "holiday_count", "workday_count")
    search_fields = ("=year", "source")
    ordering = ("-year",)
    change_list_template = "admin/processes/calendaryear/change_list.html"

    @admin.display(description="节假日天数")
    def holiday_count(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(date__year=obj.year, kind=CalendarDay.Kind.HOLIDAY).count()

    @admin.display(description="调休上班天数")
    def workday_count(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(date__year=obj.year, kind=CalendarDay.Kind.WORKDAY).count()

    def get_urls(self):
        urls = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="processes_calendaryear_import",
            )
        ]
        return urls + super().get_urls()

    def _may_import(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return (
            self.has_add_permission(request)
            and self.has_change_permission(request)
            and user.has_perm("processes.add_calendarday")
            and user.has_perm("processes.delete_calendarday")
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None):
        extra_context = {**(extra_context or {}), "may_import_notice": self._may_import(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Paste → preview (12 months) → confirm; the confirmed text is read again before saving."""
        if not self._may_import(request):
            raise PermissionDenied
        notice: CalendarNotice | None = None
        error = ""
        form = NoticeImportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            text = _normalise(form.cleaned_data["text"])
            try:
                notice = parse_notice(text)
            except NoticeError as exc:
                error = str(exc)
            if (
                notice is not None
                and "confirm" in request.POST
                and _normalise(request.POST.get("previewed")) != text
            ):
                error = "通知全文在预览后有改动：请核对下面按新文本生成的日历，再确认保存。"
            elif notice is not None and "confirm" in request.POST:
                counts = save_notice(notice, text, actor=request.user)
                messages.success(
                    request,
                    f"已保存{notice.year}年节假日安排：放假{counts['holidays']}天，调休上班{counts['workdays']}天；"
                    f"重算暂定时限 {counts['recomputed']} 件案件。",
                )
                return HttpResponseRedirect(reverse("admin:processes_calendaryear_changelist"))
        existing = None
        if notice is not None:
            existing = {
                "year": CalendarYear.objects.filter(year=notice.year).first(),
                "rows": CalendarDay.objects.filter(date__year=notice.year).count(),
            }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "导入国务院办公厅节假日安排通知",
            "form": form,
            "error": error,
            "notice": notice,
            "summary": notice.summary_lines()[1:] if notice else [],
            "months": notice_preview(notice) if notice else [],
            "weekdays": list(_WEEKDAYS),
            "existing": existing,
            "previewed_text": _normalise(form.cleaned_data["text"]) if notice is not None else "",
        }
        return TemplateResponse(request, "admin/processes/calendaryear/import_notice.html", context)


@admin.register(CalendarDay)
class CalendarDayAdmin(RecountsProvisionalDeadlines, admin.ModelAdmin):
    """Single holidays and 调休 working days (also corrections for years chinese_calendar covers)."""

    list_display = ("date", "weekday", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)
    ordering = ("-date",)

    @admin.display(description="星期", ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        return f"星期{_WEEKDAYS[obj.date.weekday()]}"
