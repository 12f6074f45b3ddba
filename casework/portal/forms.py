"""The 异议 form: who objects, how to reach them, why, and an optional proof (PDF, JPG, PNG)."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

#: Mainland mobile numbers, or a fixed line with its area code (an extension may follow).
PHONE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)$")

#: Allowed attachments: extension → the bytes such a file starts with.
ATTACHMENT_TYPES = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
MIN_DESCRIPTION = 10
MAX_DESCRIPTION = 2000


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


class ObjectionForm(forms.Form):
    contact_name = forms.CharField(
        label="联系人姓名",
        max_length=50,
        error_messages={"required": "请填写联系人姓名。", "max_length": "联系人姓名不能超过 50 个字。"},
    )
    phone = forms.CharField(
        label="联系电话",
        max_length=30,
        error_messages={"required": "请填写联系电话，以便核查人员与您联系。"},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label="电子邮箱（选填）",
        required=False,
        max_length=254,
        error_messages={"invalid": "请填写有效的电子邮箱地址，例如 name@example.com。"},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    description = forms.CharField(
        label="异议内容及理由",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "请说明您认为该条信息哪里有误，以及理由。"},
    )
    attachment = forms.FileField(
        label="证明材料（选填）",
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
        error_messages={
            "invalid": "附件未能读取，请重新选择文件。",
            "empty": "所选附件是空文件，请重新选择。",
        },
    )
    pledge = forms.BooleanField(
        label="本人承诺所填信息真实，并同意核查部门为办理本异议使用上述联系方式。",
        error_messages={"required": "请确认所填信息真实后再提交。"},
    )
    # A field people never see: a form that fills it was filled by a program.
    website = forms.CharField(label="网址（请勿填写）", required=False)

    def clean_contact_name(self) -> str:
        name = self.cleaned_data["contact_name"].strip()
        if not name:
            raise forms.ValidationError("请填写联系人姓名。")
        return name

    def clean_phone(self) -> str:
        phone = re.sub(r"[\s()（）]", "", self.cleaned_data["phone"]).replace("—", "-")
        if not PHONE.match(phone):
            raise forms.ValidationError(
                "请填写有效的联系电话：11 位手机号码，或带区号的固定电话（如 0839-1234567）。"
            )
        return phone

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if len(text) < MIN_DESCRIPTION:
            raise forms.ValidationError(f"请具体说明异议内容及理由（不少于 {MIN_DESCRIPTION} 个字）。")
        if len(text) > MAX_DESCRIPTION:
            raise forms.ValidationError(f"异议内容不能超过 {MAX_DESCRIPTION} 个字（现有 {len(text)} 个字）。")
        return text

    def clean_attachment(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        limit = settings.PORTAL_ATTACHMENT_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                f"附件不能超过 {_megabytes(limit)}（所选文件约 {_megabytes(upload.size)}）。"
            )
        name = upload.name or ""
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in ATTACHMENT_TYPES:
            raise forms.ValidationError("附件仅支持 PDF、JPG、PNG 格式。")
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(magic) for magic in ATTACHMENT_TYPES[suffix]):
            raise forms.ValidationError("附件内容与文件类型不符，请上传真实的 PDF、JPG 或 PNG 文件。")
        return upload

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("website"):
            raise forms.ValidationError("提交未通过校验，请刷新页面后重新填写。", code="honeypot")
        return cleaned
