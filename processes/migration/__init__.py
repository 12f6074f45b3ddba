"""Migrating running cases to another version of their process (流程版本迁移).

``dry_run`` tells, for one case, what moving it to a target version would do: which of its open
tasks map unchanged, which changed (they are reset and run again on the target), which do not exist
in the target; how each waiting timer is recomputed; what happens to its open human tasks; and
whether it is safe.  ``migrate_instances`` migrates cases, each in its own transaction under its
row lock, after a fresh dry run of its own (an earlier one is never trusted).

Both run the very same trial: the case is loaded, diffed against the target with SpiffWorkflow's
``SpecDiff``/``WorkflowDiff`` (``SpiffWorkflow.bpmn.util.diff``) and migrated in memory with its
``migrate_workflow``.  A dry run then throws the result away; a migration saves it.

What ``migrate_workflow`` does, and what we correct (checked on SpiffWorkflow 3.2.0):

* It points every task at its aligned spec, then resets *every* READY and WAITING task
  (``Task.reset_branch``): the task keeps its id (so ``HumanTask.task_uuid`` still matches), its
  predicted descendants are dropped and predicted again from the target, but its data is copied
  again from its parent, its internal data is wiped and ``last_state_change`` becomes now.  For a
  task whose element did not change we put data, internal data and ``last_state_change`` back.
* A reset timer is evaluated again *now*: ``workdays(clock("push.claim"))`` would count from the
  day of the migration, and a clock suspension (``paused_days``) would be forgotten.  An unchanged
  timer keeps its due time; a changed one is counted again from the day it started (the deadline
  record's ``start``, else when its task began) under the rule in force that day, with the days
  its clock already stood still added back.
* A task whose spec the target lacks keeps its old spec object: the saved case would not load any
  more.  Such a case is refused; so is one that would not survive a save and load on the target.
"""

from __future__ import annotations

from .apply import migrate_instances
from .batch import REASON_MAX, BatchRefused, cancel_batch, resume_stalled, run_batch, start_batch
from .plan import HumanTaskChange, MigrationOutcome, MigrationPlan, TaskMapping, TimerChange
from .trial import dry_run

__all__ = [
    "REASON_MAX",
    "BatchRefused",
    "HumanTaskChange",
    "cancel_batch",
    "MigrationOutcome",
    "MigrationPlan",
    "TaskMapping",
    "TimerChange",
    "dry_run",
    "migrate_instances",
    "resume_stalled",
    "run_batch",
    "start_batch",
]
