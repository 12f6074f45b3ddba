"""The site's URLs: the admin, login, the REST API (engine, tasks and lifecycles, notifications),
and the workbench with every lifecycle's pages."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from casework.workbench import api_urls as workbench_api
from casework.workbench.extensions import web_urls
from casework.workbench.site import WorkbenchSite
from casework.workbench.urls import WorkbenchApp

site = WorkbenchSite(viewsets=[WorkbenchApp(urlpatterns=web_urls())])

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: switch to English
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("processes.api.urls")),
    path("api/v1/", include(workbench_api.urlpatterns())),
    path("api/v1/", include("notifications.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", site.urls),
]
