"""Loop and multi-instance steps: healing the cases that missing wiring stalled.

A loop task finishes only when its child spec's ``completed_event`` calls ``merge_child``.
SpiffWorkflow connects that when it restores a spec from JSON, or lazily when it creates a
child; a spec straight from the parser has neither (``processes.serialization`` now wires every
cached spec with ``connect_loop_children``). Before it did, a child completed in a process other
than the one that created it was never merged: its parent stayed STARTED, and a case whose last
child finished that way stayed ``running`` with no task, no timer and no incident.

Merging happens synchronously when a child completes, so after any engine step every completed
child is merged. A completed child missing from its parent's ``merged`` list can only be one
that old behaviour dropped: merging it when the engine loads the case is always safe.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.util.task import TaskState


def open_loops(wf) -> list:
    """Loop tasks still waiting for children (in the case and every subprocess)."""
    return [t for t in wf.get_tasks(state=TaskState.STARTED) if isinstance(t.task_spec, LoopTask)]


def children_of(loop_task) -> list:
    child_spec = loop_task.workflow.spec.task_specs[loop_task.task_spec.task_spec]
    return [child for child in loop_task.children if child.task_spec is child_spec]


def unmerged_children(loop_task) -> list:
    merged = set(loop_task.internal_data.get("merged", []))
    return [c for c in children_of(loop_task) if c.state == TaskState.COMPLETED and str(c.id) not in merged]


def merge_missed_children(wf) -> list[dict]:
    """Merge every completed child its loop parent missed; what was merged, for the audit row.

    A parallel multi-instance parent whose children are now all merged becomes READY, so the
    next ``do_engine_steps()`` moves the case on.
    """
    merged: list[dict] = []
    for loop_task in open_loops(wf):
        for child in unmerged_children(loop_task):
            loop_task.task_spec.merge_child(wf, child)
            merged.append({"element": loop_task.task_spec.bpmn_id, "child": str(child.id)})
    return merged
