"""退出登录: Django's logout, telling the browser to drop what it cached of this site's pages.

``Clear-Site-Data: "cache"`` empties the HTTP cache (and the back/forward cache) of the site, so
the next person on a shared computer or phone cannot page back into the last officer's cases.
The phone app's offline copies (CacheStorage) are dropped by ``casework/logout.js`` before the
form is sent; queued inspection results are kept, since they belong to their user and are only
sent in that user's session.
"""

from django.contrib.auth.views import LogoutView


class SignOutView(LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache"'
        return response
