"""Drawing a task's targets and inspectors, keeping every input, and replaying a draw.

``draw_task`` snapshots the task's population (the department's 检查对象名录库 narrowed by the
task's filter) into a gzip file of ``code,risk`` lines whose SHA-256 is the population hash,
reads the eligible inspectors, their declared conflicts and who inspected what in the recent
draws, runs ``draw.run`` with a fresh 256-bit seed and stores the seed, the algorithm, every
parameter and the result hash with the inspections it created. The inspection cases are started
by a Celery job after the commit (10,000 cases are not started inside one request); a sweep
starts any the job missed.

``replay`` re-runs a stored draw from the stored inputs alone and compares: the population file
against its hash, the recomputed result against the stored hash and against the inspections and
teams in the database. ``python manage.py replay_draw ID`` and the draw page's button call it.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import secrets
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from casework.directory.models import Enterprise
from casework.errors import DomainError
from processes.audit import record
from processes.queueing import enqueue_after_commit

from . import draw, selectors
from .models import Draw, DrawReplacement, Inspection, InspectionMember, InspectionPlan, InspectionTask
from .tasks import start_inspection_cases

NAME_CHUNK = 2000


class DrawRefused(DomainError):
    code = "draw_refused"
    status = 409


# --- the population snapshot ----------------------------------------------------------------


def _fetch_lines(population: QuerySet) -> draw.Lines:
    """The population's ``code,risk`` lines in byte order of the code (sorted here, not by the
    database's collation)."""
    population = population.order_by()
    if connection.vendor == "postgresql":
        # COPY … CSV streams a million rows as the snapshot's very lines, several times faster
        # than a cursor's fetches.
        sql, params = population.query.sql_with_params()
        buffer = io.StringIO()
        with connection.cursor() as cursor:
            query = cursor.cursor.mogrify(sql, params).decode()
            cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
        lines = buffer.getvalue().splitlines()
    else:
        lines = [f"{code},{risk}" for code, risk in population]
    lines.sort()
    return draw.Lines(lines)


def read_snapshot(item: Draw) -> draw.Lines:
    with item.population_file.open("rb") as handle:
        text = gzip.decompress(handle.read()).decode()
    return draw.Lines(text.splitlines())


# --- drawing --------------------------------------------------------------------------------


def _recent(task: InspectionTask, departments: list[str]) -> dict[int, set[str]]:
    """Who inspected which enterprise in the last ``task.recent_draws`` draws of these departments."""
    if not task.recent_draws:
        return {}
    last = list(
        Draw.objects.filter(task__departments__code__in=departments)
        .distinct()
        .order_by("-drawn_at", "-pk")
        .values_list("pk", flat=True)[: task.recent_draws]
    )
    seen: dict[int, set[str]] = {}
    for inspector_id, code in InspectionMember.objects.filter(inspection__draw_id__in=last).values_list(
        "inspector_id", "inspection__credit_code"
    ):
        seen.setdefault(inspector_id, set()).add(code)
    return seen


def _parameters(task: InspectionTask, departments: list[str]) -> draw.Parameters:
    ratios = {k: str(v) for k, v in (task.ratios or {}).items() if str(v) not in ("", "0")}
    if task.count is None and not ratios:
        raise DrawRefused("抽查任务未设定抽取户数或分类抽查比例")
    return draw.Parameters(
        departments=tuple(departments),
        per_target=task.per_target,
        count=task.count if task.count is not None else None,
        ratios={} if task.count is not None else ratios,
    )


