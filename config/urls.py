"""The site's URLs: the admin, login, the REST API (engine, tasks and lifecycles, notifications),
and the workbench with every lifecycle's pages."""

from django.contrib import admin
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404
from django.urls import include, path
from django.views.decorators.cache import cache_control
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from casework.workbench import api_urls as workbench_api
from casework.workbench.extensions import web_urls
from casework.workbench.signout import SignOutView
from casework.workbench.site import WorkbenchSite
from casework.workbench.urls import WorkbenchApp

# Chinese pages in the workbench frame (with DEBUG on too: config.error_pages.FramedErrorPageMiddleware).
handler400 = "config.error_pages.bad_request"
handler403 = "config.error_pages.permission_denied"
handler404 = "config.error_pages.page_not_found"
handler500 = "config.error_pages.server_error"


@cache_control(max_age=86400, public=True)
def favicon(request):
    """``/favicon.ico``, asked for by browsers on pages that link no icon (the admin, the API)."""
    found = finders.find("casework/favicon.ico")
    if not isinstance(found, str):
        raise Http404("favicon")
    return FileResponse(open(found, "rb"), content_type="image/x-icon")  # closed by Django


site = WorkbenchSite(viewsets=[WorkbenchApp(urlpatterns=web_urls())])

urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("processes.api.urls")),
    path("api/v1/", include(workbench_api.urlpatterns())),
    path("api/v1/", include("notifications.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("gs/", include("casework.portal.urls")),  # 公示系统: the public pages, no login
    path("", site.urls),
]
