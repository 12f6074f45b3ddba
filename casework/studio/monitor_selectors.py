"""Reads of the monitor (流程监控): case search, one case's facts and diagram state, per-process
aggregates.  Nothing here changes a case; the actions go through ``processes.engine``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone
from lxml import etree

from casework.organization.models import Department
from processes.engine import core, saved_tasks
from processes.models import (
    AuditEvent,
    HumanTask,
    Incident,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
)

Status = ProcessInstance.Status

# SpiffWorkflow's task states (SpiffWorkflow.util.task.TaskState; the domain may not import the
# library, tests/test_studio_monitor.py checks these values against it).
WAITING, READY, STARTED, COMPLETED = 8, 16, 32, 64
ACTIVE_STATES = (READY, WAITING, STARTED)

#: the running cases whose workflows are read for the non-human wait states of a process
TOKEN_SAMPLE = 300
#: the completed tasks whose durations give a process's p90 figures
DURATION_SAMPLE = 20_000


# --- case search -----------------------------------------------------------------------------


def process_choices() -> list[tuple[str, str]]:
    return list(ProcessDefinition.objects.order_by("name").values_list("key", "name"))


def version_choices() -> list[tuple[str, str]]:
    rows = ProcessVersion.objects.order_by("definition__name", "-version").values_list(
        "pk", "definition__name", "version"
    )
    return [(str(pk), f"{name} · v{number}") for pk, name, number in rows]


def department_choices() -> list[tuple[str, str]]:
    """Departments that tasks are offered to, by level then name."""
    rows = Department.objects.order_by("level", "name").values_list("code", "name")
    return list(rows)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, timezone.get_current_timezone())


def search_cases(filters: dict[str, Any]) -> QuerySet[ProcessInstance]:
    """Cases matching the (cleaned) filters, all states: ``status`` is applied by the caller so
    that the per-state counts of the same search can be shown next to it."""
    cases = ProcessInstance.objects.all()
    if key := filters.get("process"):
        cases = cases.filter(case_type=key)  # a case's type is its process's key
    if version := filters.get("version"):
        cases = cases.filter(process_version_id=int(version))
    if enterprise := (filters.get("enterprise") or "").strip():
        cases = cases.filter(Q(subject_name__icontains=enterprise) | Q(subject_code=enterprise))
    if department := filters.get("department"):
        cases = cases.filter(
            Exists(HumanTask.objects.filter(instance=OuterRef("pk"), candidate_department=department))
        )
    if start := filters.get("created_from"):
        cases = cases.filter(created_at__gte=_day_start(start))
    if end := filters.get("created_to"):
        cases = cases.filter(created_at__lt=_day_start(end + timedelta(days=1)))
    if business_key := (filters.get("business_key") or "").strip():
        cases = cases.filter(business_key__icontains=business_key)
    return cases


def with_status(cases: QuerySet[ProcessInstance], status: str | None) -> QuerySet[ProcessInstance]:
    return cases.filter(status=status) if status else cases


def for_listing(cases: QuerySet[ProcessInstance]) -> QuerySet[ProcessInstance]:
    """Newest first, with what a row shows (version, process name, open tasks) read in bulk."""
    open_tasks = HumanTask.objects.filter(state=HumanTask.State.OPEN).order_by("created_at", "pk")
    return (
        cases.select_related("process_version__definition", "started_by")
        .prefetch_related(Prefetch("human_tasks", queryset=open_tasks, to_attr="open_tasks"))
        .order_by("-created_at", "-pk")
    )


def waiting_steps(cases: list[ProcessInstance]) -> dict[int, list[str]]:
    """Case id -> the names of the steps it waits on that are not human tasks (a timer, a
    message catch, a failed step), for unfinished cases without an open task: read from their
    saved workflows (one page of the listing at a time)."""
    found: dict[int, list[str]] = {}
    names_by_version: dict[int, dict[str, str]] = {}
    for instance in cases:
        if instance.status not in (Status.RUNNING, Status.INCIDENT, Status.SUSPENDED):
            continue
        version = instance.process_version
        if version.pk not in names_by_version:
            names_by_version[version.pk] = xml_element_names(version.bpmn_xml)
        names = names_by_version[version.pk]
        wf = core.load_case(instance, heal=False)
        steps: dict[str, None] = {}
        for task in wf.get_tasks():
            element = _element_id(task)
            if element is not None and task.state in (WAITING, READY):
                steps[names.get(element) or _UNNAMED] = None
        if instance.status == Status.INCIDENT:  # a case that failed at its first step waits on none
            for element in instance.incidents.filter(status=Incident.Status.OPEN).values_list(
                "task_bpmn_id", flat=True
            ):
                if element:
                    steps[names.get(element) or _UNNAMED] = None
        found[instance.pk] = list(steps)
    return found


_UNNAMED = "（未命名环节）"


def status_counts(cases: QuerySet[ProcessInstance]) -> dict[str, int]:
    counted = dict(cases.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {value: counted.get(value, 0) for value in Status.values}


# --- one case --------------------------------------------------------------------------------


def case_or_none(instance_id: int) -> ProcessInstance | None:
    return (
        ProcessInstance.objects.select_related("process_version__definition", "started_by", "parent_task")
        .filter(pk=instance_id)
        .first()
    )


def case_timeline(instance: ProcessInstance) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(instance=instance)
        .select_related("actor", "human_task")
        .order_by("created_at", "pk")
    )


def case_tasks(instance: ProcessInstance) -> QuerySet[HumanTask]:
    return instance.human_tasks.select_related("assignee", "completed_by").order_by("created_at", "pk")


def case_incidents(instance: ProcessInstance) -> QuerySet[Incident]:
    return instance.incidents.order_by("-created_at", "-pk")


@dataclass
class DiagramState:
    """What the case's diagram marks: where its tokens are and the path it has taken."""

    active: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    flows: list[str] = field(default_factory=list)  # sequence flows taken
    incidents: list[str] = field(default_factory=list)
    #: where an ended (terminated) case stood when it ended: no token any more
    stopped: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    #: the case has not run a step yet (failed at its first one): ``variables`` is its start data
    initial_data: bool = False

    def as_json(self) -> dict[str, list[str]]:
        return {
            "active": self.active,
            "completed": self.completed,
            "flows": self.flows,
            "incidents": self.incidents,
            "stopped": self.stopped,
        }


