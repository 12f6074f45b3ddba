"""The engine service: the only code that drives SpiffWorkflow.

Every public function is one state change of a case.  It runs in one transaction that
takes the instance row lock, loads the workflow, changes it, runs the engine to the next
wait state, saves the state with an optimistic version check, re-projects the human
tasks, routes thrown messages and writes the audit row.  A step that raises is rolled
back to a savepoint and recorded as an Incident instead: never a half-saved state.

This module is the public API; the modules of the package hold it by subject:

* ``core`` — loading a case, advancing it one step, saving it, projecting its tasks, incidents
  (package-internal);
* ``projection`` — what the database indexes from a workflow: ready tasks, due times, timers;
* ``human_tasks`` — claim, release, complete, deadlines, escalation levels;
* ``messages`` — posting and delivering messages between cases;
* ``timers`` — the sweep that fires due timers;
* ``clocks`` — suspending (中止) and resuming a case's legal clock, recomputing provisional deadlines;
* ``instances`` — starting, suspending, resuming, terminating cases, retrying incidents;
* ``loops`` and ``repair`` — healing the cases an old release stalled in a loop step.
"""

from .clocks import pause_clock, recompute_provisional_deadlines, resume_clock
from .core import ACTIVE, Actor
from .human_tasks import claim_task, complete_task, release_task, set_escalation_level, set_task_deadline
from .instances import resume_instance, retry_incident, start_process, suspend_instance, terminate_instance
from .messages import deliver_message, deliver_pending_messages, post_message
from .repair import UnmergedLoop, find_unmerged_loops, repair_unmerged_loops
from .timers import fire_due_timers

__all__ = [
    "ACTIVE",
    "Actor",
    "UnmergedLoop",
    "claim_task",
    "complete_task",
    "deliver_message",
    "deliver_pending_messages",
    "find_unmerged_loops",
    "pause_clock",
    "recompute_provisional_deadlines",
    "resume_clock",
    "fire_due_timers",
    "post_message",
    "release_task",
    "repair_unmerged_loops",
    "resume_instance",
    "retry_incident",
    "set_escalation_level",
    "set_task_deadline",
    "start_process",
    "suspend_instance",
    "terminate_instance",
]