def draw_task(*, task_id: int, operator, witnesses: str = "") -> Draw:
    """Draw one approved task (once: a drawn task refuses a second draw)."""
    with transaction.atomic():
        task = InspectionTask.objects.select_for_update().select_related("plan").get(pk=task_id)
        plan = task.plan
        if plan.state != InspectionPlan.State.APPROVED:
            raise DrawRefused(f"抽查计划“{plan.name}”尚未批准（{plan.get_state_display()}），不能抽取")
        if task.state != InspectionTask.State.WAITING or Draw.objects.filter(task=task).exists():
            raise DrawRefused(f"抽查任务“{task.name}”已抽取，每个任务只抽取一次")
        departments = list(task.departments.order_by("code").values_list("code", flat=True))
        if plan.lead_department.code in departments:  # the lead department's inspector leads
            departments.remove(plan.lead_department.code)
            departments.insert(0, plan.lead_department.code)
        if not departments:
            raise DrawRefused("抽查任务未指定参与部门")
        parameters = _parameters(task, departments)
        on = timezone.localdate()
        target_filter = dict(task.target_filter or {})
        target_filter.setdefault("statuses", [Enterprise.Status.ACTIVE])  # 存续 unless the task says
        rows = _fetch_lines(selectors.population(target_filter, plan.lead_department))
        if not rows:
            raise DrawRefused("按任务设定的检查对象范围，名录库中没有可抽取的市场主体")
        inspectors = selectors.eligible_inspectors(departments, on)
        conflicts = selectors.conflicts([i.id for i in inspectors])
        recent = _recent(task, departments)
        seed = secrets.token_bytes(32)
        try:
            result = draw.run(
                seed=seed,
                population=rows,
                inspectors=inspectors,
                parameters=parameters,
                conflicts=conflicts,
                recent=recent,
            )
        except draw.DrawError as exc:
            raise DrawRefused(str(exc), details={"department": exc.department, "target": exc.target}) from exc
        content = rows.content()
        item = Draw(
            task=task,
            algorithm=draw.ALGORITHM,
            seed=seed.hex(),
            population_hash=hashlib.sha256(content).hexdigest(),
            population_size=len(rows),
            parameters={
                "draw": parameters.as_json(),
                "target_filter": target_filter,
                "drawn_on": on.isoformat(),
                "inspectors": [[i.id, i.department] for i in sorted(inspectors, key=lambda i: i.id)],
                "conflicts": {str(k): sorted(v) for k, v in sorted(conflicts.items()) if v},
                "recent": {str(k): sorted(v) for k, v in sorted(recent.items()) if v},
            },
            result_hash=result.hash,
            operator=operator,
            witnesses=witnesses.strip()[:300],
        )
        item.population_file.save("population.csv.gz", ContentFile(gzip.compress(content, 1)), save=False)
        item.save()
        _store_result(item, result)
        task.state = InspectionTask.State.DRAWN
        task.save(update_fields=["state"])
        record(
            "inspection_drawn",
            actor=operator,
            draw_id=item.pk,
            task_id=task.pk,
            plan=plan.number,
            algorithm=item.algorithm,
            seed=item.seed,
            population_hash=item.population_hash,
            population_size=item.population_size,
            targets=len(result.targets),
            replacements=len(result.replacements),
            result_hash=item.result_hash,
            witnesses=item.witnesses,
        )
        enqueue_after_commit(start_inspection_cases, item.pk)
    return item


def _names(codes: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for start in range(0, len(codes), NAME_CHUNK):
        chunk = codes[start : start + NAME_CHUNK]
        names.update(Enterprise.objects.filter(credit_code__in=chunk).values_list("credit_code", "name"))
    return names


def _insert(model, fields: list[str], rows: list[tuple]) -> list[int]:
    """INSERT ``rows`` (values of ``fields``; every other column its model default) and return
    the new ids in order. On PostgreSQL the ids are taken from the table's sequence first and
    the rows sent with COPY: 10,000 inspections and 20,000 team places through ``bulk_create``
    cost more than the draw itself."""
    if connection.vendor != "postgresql":
        made = model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows], 1000)
        return [obj.pk for obj in made]
    if not rows:
        return []
    meta, template = model._meta, model()
    others = [f for f in meta.concrete_fields if not f.primary_key and f.attname not in fields]
    columns = [meta.pk.column] + [meta.get_field(name).column for name in fields] + [f.column for f in others]
    fixed = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in others]
    table = meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for pk, row in zip(ids, rows, strict=True):
            writer.writerow(["\\N" if v is None else v for v in (pk, *row, *fixed)])
        buffer.seek(0)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        cursor.cursor.copy_expert(
            f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )
    return ids