def _element_id(task) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None) or None


def _previous_element(task) -> str | None:
    """The BPMN element the token came from: the nearest ancestor that is one (the engine's own
    helper tasks, such as a boundary event's split, are not)."""
    parent = task.parent
    while parent is not None:
        element = _element_id(parent)
        if element is not None:
            return element if parent.state == COMPLETED else None
        parent = parent.parent
    return None


def sequence_flows(bpmn_xml: str) -> dict[tuple[str, str], list[str]]:
    """(source id, target id) -> the ids of the sequence flows between them, from the XML."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.fromstring(bpmn_xml.encode("utf-8"), parser)
    flows: dict[tuple[str, str], list[str]] = {}
    for node in root.iter("{*}sequenceFlow"):
        pair = (node.get("sourceRef", ""), node.get("targetRef", ""))
        flows.setdefault(pair, []).append(node.get("id", ""))
    return flows


def xml_element_names(bpmn_xml: str) -> dict[str, str]:
    """id -> name of every named element of a diagram."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.fromstring(bpmn_xml.encode("utf-8"), parser)
    return {
        node.get("id"): " ".join(node.get("name").split())
        for node in root.iter()
        if node.get("id") and node.get("name")
    }


def _variables(wf, active_tasks: list) -> tuple[dict[str, Any], bool]:
    """The case's data as it stands: the data the waiting steps hold (in a finished case, the
    workflow's own data, else that of its last step), plus the workflow's data objects; and
    whether it is the data the case was started with (no step has run: it failed at its first
    one, and the data waits on the workflow's own start task)."""
    data: dict[str, Any] = {}
    if active_tasks:
        for task in active_tasks:
            data.update(task.data)
    else:
        last = max(
            (t for t in wf.get_tasks(state=COMPLETED) if t.data),
            key=lambda t: t.last_state_change,
            default=None,
        )
        if last is not None:
            data.update(last.data)
    initial = False
    if not data and not any(_element_id(t) is not None for t in wf.get_tasks(state=COMPLETED)):
        data.update(wf.task_tree.data)  # the start data, where new_workflow put it
        initial = bool(data)
    data.update(wf.data)
    ordered = sorted(data.items(), key=lambda item: str(item[0]))
    return {str(k): core.json_safe(v) for k, v in ordered}, initial


