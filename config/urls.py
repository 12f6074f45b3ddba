from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from casework.site import WorkbenchSite
from casework.urls import WorkbenchApp

site = WorkbenchSite(viewsets=[WorkbenchApp()])

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: switch to English
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("processes.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", site.urls),
]
