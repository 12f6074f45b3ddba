"""The admin of the shared models; each lifecycle registers its own from its ``admin`` module."""

from .clocks import admin as clocks_admin  # noqa: F401
from .directory import admin as directory_admin  # noqa: F401
from .organization import admin as organization_admin  # noqa: F401
