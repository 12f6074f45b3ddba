"""The portal's addresses, mounted at ``/gs/`` (公示) by config/urls.py, names in ``portal:``."""

from django.urls import path

from . import registry, views

app_name = "portal"

urlpatterns = [
    path("", views.search, name="search"),
    path("e/<str:credit_code>/", views.enterprise_page, name="enterprise"),
    path("e/<str:credit_code>/objection/", views.objection, name="objection"),
    path("objection/<uuid:receipt>/", views.receipt, name="receipt"),
    *registry.public_urlpatterns(),  # the lifecycles' own public pages (registry.register_public_pages)
]
