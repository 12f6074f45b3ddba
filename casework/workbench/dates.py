"""Dates as people type them: 2026-12-03, 2026/12/03 or 2026年12月3日 (month and day with one
digit or two), read by ``parse_date`` and by the form field ``DateField``, which the browser
shows as its date picker (``<input type="date">``, a text box where there is none)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django import forms

__all__ = ["FORMATS_HINT", "DateField", "DateInput", "InvalidDate", "parse_date"]

FORMATS_HINT = "2026-12-03、2026/12/03 或 2026年12月3日"

_PATTERN = re.compile(
    r"^\s*(?P<year>\d{4})\s*(?:(?P<sep>[-/.])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*(?P<day>\d{1,2})"
    r"|年\s*(?P<cn_month>\d{1,2})\s*月\s*(?P<cn_day>\d{1,2})\s*日?)\s*$"
)


class InvalidDate(ValueError):
    """The text is not a date in one of the accepted formats (``str()`` is the Chinese reason)."""


def parse_date(value: Any) -> date | None:
    """The date ``value`` names: a date (a datetime's day) or text in one of the formats;
    None for nothing given.  Raises InvalidDate with a Chinese reason for anything else."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    # Full-width digits and separators (２０２６／１２／０３) as typed with a Chinese input method.
    text = text.translate(
        {0xFF10 + i: ord("0") + i for i in range(10)} | {0xFF0D: "-", 0xFF0F: "/", 0xFF0E: "."}
    )
    match = _PATTERN.match(text)
    if match is None:
        raise InvalidDate(f"日期“{text}”格式不对，应为 {FORMATS_HINT}")
    year = int(match["year"])
    month = int(match["month"] or match["cn_month"])
    day = int(match["day"] or match["cn_day"])
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidDate(f"日期“{text}”不存在（{year}年没有{month}月{day}日）") from None


class DateInput(forms.DateInput):
    """The browser's date picker; its value is always ISO (what ``type=date`` expects)."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"placeholder": "2026-12-03", **(attrs or {})}, format="%Y-%m-%d")


class DateField(forms.DateField):
    """A date typed in any of the accepted formats; a bad one is refused in Chinese."""

    widget = DateInput

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        try:
            return parse_date(value)
        except InvalidDate as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc
