"""Studio pages: editor (placeholder routes until the pages land)."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404("建设中")


urlpatterns: list = [
    path("studio/", _todo, name="studio"),
    path("studio/drafts/<int:draft_id>/", _todo, name="studio-draft"),
]
