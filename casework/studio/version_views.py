"""Studio pages: version (placeholder routes until the pages land)."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404("建设中")


urlpatterns: list = [
    path("studio/processes/<str:key>/", _todo, name="studio-process"),
    path("studio/versions/<int:version_id>/export.bpmn", _todo, name="studio-version-xml"),
    path("studio/versions/<int:version_id>/diff/", _todo, name="studio-diff"),
]
