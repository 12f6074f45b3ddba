"""Admin for the hand-entered holiday table (节假日安排), imported from ``processes/admin.py``."""

from django.contrib import admin

from processes.models import CalendarDay, CalendarYear


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Years whose 国务院办公厅 holiday notice has been entered; the table then decides for that year."""

    list_display = ("year", "source", "holiday_count", "workday_count")
    search_fields = ("=year", "source")
    ordering = ("-year",)

    @admin.display(description="节假日天数")
    def holiday_count(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(date__year=obj.year, kind=CalendarDay.Kind.HOLIDAY).count()

    @admin.display(description="调休上班天数")
    def workday_count(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(date__year=obj.year, kind=CalendarDay.Kind.WORKDAY).count()


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Single holidays and 调休 working days (also corrections for years chinese_calendar covers)."""

    list_display = ("date", "weekday", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)
    ordering = ("-date",)

    @admin.display(description="星期", ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        return f"星期{'一二三四五六日'[obj.date.weekday()]}"
