"""A domain refusal shown on a page: 403 for a post the user lacks, else the message on top and each
named field's reason on its field (``exc.details``), the form kept as it was typed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied

from casework.errors import Forbidden
from processes.errors import UserFacingError


def show_refusal(request, exc: UserFacingError, form=None) -> None:
    if isinstance(exc, Forbidden):
        raise PermissionDenied(exc.message)
    if form is not None:
        for key, message in (exc.details or {}).items():
            form.add_error(key if key in form.fields else None, str(message))
    messages.error(request, exc.message)
