"""What the page shell needs to know about the user: the roles they hold (menus)."""

from .permissions import posts


def workbench(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set()}
    return {"user_roles": {role for _, role in posts(user)}}
