"""Domain events about an enterprise that other homes may act on, without naming each other.

``permit_granted``: a department fed back a granted permit for an enterprise (e.g. through
双告知).  Sent inside the feedback's transaction with ``enterprise`` (Enterprise),
``department_code``, ``values`` (permit_number, permit_name, decision_date, valid_from, valid_to,
permit_authority, permit_content as ISO strings / text) and ``actor``; a receiver that raises
rolls the feedback back, so receivers keep their own refusals to themselves.
"""

from django.dispatch import Signal

permit_granted = Signal()

#: ``inspection_result_approved``: a 双随机 inspection's result was approved for publication.  Sent
#: inside the publishing step's transaction with ``number`` (the inspection's number: the record's
#: document number, so publishing again is idempotent), ``department_code`` (the 检查实施机关),
#: ``department_name``, ``credit_code``, ``enterprise_name``, ``task_name``, ``method`` (a
#: ``Method`` code), ``inspected_on`` (ISO date), ``result`` (a ``ResultCode`` code), ``follow_up``
#: (a ``FollowUp`` code), ``findings`` and ``actor``.  A receiver that publishes it returns
#: ``{"record_id": …, "published": bool}``; the sender keeps the first such answer.
inspection_result_approved = Signal()
