"""Domain events about an enterprise that other homes may act on, without naming each other.

``permit_granted``: a department fed back a granted permit for an enterprise (e.g. through
双告知).  Sent inside the feedback's transaction with ``enterprise`` (Enterprise),
``department_code``, ``values`` (permit_number, permit_name, decision_date, valid_from, valid_to,
permit_authority, permit_content as ISO strings / text) and ``actor``; a receiver that raises
rolls the feedback back, so receivers keep their own refusals to themselves.
"""

from django.dispatch import Signal

permit_granted = Signal()