def diagram_state(instance: ProcessInstance) -> DiagramState:
    """Read the case's saved workflow (never saved back): active, completed, flows taken, data."""
    wf = core.load_case(instance, heal=False)
    active: dict[str, None] = {}
    completed: dict[str, None] = {}
    taken: set[tuple[str, str]] = set()
    active_tasks = []
    for task in wf.get_tasks():
        element = _element_id(task)
        if element is None:
            continue
        if task.state in ACTIVE_STATES:
            active[element] = None
            if task.workflow is wf:
                active_tasks.append(task)
        elif task.state == COMPLETED:
            completed[element] = None
        else:
            continue
        source = _previous_element(task)
        if source is not None:
            taken.add((source, element))
    flows = sequence_flows(instance.process_version.bpmn_xml)
    flow_ids = sorted({fid for pair in taken for fid in flows.get(pair, [])})
    incidents = sorted(
        set(
            instance.incidents.filter(status=Incident.Status.OPEN)
            .exclude(task_bpmn_id="")
            .values_list("task_bpmn_id", flat=True)
        )
    )
    variables, initial = _variables(wf, active_tasks)
    state = DiagramState(
        active=list(active),
        completed=[e for e in completed if e not in active],
        flows=flow_ids,
        incidents=incidents,
        variables=variables,
        initial_data=initial,
    )
    if instance.status in (Status.COMPLETED, Status.TERMINATED):
        # An ended case has no token: the workflow of a terminated case still holds the steps
        # it waited on, shown as where it stopped; a completed one has none left.
        state.stopped = state.active if instance.status == Status.TERMINATED else []
        state.active = []
    return state


# --- one process -----------------------------------------------------------------------------


def definition_or_none(key: str) -> ProcessDefinition | None:
    return ProcessDefinition.objects.filter(key=key).first()


def process_versions(definition: ProcessDefinition) -> list[ProcessVersion]:
    return list(definition.versions.order_by("-version"))


def counts_by_version(definition: ProcessDefinition) -> dict[int, dict[str, int]]:
    """version number -> status -> cases."""
    numbers = dict(definition.versions.values_list("pk", "version"))
    rows = (
        ProcessInstance.objects.filter(case_type=definition.key, process_version_id__in=list(numbers))
        .order_by()
        .values_list("process_version_id", "status")
        .annotate(n=Count("pk"))
    )
    table: dict[int, dict[str, int]] = {}
    for version_id, status, n in rows:
        table.setdefault(numbers[version_id], dict.fromkeys(Status.values, 0))[status] = n
    return table


def version_of(definition: ProcessDefinition, number: int | None) -> ProcessVersion | None:
    """The definition's version ``number``; its active version when ``number`` is None."""
    if number is None:
        return definition.active_version
    return definition.versions.filter(version=number).first()


def _process_tasks(
    definition: ProcessDefinition, version: ProcessVersion | None = None
) -> QuerySet[HumanTask]:
    """The human tasks of a process's cases; of the cases on ``version`` only when given.

    A task carries its case's type, which is the process's key: the tasks are read by it (index
    ``task_process_figures``) rather than through case → version → definition, which made the
    planner nest one task lookup per case.  The cases of ``version`` are named only when another
    version of the process has cases."""
    tasks = HumanTask.objects.filter(case_type=definition.key)
    if version is not None and _others_have_cases(definition, version):
        tasks = tasks.filter(
            instance_id__in=ProcessInstance.objects.filter(process_version=version).values("pk")
        )
    return tasks


def _others_have_cases(definition: ProcessDefinition, version: ProcessVersion) -> bool:
    others = list(definition.versions.exclude(pk=version.pk).values_list("pk", flat=True))
    return bool(others) and ProcessInstance.objects.filter(process_version_id__in=others).exists()


_ALL_STATES = [value for value, _ in HumanTask.State.choices]


def open_tasks_per_element(
    definition: ProcessDefinition, version: ProcessVersion | None = None
) -> dict[str, int]:
    """bpmn id -> the cases with an open task there (a multi-instance step open for several
    departments counts its case once)."""
    rows = (
        _process_tasks(definition, version)
        .filter(state=HumanTask.State.OPEN)
        .order_by()
        .values_list("bpmn_id")
        .annotate(n=Count("instance", distinct=True))
    )
    return dict(rows.values_list("bpmn_id", "n"))


def element_names(
    definition: ProcessDefinition, version: ProcessVersion | None = None, elements: Iterable[str] = ()
) -> dict[str, str]:
    """bpmn id -> the name people see: from the diagram of ``version`` (default: the active
    one); an id of ``elements`` it does not name, from a task there (human tasks carry their
    element's name)."""
    shown = version or definition.active_version
    found = xml_element_names(shown.bpmn_xml) if shown is not None else {}
    tasks = _process_tasks(definition, version)
    for element in sorted(set(elements) - set(found)):
        # every state named, so that the lookup is a few descents of task_process_figures
        name = tasks.filter(state__in=_ALL_STATES, bpmn_id=element).values_list("name", flat=True).first()
        if name is not None:
            found[element] = name
    return found


