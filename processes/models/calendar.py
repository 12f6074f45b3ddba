"""Admin-editable holidays and adjusted working days (调休) for years chinese_calendar lacks."""

from django.db import models


class CalendarYear(models.Model):
    """A year whose official holiday arrangement has been entered by hand.

    Only years listed here (or covered by chinese_calendar, 2004-2026) can be counted in;
    any other year raises a clear error instead of guessing.
    """

    year = models.PositiveIntegerField("年份", unique=True)
    source = models.CharField("依据（国务院办公厅通知文号等）", max_length=300, blank=True)
    source_text = models.TextField(
        "通知原文", blank=True, help_text="calendar_import 导入时保存的国务院办公厅通知全文"
    )

    class Meta:
        verbose_name = "节假日安排年份"
        verbose_name_plural = "节假日安排年份"
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """One day that differs from the Monday-Friday rule: a holiday or a 调休 working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日/休息日"
        WORKDAY = "workday", "调休上班日"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=100, blank=True)

    class Meta:
        verbose_name = "节假日/调休日"
        verbose_name_plural = "节假日/调休日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"
