"""What a migration does to the open human task rows of a case (kept, updated, reassigned, cancelled, new)."""

from __future__ import annotations

from typing import Any

from ..engine.projection import candidate_for, ready_human_tasks, task_deadline
from ..models import HumanTask, ProcessInstance
from .plan import HumanTaskChange


def _human_task_changes(
    instance: ProcessInstance, wf, changed_ids: set, recomputed: set
) -> list[HumanTaskChange]:
    ready = {task.id: task for task in ready_human_tasks(wf)}
    rows = list(
        instance.human_tasks.filter(state=HumanTask.State.OPEN).select_related("assignee").order_by("pk")
    )
    changes: list[HumanTaskChange] = []
    seen = set()
    for row in rows:
        assignee = (row.assignee.get_full_name() or row.assignee.username) if row.assignee else ""
        task = ready.get(row.task_uuid)
        base: dict[str, Any] = {
            "name": row.name,
            "row_id": row.pk,
            "department": row.candidate_department,
            "role": row.candidate_role,
            "assignee": assignee,
            "due_before": row.due_at,
            "task_id": str(row.task_uuid),
        }
        if task is None:
            changes.append(HumanTaskChange(outcome="cancelled", **base))
            continue
        seen.add(task.id)
        timers_moved = any(
            sibling.id in recomputed for sibling in (task.parent.children if task.parent is not None else [])
        )
        due_after = task_deadline(task)[0] if timers_moved else row.due_at
        if task.id not in changed_ids:
            changes.append(
                HumanTaskChange(
                    outcome="kept",
                    new_name=row.name,
                    new_department=row.candidate_department,
                    new_role=row.candidate_role,
                    due_after=due_after,
                    refresh_due=timers_moved,
                    **base,
                )
            )
            continue
        department, role = candidate_for(wf, task)
        new_name = task.task_spec.bpmn_name or task.task_spec.bpmn_id
        fields = {"name": new_name, "bpmn_id": task.task_spec.bpmn_id}
        moved = (department, role) != (row.candidate_department, row.candidate_role)
        if moved:
            fields.update(
                candidate_department=department, candidate_role=role, assignee=None, claimed_at=None
            )
        changes.append(
            HumanTaskChange(
                outcome="reassigned" if moved else ("updated" if new_name != row.name else "kept"),
                new_name=new_name,
                new_department=department,
                new_role=role,
                due_after=due_after,
                fields=fields,
                refresh_due=timers_moved,
                **base,
            )
        )
    for task in ready.values():
        if task.id in seen:
            continue
        department, role = candidate_for(wf, task)
        changes.append(
            HumanTaskChange(
                outcome="new",
                name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                new_name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                new_department=department,
                new_role=role,
                due_after=task_deadline(task)[0],
                task_id=str(task.id),
            )
        )
    return changes