def other_waiting_elements(
    definition: ProcessDefinition, version: ProcessVersion | None = None, *, limit: int = TOKEN_SAMPLE
) -> tuple[dict, int, int]:
    """Cases per element not on a human task (a timer or a message waiting, a subprocess
    running), read from the workflows of the most recently updated unfinished cases (at most
    ``limit``; of ``version`` only when given): (element -> cases, cases read, unfinished cases)."""
    unfinished = ProcessInstance.objects.filter(
        case_type=definition.key,
        status__in=[Status.RUNNING, Status.INCIDENT, Status.SUSPENDED],
    )
    if version is not None:
        unfinished = unfinished.filter(process_version=version)
    total = unfinished.count()
    # Each case's version from one read of the process's versions, not joined per case (a
    # version row carries its diagram).
    versions = {v.pk: v for v in definition.versions.all()}
    cases = unfinished.only("pk", "state", "process_version_id").order_by("-updated_at", "-pk")[:limit]
    counts: dict[str, int] = {}
    read = 0
    for instance in cases:
        if (version_row := versions.get(instance.process_version_id)) is not None:
            instance.process_version = version_row
        read += 1
        for element in _waiting_elements(instance):
            counts[element] = counts.get(element, 0) + 1
    return counts, read, total


def _waiting_elements(instance: ProcessInstance) -> set[str]:
    """The elements where a case waits (a timer, a message) or runs (a subprocess): read from its
    saved JSON, else (another serializer version) from its rebuilt workflow."""
    found = saved_tasks.elements_in_states(instance, (WAITING, STARTED))
    if found is not None:
        return found
    wf = core.load_case(instance, heal=False)
    return {
        element
        for task in wf.get_tasks()
        if (element := _element_id(task)) is not None and task.state in (WAITING, STARTED)
    }


_DURATION = ExpressionWrapper(F("completed_at") - F("created_at"), output_field=DurationField())


def completed_task_averages(
    definition: ProcessDefinition, version: ProcessVersion | None = None
) -> dict[str, tuple[timedelta, int]]:
    """bpmn id -> (average time from a task's creation to its completion, completed tasks)."""
    rows = (
        _process_tasks(definition, version)
        .filter(state=HumanTask.State.COMPLETED, completed_at__isnull=False)
        .order_by()
        .values("bpmn_id")
        .annotate(avg=Avg(_DURATION), n=Count("pk"))
    )
    return {row["bpmn_id"]: (row["avg"], row["n"]) for row in rows}


def completed_task_durations(
    definition: ProcessDefinition, version: ProcessVersion | None = None, *, limit: int = DURATION_SAMPLE
) -> list[tuple[str, datetime, datetime | None]]:
    """(bpmn id, created, completed) of the most recently completed tasks (at most ``limit``): an
    index range of ``task_completed_recent``."""
    rows = (
        _process_tasks(definition, version)
        .filter(state=HumanTask.State.COMPLETED, completed_at__isnull=False)
        .order_by("-completed_at", "-pk")
        .values_list("bpmn_id", "created_at", "completed_at")[:limit]
    )
    return list(rows)


def recent_p90(
    definition: ProcessDefinition, version: ProcessVersion | None = None, *, limit: int = DURATION_SAMPLE
) -> tuple[dict[str, timedelta], int] | None:
    """On PostgreSQL: bpmn id -> the p90 time of the most recently completed tasks (at most
    ``limit``, those of ``completed_task_durations``), nearest rank (``percentile_disc``), and
    how many tasks were read; computed by the database instead of sending it the times.  None
    on another database."""
    if connection.vendor != "postgresql":
        return None
    recent = (
        _process_tasks(definition, version)
        .filter(state=HumanTask.State.COMPLETED, completed_at__isnull=False)
        .order_by("-completed_at", "-pk")
        .values_list("bpmn_id", "created_at", "completed_at")[:limit]
    )
    sql, params = recent.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bpmn_id, PERCENTILE_DISC(0.9) WITHIN GROUP (ORDER BY completed_at - created_at), "
            f"COUNT(*) FROM ({sql}) AS recent GROUP BY bpmn_id",
            params,
        )
        rows = cursor.fetchall()
    return {element: p90 for element, p90, _ in rows}, sum(n for _, _, n in rows)


def overdue_by_department(definition: ProcessDefinition, *, now: datetime) -> list[dict[str, Any]]:
    """Per candidate department: tasks with a due time (cancelled ones aside) and how many were
    late: completed after it, or still open past it."""
    late = Q(state=HumanTask.State.COMPLETED, completed_at__gt=F("due_at")) | Q(
        state=HumanTask.State.OPEN, due_at__lt=now
    )
    rows = (
        _process_tasks(definition)
        .filter(due_at__isnull=False, state__in=[HumanTask.State.OPEN, HumanTask.State.COMPLETED])
        .order_by()
        .values("candidate_department")
        .annotate(total=Count("pk"), overdue=Count("pk", filter=late))
        .order_by("candidate_department")
    )
    return [dict(row) for row in rows]
