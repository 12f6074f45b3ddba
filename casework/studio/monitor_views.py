"""Studio pages: monitor (placeholder routes until the pages land)."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404("建设中")


urlpatterns: list = [
    path("monitor/", _todo, name="monitor"),
    path("monitor/cases/<int:instance_id>/", _todo, name="monitor-case"),
    path("monitor/processes/<str:key>/", _todo, name="monitor-process"),
]
