"""What the page shell needs to know about the user: the roles they hold and their menu."""

from casework.organization.permissions import roles

from .extensions import menu_for


def workbench(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set(), "lifecycle_menu": []}
    held = roles(user)
    return {"user_roles": held, "lifecycle_menu": menu_for(user, held)}
