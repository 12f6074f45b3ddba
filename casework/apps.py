"""The ``casework`` app: organization, directory, workbench and the lifecycles."""

from django.apps import AppConfig


def _department_exists(code: str) -> bool:
    from .organization.models import Department

    return Department.objects.filter(code=code).exists()


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "协同监管业务"

    def ready(self) -> None:
        # Register with the engine: who may act (permissions), who hears of new work (notices),
        # then each lifecycle folder registers its hooks, forms, panels, pages and data.
        from processes import hooks

        from . import lifecycles
        from .clocks import pages as clock_pages
        from .clocks import services as clocks
        from .organization import permissions  # noqa: F401  the authorizer and the admin check
        from .organization.models import Role
        from .portal import staff  # noqa: F401  the 公众异议 page in the workbench
        from .studio import pages as studio_pages
        from .workbench import (
            calendar_coverage,  # noqa: F401  who hears the holiday table runs out
            notices,  # noqa: F401  the default new-task notice
        )

        hooks.register_candidate_roles(*Role.values)
        hooks.register_clock_resolver(clocks.resolve, clocks.known_keys)
        hooks.register_department_check(_department_exists)
        clock_pages.register()
        studio_pages.register()
        lifecycles.discover()
