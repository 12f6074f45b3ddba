"""Who may use the studio: process admins only (the platform role, or a superuser)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from processes import hooks


class ProcessAdminRequired(LoginRequiredMixin):
    """A view mixin: anonymous users go to the login page, others without the role get a 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not hooks.is_process_admin(request.user):
            raise PermissionDenied("仅流程管理员可以使用流程管理")
        return super().dispatch(request, *args, **kwargs)
