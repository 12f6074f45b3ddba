"""告知书: tells the registrant which post-registration approvals its business scope needs,
and from which departments (the first 告知 of 双告知).  Printable HTML and PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import Registration

FONT = "STSong-Light"  # built-in CID font: Chinese without shipping font files
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def text_paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph that shows ``text`` as written: ReportLab reads a Paragraph's text as markup
    (``<img src>`` would embed a server file), so names and other user text are escaped here."""
    return Paragraph(escape(text), style)


@dataclass(frozen=True)
class NoticeLine:
    item: str
    department: str
    keywords: str


def notice_lines(registration: Registration) -> list[NoticeLine]:
    routing = registration.routing or {}
    keywords: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for hit in routing.get("hits", []):
        keywords.setdefault(hit["item"], []).append(hit["keyword"])
        names[hit["item"]] = hit["item_name"]
    lines = []
    for target in routing.get("targets", []):
        for item in target["items"]:
            lines.append(
                NoticeLine(
                    names.get(item, item),
                    target["department_name"],
                    "、".join(dict.fromkeys(keywords.get(item, []))),
                )
            )
    return lines


def notice_text(registration: Registration) -> dict[str, str]:
    enterprise = registration.enterprise
    return {
        "title": "市场主体后置审批事项告知书",
        "addressee": f"{enterprise.name}（统一社会信用代码：{enterprise.credit_code}）：",
        "intro": (
            f"你（单位）于 {registration.registered_on:%Y年%m月%d日} 在{registration.registration_authority.name}办理登记。"
            "根据登记的经营范围，下列经营项目须取得审批部门许可后方可开展经营活动，请依法向相关审批部门申请办理许可手续。"
            "未取得许可擅自从事相关经营活动的，将依法查处。"
        ),
        "none": "你（单位）登记的经营范围未涉及《后置审批事项目录》所列事项。如实际从事依法须经批准的经营活动，应当依法办理许可手续。",
        "signature": f"{registration.registration_authority.name}（盖章）",
        "date": f"{timezone.localtime(registration.received_at):%Y年%m月%d日}",
    }


def render_notice_pdf(registration: Registration) -> bytes:
    text, lines = notice_text(registration), notice_lines(registration)
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1, spaceAfter=12)
    right = ParagraphStyle("right", parent=body, alignment=2)
    story = [text_paragraph(text["title"], title), text_paragraph(text["addressee"], body), Spacer(1, 4 * mm)]
    if lines:
        story.append(text_paragraph(text["intro"], body))
        story.append(Spacer(1, 4 * mm))
        rows = [["序号", "后置审批事项", "审批部门", "经营范围关键词"]] + [
            [
                str(i),
                text_paragraph(line.item, body),
                text_paragraph(line.department, body),
                text_paragraph(line.keywords, body),
            ]
            for i, line in enumerate(lines, 1)
        ]
        table = Table(rows, colWidths=[12 * mm, 55 * mm, 55 * mm, 48 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story.append(table)
    else:
        story.append(text_paragraph(text["none"], body))
    story += [
        Spacer(1, 16 * mm),
        text_paragraph(text["signature"], right),
        text_paragraph(text["date"], right),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=text["title"],
        author=registration.registration_authority.name,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
    ).build(story)
    return buffer.getvalue()
