"""The phone's result upload (移动监管执法): one multipart POST per result, sent by the page or, after
the phone was offline, from the queue the page and the service worker keep in IndexedDB.

The result goes through ``services.submit_result`` (the same rules and the same BPMN task
completion as the desktop task form); the photos through ``services.add_photo``.  A result carries
its ``submission_token`` and each photo its ``client_token``: sending the same upload again — the
phone was not told the first one arrived — answers the same outcome and enters nothing twice.

CSRF is Django's own: the page keeps the token it was served with and sends it as ``X-CSRFToken``.
Errors answer the API's envelope ``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from casework.errors import DomainError, UserFacingError
from processes.api.errors import json_error

from . import mobile_selectors, services
from .models import Inspection

MAX_PHOTOS = 12
MAX_PHOTO_BYTES = 8 * 1024 * 1024  # the page sends ≤ 1600 px JPEGs (a few hundred KB)
RESULT_FIELDS = ("result_code", "method", "inspected_on", "findings", "follow_up", "follow_up_department")


class PhotoRefused(DomainError):
    code = "photo_refused"


def _photos(request, *, tokens_required: bool) -> list[tuple[Any, str]]:
    """(file, client_token) pairs, each a real image within the limits, or ``PhotoRefused``.

    The phone's script names each photo (``photo_token``); a form posted without the script
    gets fresh tokens (a browser does not send a form twice by itself)."""
    files = request.FILES.getlist("photo")
    tokens = request.POST.getlist("photo_token")
    if not tokens and not tokens_required:
        tokens = [str(uuid.uuid4()) for _ in files]
    if len(files) != len(tokens):
        raise PhotoRefused("每张照片须有上传标识", details={"photo_token": "数量与照片不符"})
    if len(files) > MAX_PHOTOS:
        raise PhotoRefused(f"一次最多上传 {MAX_PHOTOS} 张照片", details={"photo": f"最多 {MAX_PHOTOS} 张"})
    checked = []
    for number, (upload, token) in enumerate(zip(files, tokens, strict=True), start=1):
        if upload.size > MAX_PHOTO_BYTES:
            raise PhotoRefused(
                f"第 {number} 张照片超过 {MAX_PHOTO_BYTES // 1024 // 1024} MB",
                details={"photo": f"第 {number} 张过大"},
            )
        try:
            forms.ImageField().clean(upload)
        except ValidationError as exc:
            raise PhotoRefused(
                f"第 {number} 张照片无法识别为图片", details={"photo": "; ".join(exc.messages)}
            ) from exc
        upload.seek(0)
        checked.append((upload, token))
    return checked


def accept_result(request, inspection: Inspection, *, tokens_required: bool = True) -> dict[str, Any]:
    """Enter the posted result and its photos; the answer the page (or the queue) is given."""
    photos = _photos(request, tokens_required=tokens_required)
    values = {name: request.POST.get(name, "") for name in RESULT_FIELDS}
    done = services.submit_result(
        inspection=inspection,
        actor=request.user,
        submission_token=request.POST.get("submission_token") or None,
        **values,
    )
    kept = [
        services.add_photo(inspection=done.inspection, image=upload, client_token=token, actor=request.user)
        for upload, token in photos
    ]
    inspection = done.inspection
    return {
        "outcome": done.outcome,
        "message": "检查结果已提交，等待同组人员确认"
        if done.outcome == "submitted"
        else "该检查结果此前已提交，未重复录入",
        "inspection": {
            "id": inspection.pk,
            "state": inspection.state,
            "state_label": inspection.get_state_display(),
            "submission_token": str(inspection.submission_token or ""),
        },
        "photos": [{"id": p.pk, "client_token": str(p.client_token)} for p in kept],
    }


def error_json(exc: UserFacingError) -> JsonResponse:
    return json_error(exc.status, exc.code, exc.message, exc.details)


@require_POST
def submit_result(request, inspection_id: int):
    """POST …/m/api/inspections/<id>/result/ (multipart): the result and its photos."""
    if not request.user.is_authenticated:
        return json_error(401, "not_authenticated", "登录已过期，请重新登录后再上传（已保存的内容不会丢失）")
    inspection = mobile_selectors.inspection_for(request.user, inspection_id)
    if inspection is None:
        return json_error(404, "not_found", "检查任务不存在或您不在该检查组")
    try:
        answer = accept_result(request, inspection)
    except UserFacingError as exc:
        return error_json(exc)
    return JsonResponse(
        answer,
        status=201 if answer["outcome"] == "submitted" else 200,
        json_dumps_params={"ensure_ascii": False},
    )
