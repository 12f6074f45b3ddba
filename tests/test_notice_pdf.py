"""告知书 PDF: its text as a reader sees it, and names that look like ReportLab markup."""

import io
import re
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.models import ApprovalItem
from casework.lifecycles.registration_push.services import SYSTEM, receive_registration
from casework.organization.models import Department

pytestmark = pytest.mark.django_db

SCOPE = "餐饮服务；预包装食品销售；文化教育培训（不含学历教育）；会议服务"


def push(*, name: str, serial: str, scope: str = SCOPE):
    registration, _ = receive_registration(
        event_id=f"E-notice-{serial}",
        credit_code=make_credit_code("9", "1", "510800", f"MA6C{serial}"),
        name=name,
        business_scope=scope,
        authority_code="SCJG",
        registered_on=date(2025, 11, 3),
        actor=SYSTEM,
    )
    return registration


def notice_pdf(client, users, registration) -> bytes:
    client.force_login(users["registrar"])
    response = client.get(f"/workbench/registrations/{registration.pk}/notice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def pdf_text(content: bytes) -> str:
    """The extracted text without whitespace, so a wrapped line still reads as one string."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def embedded_images(content: bytes) -> list[str]:
    return [image.name for page in PdfReader(io.BytesIO(content)).pages for image in page.images]


def test_notice_pdf_names_the_enterprise_each_approval_item_and_each_department(users, client):
    registration = push(name="广元市某餐饮文化有限公司", serial="0001")
    assert len(registration.routing["targets"]) == 2

    text = pdf_text(notice_pdf(client, users, registration))

    assert "市场主体后置审批事项告知书" in text
    assert f"广元市某餐饮文化有限公司（统一社会信用代码：{registration.enterprise.credit_code}）" in text
    for item in ("食品经营许可", "民办学校办学许可"):
        assert item in text
    for department in ("广元市食品药品监督管理局", "广元市教育局"):
        assert department in text
    assert "文化教育培训" in text and "餐饮服务" in text
    assert "广元市市场监督管理局（盖章）" in text


def test_notice_pdf_of_an_unmatched_scope_says_no_approval_is_needed(users, client):
    registration = push(name="广元市某软件有限公司", serial="0002", scope="软件开发")

    text = pdf_text(notice_pdf(client, users, registration))

    assert "广元市某软件有限公司" in text
    assert "未涉及《后置审批事项目录》所列事项" in text and "后置审批事项审批部门" not in text


@pytest.mark.parametrize(
    "hostile",
    [
        "广元市a<b公司",
        "广元市 a & b 与A&B有限公司",
        '广元市<img src="/etc/passwd"/>公司',
        "广元市<font size=40>大</font>公司",
        "广元市&lt;公司&amp;",
    ],
)
def test_notice_pdf_prints_an_enterprise_name_that_looks_like_markup_literally(users, client, hostile):
    registration = push(name=hostile, serial="0003")

    content = notice_pdf(client, users, registration)

    assert flat(hostile) in pdf_text(content)
    assert embedded_images(content) == []


def test_notice_pdf_never_embeds_a_server_file_named_in_an_enterprise_name(users, client, tmp_path):
    picture = tmp_path / "p.png"
    Image.new("RGB", (8, 8), "red").save(picture)
    hostile = f'<img src="{picture}" width="40" height="40"/>'
    registration = push(name=f"广元市{hostile}公司", serial="0004")

    content = notice_pdf(client, users, registration)

    assert embedded_images(content) == []
    assert flat(hostile) in pdf_text(content)


def test_notice_pdf_prints_department_item_and_authority_names_literally(users, client):
    Department.objects.filter(code="JYJ").update(name="广元市教育局<b>&</b>")
    Department.objects.filter(code="SCJG").update(name="广元市<font size=40>市场</font>监管局")
    item = ApprovalItem.objects.get(name="民办学校办学许可")
    item.name = "民办学校<i>办学</i>许可 & <br/>"
    item.save()
    registration = push(name="广元市某餐饮文化有限公司", serial="0005")

    text = pdf_text(notice_pdf(client, users, registration))

    assert "广元市教育局<b>&</b>" in text
    assert flat("民办学校<i>办学</i>许可 & <br/>") in text
    assert "广元市<fontsize=40>市场</font>监管局（盖章）" in text