def _store_result(item: Draw, result: draw.Result) -> None:
    names = _names([code for code, _ in result.targets])
    ids = _insert(
        Inspection,
        ["draw_id", "position", "credit_code", "enterprise_name", "risk_class"],
        [
            (item.pk, position, code, names.get(code, "")[:200], risk)
            for position, (code, risk) in enumerate(result.targets)
        ],
    )
    _insert(
        InspectionMember,
        ["inspection_id", "inspector_id", "position"],
        [
            (inspection_id, inspector_id, slot)
            for inspection_id, team in zip(ids, result.teams, strict=True)
            for slot, inspector_id in enumerate(team)
        ],
    )
    _insert(
        DrawReplacement,
        ["draw_id", "inspection_id", "inspector_id", "reason"],
        [(item.pk, ids[index], inspector_id, reason) for index, inspector_id, reason in result.replacements],
    )


# --- replaying ------------------------------------------------------------------------------


@dataclass
class Replay:
    draw_id: int
    population_ok: bool
    result_ok: bool
    stored_ok: bool
    result_hash: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.population_ok and self.result_ok and self.stored_ok


def inputs(item: Draw) -> dict:
    """Everything ``draw.run`` needs, from the stored draw alone."""
    data = item.parameters
    return {
        "seed": bytes.fromhex(item.seed),
        "population": read_snapshot(item),
        "inspectors": [draw.Inspector(id=i, department=d) for i, d in data["inspectors"]],
        "parameters": draw.Parameters.from_json(data["draw"]),
        "conflicts": {int(k): set(v) for k, v in data.get("conflicts", {}).items()},
        "recent": {int(k): set(v) for k, v in data.get("recent", {}).items()},
    }


def replay(item: Draw, *, actor=None) -> Replay:
    """Re-run the draw from its stored inputs and compare with what was stored."""
    problems: list[str] = []
    given = inputs(item)
    population_hash = hashlib.sha256(given["population"].content()).hexdigest()
    population_ok = population_hash == item.population_hash
    if not population_ok:
        problems.append(f"对象名录快照摘要不符：应为 {item.population_hash}，实为 {population_hash}")
    try:
        result = draw.run(**given)
    except draw.DrawError as exc:  # e.g. a truncated snapshot that holds fewer rows than were drawn
        problems.append(f"无法按保存的输入重新抽取：{exc}")
        outcome = Replay(item.pk, population_ok, False, False, "", problems)
        record("inspection_draw_replayed", actor=actor, draw_id=item.pk, ok=False, problems=problems)
        return outcome
    result_ok = result.hash == item.result_hash
    if not result_ok:
        problems.append(f"重新抽取的结果摘要 {result.hash} 与抽取时记录的 {item.result_hash} 不同")
    stored_targets = list(item.inspections.order_by("position").values_list("credit_code", "risk_class"))
    teams: dict[int, list[int]] = {}
    for position, inspector_id in (
        InspectionMember.objects.filter(inspection__draw=item)
        .order_by("inspection__position", "position")
        .values_list("inspection__position", "inspector_id")
    ):
        teams.setdefault(position, []).append(inspector_id)
    stored_ok = (
        stored_targets == [tuple(t) for t in result.targets]
        and [teams.get(i, []) for i in range(len(stored_targets))] == result.teams
    )
    if not stored_ok:
        problems.append("数据库中的检查对象或检查组与重新抽取的结果不一致")
    outcome = Replay(item.pk, population_ok, result_ok, stored_ok, result.hash, problems)
    record("inspection_draw_replayed", actor=actor, draw_id=item.pk, ok=outcome.ok, problems=problems)
    return outcome
