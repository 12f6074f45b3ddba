"""What a saved case's tasks are, read from its saved JSON without rebuilding the workflow.

The monitor (流程监控) reads where the tokens of hundreds of cases wait; rebuilding each workflow
(``core.load_case``) costs several milliseconds a case, reading the JSON a fraction of that.  Only
states written by this serializer version are read so; for any other, ``None`` tells the caller
to load the workflow.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from processes.serialization import SERIALIZER, spec_for


def elements_in_states(instance, states: Collection[int]) -> set[str] | None:
    """The BPMN ids of the case's tasks (those of its subprocesses too) whose SpiffWorkflow
    state is in ``states``; None when the case's state is not in the current serializer format."""
    dct = json.loads(instance.state or "{}")
    if dct.get("serializer_version") != SERIALIZER.VERSION:
        return None
    loaded = spec_for(instance.process_version)
    found: set[str] = set()
    workflows: list[tuple[dict, Any]] = [(dct.get("tasks") or {}, loaded.spec)]
    for sub in (dct.get("subprocesses") or {}).values():
        spec = loaded.subprocess_specs.get(sub.get("spec"))
        if spec is None:
            return None
        workflows.append((sub.get("tasks") or {}, spec))
    for tasks, spec in workflows:
        for task in tasks.values():
            if task.get("state") not in states:
                continue
            task_spec = spec.task_specs.get(task.get("task_spec"))
            if task_spec is None:
                return None
            element = getattr(task_spec, "bpmn_id", None)
            if element:
                found.add(element)
    return found
