"""The app's models: the shared ones (organization, directory) and each lifecycle's.

Models live in their homes (``casework.organization.models``, ``casework.directory.models``,
``casework.lifecycles.<name>.models``); Django loads this module for the ``casework`` app,
so it imports each of them and re-exports the names in their ``__all__``.  Code imports
a model from its home.
"""

from casework.clocks.models import LegalClock
from casework.directory.models import Enterprise
from casework.lifecycles import submodules
from casework.organization.models import Department, Membership, Role, Sector
from casework.portal.models import Objection

__all__ = ["Department", "Enterprise", "LegalClock", "Membership", "Objection", "Role", "Sector"]

for _module in submodules("models"):  # re-exported for the shell and old imports
    for _name in getattr(_module, "__all__", ()):
        globals()[_name] = getattr(_module, _name)
        __all__.append(_name)
