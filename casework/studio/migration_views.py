"""Studio pages: migration (placeholder routes until the pages land)."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404("建设中")


urlpatterns: list = [
    path("studio/versions/<int:version_id>/migrate/", _todo, name="studio-migrate"),
]
