"""归集公示 actions: submit a record (form, file, API or a 双告知 permit — one validation for all),
correct it, review it, publish, archive, withdraw.  Each writes its audit row.

A record is identified by (provider, type, document number): submitting it again is a new version
of the same record, never a second record.  Nothing is deleted.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from casework.clocks import services as clocks
from casework.directory.credit_code import check_credit_code
from casework.directory.models import Enterprise
from casework.errors import DomainError, Forbidden
from casework.organization.divisions import within
from casework.organization.models import Department, Division
from casework.organization.permissions import Person, departments_in_role, is_process_admin
from processes import engine
from processes.audit import record
from processes.business_calendar import SHANGHAI
from processes.deadlines import count_from, end_of_day
from processes.models import ProcessInstance
from processes.operation import memo, memoised

from . import record_types
from .models import CollectedRecord, RecordFormat, RecordVersion

PROCESS = "collection"
State = CollectedRecord.State
Channel = CollectedRecord.Channel
FIELD_PREFIX = "v_"  # a 补正 task's data carries each field as v_<name> (see forms.PREFIX)
OPEN_STATES = (State.VALIDATING, State.RETURNED, State.REVIEWING, State.PENDING)


class RecordRefused(DomainError):
    code = "record_refused"


class UnknownRecordType(DomainError):
    code = "unknown_record_type"


@dataclass(frozen=True)
class Submitted:
    record: CollectedRecord
    outcome: str  # created | versioned | unchanged

    @property
    def accepted(self) -> bool:
        return not self.record.errors


# --- the format spec --------------------------------------------------------------------


def current_format() -> RecordFormat:
    """The spec in force (version 1 is the bundled ``record_types.RECORD_TYPES``); read once per
    ``operation.memo_scope()`` (a batch import's chunk), its JSON is the largest row of a submit."""
    return memoised(("collection", "format"), _current_format)


def _current_format() -> RecordFormat:
    latest = RecordFormat.objects.order_by("-version").first()
    if latest is None:
        latest, _ = RecordFormat.objects.get_or_create(
            version=record_types.SPEC_VERSION,
            defaults={"types": record_types.RECORD_TYPES, "note": "内置格式规范"},
        )
    return latest


def publish_format(*, types: list[dict], note: str, actor, obj: RecordFormat | None = None) -> RecordFormat:
    """A new version of the spec (checked by ``record_types.spec_problems``); audited."""
    problems = record_types.spec_problems(types)
    if problems:
        raise RecordRefused("格式规范有误：" + "；".join(problems), details={"types": problems})
    with transaction.atomic():
        latest = RecordFormat.objects.select_for_update().order_by("-version").first()
        fmt = obj or RecordFormat()
        fmt.version = (latest.version if latest else 0) + 1
        fmt.types, fmt.note = types, note
        fmt.created_by = actor if getattr(actor, "pk", None) else None
        fmt.save()
        record("record_format_published", actor=actor, version=fmt.version, types=len(types), note=note)
    return fmt


def type_spec(code: str, fmt: RecordFormat | None = None) -> dict:
    fmt = fmt or current_format()
    for spec in fmt.types:
        if spec["code"] == code:
            return spec
    raise UnknownRecordType(f"未知的信息类别：{code}", details={"record_type": "不在格式规范中"})


def type_choices() -> list[tuple[str, str]]:
    return [(spec["code"], spec["name"]) for spec in current_format().types]


# --- submitting -------------------------------------------------------------------------


def _check_header(
    credit_code: str, enterprise_name: str, spec: dict | None = None
) -> tuple[str, dict[str, str]]:
    errors: dict[str, str] = {}
    if not (credit_code or "").strip() and without_code(spec):
        # 无证无照: the party often has no licence and so no credit code; it is named instead.
        if not (enterprise_name or "").strip():
            errors["enterprise_name"] = "无统一社会信用代码的当事人，须填写当事人名称（姓名）"
        return "", errors
    check = check_credit_code(credit_code or "")
    if not check.structural_ok:
        errors["credit_code"] = "；".join(p.message for p in check.problems) or "统一社会信用代码无效"
    if not (enterprise_name or "").strip():
        errors["enterprise_name"] = "“市场主体名称”不能为空"
    return check.code, errors


def platform_area() -> str:
    """The top administrative area this platform serves (its root division)."""

    def compute() -> str:
        root = Division.objects.filter(parent__isnull=True).order_by("code").first()
        return root.code if root is not None else ""

    return memoised(("collection", "platform_area"), compute)


def enterprise_for(code: str) -> Enterprise | None:
    """The 名录库 enterprise of a credit code (a batch's codes are read at once: ``remember_enterprises``)."""
    return memoised(
        ("collection", "enterprise", code), lambda: Enterprise.objects.filter(credit_code=code).first()
    )


def remember_enterprises(codes: list[str]) -> None:
    """Inside a ``memo_scope()``: look up a batch's enterprises with one query (a miss is None)."""
    cache = memo()
    if cache is None:
        return
    wanted = {code for code in codes if code}
    found = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=wanted)}
    for code in wanted:
        cache[("collection", "enterprise", code)] = found.get(code)


def remember_new_documents(provider: Department, record_type: str, numbers: list[str]) -> None:
    """Inside a ``memo_scope()``: which of a batch's document numbers no record has yet (one query),
    so submitting them skips the look-up of an existing record (``_known_new``)."""
    cache = memo()
    if cache is None:
        return
    wanted = {number for number in numbers if number}
    taken = CollectedRecord.objects.filter(
        provider=provider, record_type=record_type, document_number__in=wanted
    ).values_list("document_number", flat=True)
    cache[("collection", "new_documents", provider.pk, record_type)] = wanted - set(taken)


def _known_new(provider: Department, record_type: str, document_number: str) -> set[str] | None:
    """The batch's numbers still without a record, if ``document_number`` is one of them."""
    new = (memo() or {}).get(("collection", "new_documents", provider.pk, record_type))
    return new if new is not None and document_number in new else None


def is_outside_area(credit_code: str) -> bool:
    """A code registered outside this platform's area goes to the outbound exchange list."""
    division = check_credit_code(credit_code).division_code
    area = platform_area()
    return bool(division and area and not within(division, area))


def _produced(spec: dict, cleaned: dict) -> date | None:
    value = cleaned.get(spec.get("produced_field") or "")
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _is_late(provider: Department, produced_on: date | None, backfill: bool) -> bool:
    if backfill or produced_on is None:
        return False
    rule = memoised(
        ("collection", "collect_rule", provider.division_code, produced_on),
        lambda: clocks.rule_in_force("collect", provider.division_code, produced_on),
    )
    if rule is None:
        return False
    last, _ = count_from(produced_on, rule.days, rule.unit)
    return today() > last


def today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def archive_at(spec: dict, values: dict, published_on: date) -> str:
    """The end of the last public day of a record published on ``published_on`` ("" = until removed)."""
    end = record_types.publication_end(spec, values, published_on)
    return _end_of_day(end) if end else ""


def check_record(
    *,
    record_type: str,
    credit_code: str,
    enterprise_name: str,
    values: dict[str, Any],
    fmt: RecordFormat | None = None,
) -> tuple[dict, str, dict, dict[str, str]]:
    """The one validation of every channel: (spec, normalised credit code, cleaned values, errors)."""
    spec = type_spec(record_type, fmt)
    cleaned, errors = record_types.validate_fields(spec, values)
    code, header_errors = _check_header(credit_code, enterprise_name, spec)
    return spec, code, cleaned, {**header_errors, **errors}


def without_code(spec: dict | None) -> bool:
    """Whether the type's party may have no credit code (``party_without_code``: 无证无照经营查处)."""
    return bool(spec and spec.get("party_without_code"))


def submit_record(
    *,
    provider: Department,
    record_type: str,
    credit_code: str,
    enterprise_name: str,
    values: dict[str, Any],
    actor: Person | None,
    channel: str = Channel.FORM,
    backfill: bool = False,
    secret: bool = False,
    sensitive: bool = False,
) -> Submitted:
    """One record from any channel.  Invalid data is kept (state 退回补正) and returned to the provider
    as a 补正 task; a valid record goes on to review / publication.  Idempotent per identity."""
    if (
        actor is not None
        and getattr(actor, "pk", None) is not None
        and not (is_process_admin(actor) or provider.code in provider_departments(actor))
    ):
        raise Forbidden(f"您不能以“{provider.name}”的名义报送涉企信息", details={"provider": "不是您的部门"})
    fmt = current_format()
    spec, code, cleaned, errors = check_record(
        record_type=record_type,
        credit_code=credit_code,
        enterprise_name=enterprise_name,
        values=values,
        fmt=fmt,
    )
    document_number = str(
        cleaned.get(spec["document_field"]) or values.get(spec["document_field"]) or ""
    ).strip()
    if not document_number:
        raise RecordRefused(
            f"缺少文书编号（{_label(spec, spec['document_field'])}），无法识别这条信息",
            details={spec["document_field"]: "不能为空"},
        )
    produced_on = _produced(spec, cleaned)
    with transaction.atomic():
        known_new = _known_new(provider, record_type, document_number)
        existing = (
            None
            if known_new is not None
            else CollectedRecord.objects.select_for_update()
            .filter(provider=provider, record_type=record_type, document_number=document_number)
            .first()
        )
        if existing is not None:
            return _resubmit(
                existing, spec, fmt, code, enterprise_name, cleaned, errors, produced_on, actor, channel
            )
        if known_new is not None:
            known_new.discard(document_number)  # from now on it has a record
        item = CollectedRecord.objects.create(
            record_type=record_type,
            type_name=spec["name"],
            provider=provider,
            credit_code=code,
            enterprise_name=enterprise_name.strip(),
            enterprise=enterprise_for(code),
            document_number=document_number,
            produced_on=produced_on,
            values=cleaned,
            errors=errors,
            secret=secret,
            sensitive=sensitive,
            backfill=backfill,
            late=_is_late(provider, produced_on, backfill),
            channel=channel,
            format_version=fmt.version,
            area_code=provider.division_code,
        )
        _version(item, actor, note="首次归集")
        record(
            "record_collected",
            actor=actor,
            record_id=item.pk,
            record_type=record_type,
            document_number=document_number,
            provider=provider.code,
            channel=channel,
            errors=errors,
            late=item.late,
        )
        _start_case(item, spec, actor)
    return Submitted(item, "created")


def _label(spec: dict, name: str) -> str:
    for field in spec.get("fields", []):
        if field["name"] == name:
            return field.get("label", name)
    return name


def _resubmit(
    item, spec, fmt, code, enterprise_name, cleaned, errors, produced_on, actor, channel
) -> Submitted:
    same = (
        item.values == cleaned
        and item.credit_code == code
        and item.enterprise_name == enterprise_name.strip()
    )
    if same and item.state != State.WITHDRAWN:
        return Submitted(item, "unchanged")  # a repeated import or API call, published or not
    if item.state == State.PUBLISHED and not errors and _ends_publication(item, spec, cleaned):
        return _end_publication(item, cleaned, actor, channel)
    if item.state in (State.PUBLISHED, State.ARCHIVED):
        raise RecordRefused(
            f"“{item}”已公示，不能直接覆盖：请通过更正流程修改", details={"document_number": "已公示"}
        )
    restart = item.state in (State.WITHDRAWN, State.CONFIDENTIAL, State.OUTBOUND) or item.instance is None
    item.credit_code, item.enterprise_name, item.values, item.errors = (
        code,
        enterprise_name.strip(),
        cleaned,
        errors,
    )
    item.produced_on, item.format_version, item.channel = produced_on, fmt.version, channel
    item.enterprise = enterprise_for(code)
    item.version += 1
    item.withdrawn_reason = ""
    item.save()
    _version(item, actor, note="重新报送")
    record("record_resubmitted", actor=actor, record_id=item.pk, version=item.version, errors=errors)
    if restart:
        _start_case(item, spec, actor)
    # Otherwise the case's 补正 task (if open) now shows this version; its officer confirms it.
    return Submitted(item, "versioned")


def _ends_publication(item: CollectedRecord, spec: dict, cleaned: dict) -> bool:
    """A later version that only adds the facts ending an open publication (经营异常名录的移出,
    an 注销日期, a 清缴日期 …): nothing already published changes."""
    added = {k for k in cleaned if k not in item.values}
    kept = all(cleaned.get(k) == v for k, v in item.values.items())
    until = set((spec.get("publication") or {}).get("until_fields") or [])
    return kept and bool(added & until)


def _end_publication(item: CollectedRecord, cleaned: dict, actor, channel: str) -> Submitted:
    spec = type_spec(item.record_type)
    published_on = (item.published_at or timezone.now()).astimezone(SHANGHAI).date()
    end = record_types.publication_end(spec, cleaned, published_on)
    if end is None or end > today():
        raise RecordRefused(
            f"结束公示的日期（{end or '未填写'}）晚于今天：请在该日当天或之后报送",
            details={"document_number": "尚未到结束公示的日期"},
        )
    item.values, item.channel, item.archive_on = cleaned, channel, end
    item.state, item.archived_at = State.ARCHIVED, timezone.now()
    item.version += 1
    item.save()
    _version(item, actor, note="移出/终止公示")
    record("record_archived", actor=actor, record_id=item.pk, version=item.version, ended_on=end.isoformat())
    return Submitted(item, "versioned")


def _version(item: CollectedRecord, actor, *, note: str) -> None:
    RecordVersion.objects.create(
        record=item,
        version=item.version,
        credit_code=item.credit_code,
        enterprise_name=item.enterprise_name,
        produced_on=item.produced_on,
        values=item.values,
        errors=item.errors,
        channel=item.channel,
        note=note,
        submitted_by=actor if getattr(actor, "pk", None) else None,
    )


def _start_case(item: CollectedRecord, spec: dict, actor) -> None:
    if not item.errors and item.credit_code and is_outside_area(item.credit_code):
        item.state = State.OUTBOUND  # registered elsewhere: exchanged out, not published here
        item.save(update_fields=["state"])
        record("record_outbound", actor=actor, record_id=item.pk, credit_code=item.credit_code)
        return
    item.state = State.RETURNED if item.errors else (State.REVIEWING if item.sensitive else State.PENDING)
    item.save(update_fields=["state"])
    with _starting(item) as handled:
        instance = engine.start_process(
            key=PROCESS,
            data={
                "record_id": item.pk,
                "provider": item.provider.code,
                "valid": not item.errors,
                "secret": item.secret
                or (not item.errors and not record_types.is_published(spec, item.values))
                # no credit code: no enterprise to publish it under (collected, counted, kept)
                or not item.credit_code,
                "sensitive": item.sensitive,
                # Counted from publication: set again by 补正 and 保密审查 when they publish later.
                "archive_at": archive_at(spec, item.values, today()),
            },
            business_key=f"GJ-{item.pk}-{item.version}",
            title=f"{item.enterprise_name} · {item.type_name}",
            actor=actor if getattr(actor, "pk", None) else None,
            subject=(item.enterprise_name, item.credit_code),
            area_code=item.area_code,
        )
    if not handled or instance.status == ProcessInstance.Status.INCIDENT:
        # Its first steps may have moved it on (published, kept confidential) through another
        # object, or moved this one before failing (the step's writes were rolled back).
        item.refresh_from_db()
    item.instance = instance
    item.save(update_fields=["instance"])


def _end_of_day(day: date) -> str:
    return end_of_day(day).isoformat()


# --- steps of the case -----------------------------------------------------------------------


def record_of(instance: ProcessInstance) -> CollectedRecord | None:
    return CollectedRecord.objects.filter(instance=instance).select_related("provider").first()


def apply_correction(*, instance, human_task, data: dict, actor) -> None:
    """补正 completed: the corrected fields are a new version of the record."""
    item = CollectedRecord.objects.select_for_update().get(instance=instance)
    values = {key[len(FIELD_PREFIX) :]: value for key, value in data.items() if key.startswith(FIELD_PREFIX)}
    if values and values != item.values:
        item.values = values
        item.errors = {}
        item.version += 1
        item.save()
        _version(item, actor, note="补正")
    item.state = State.REVIEWING if item.sensitive else State.PENDING
    item.errors = {}
    item.save(update_fields=["state", "errors"])
    record("record_corrected", actor=actor, instance=instance, human_task=human_task, version=item.version)


def apply_review(*, instance, human_task, data: dict, actor) -> None:
    item = CollectedRecord.objects.select_for_update().get(instance=instance)
    if data.get("review_decision") == "approve":
        item.state = State.PENDING
        item.save(update_fields=["state"])
        record("record_review_passed", actor=actor, instance=instance, human_task=human_task)
        return
    reason = data.get("review_reason", "")
    item.state, item.errors = State.RETURNED, {"review": reason or "保密审查未通过"}
    item.save(update_fields=["state", "errors"])
    record("record_review_returned", actor=actor, instance=instance, human_task=human_task, reason=reason)


# The record whose case ``_start_case`` is starting: its first steps' handlers act on that very
# object (this transaction created or locked it), so it is neither read again nor refreshed after.
_starting_record: ContextVar[tuple[CollectedRecord, list[bool]] | None] = ContextVar(
    "collection_starting_record", default=None
)


@contextmanager
def _starting(item: CollectedRecord):
    handled: list[bool] = []
    token = _starting_record.set((item, handled))
    try:
        yield handled
    finally:
        _starting_record.reset(token)


def _messaged(message) -> CollectedRecord:
    """The record a case's message names (``{"record_id": …}``: the case may be new, not yet linked)."""
    starting = _starting_record.get()
    if starting is not None and starting[0].pk == message.payload["record_id"]:
        starting[1].append(True)
        return starting[0]
    return CollectedRecord.objects.select_for_update().get(pk=message.payload["record_id"])


def publish(*, message, instance) -> None:
    item = _messaged(message)
    item.state, item.published_at = State.PUBLISHED, timezone.now()
    item.archive_on = record_types.publication_end(type_spec(item.record_type), item.values, today())
    item.save(update_fields=["state", "published_at", "archive_on"])
    record("record_published", instance=instance, record_id=item.pk, archive_on=str(item.archive_on or ""))


def archive(*, message, instance) -> None:
    item = _messaged(message)
    if item.state == State.ARCHIVED:  # ended earlier (移出 reported before the period ran out)
        return
    item.state, item.archived_at = State.ARCHIVED, timezone.now()
    item.save(update_fields=["state", "archived_at"])
    record("record_archived", instance=instance, record_id=item.pk)


def keep_confidential(*, message, instance) -> None:
    """Not published: a state secret, or a record the rules keep off the portal (简易程序 penalty)."""
    item = _messaged(message)
    item.state = State.CONFIDENTIAL if item.secret else State.NOT_PUBLIC
    item.save(update_fields=["state"])
    record("record_kept_confidential", instance=instance, record_id=item.pk, secret=item.secret)


# --- the provider's own actions ----------------------------------------------------------------


def may_manage(user: Person, item: CollectedRecord) -> bool:
    """Departments see and change only their own records (process admins see all)."""
    return is_process_admin(user) or item.provider.code in provider_departments(user)


def provider_departments(user: Person) -> list[str]:
    return sorted(set(departments_in_role(user, "officer")) | set(departments_in_role(user, "reviewer")))


def withdraw_record(*, item: CollectedRecord, reason: str, actor: Person) -> CollectedRecord:
    """撤销 before publication (seed 003 lets the producer 修改、删除): kept, with the reason."""
    if not may_manage(actor, item):
        raise Forbidden("只能撤销本部门报送的信息")
    reason = (reason or "").strip()
    if not reason:
        raise RecordRefused("请填写撤销原因", details={"reason": "不能为空"})
    if item.state not in OPEN_STATES:
        raise RecordRefused(f"“{item.get_state_display()}”的信息不能撤销", details={"state": item.state})
    with transaction.atomic():
        item.state, item.withdrawn_reason = State.WITHDRAWN, reason
        item.save(update_fields=["state", "withdrawn_reason"])
        if item.instance is not None and item.instance.status in engine.ACTIVE:
            engine.terminate_instance(
                instance_id=item.instance.pk, actor=actor, reason=f"撤销涉企信息：{reason}"
            )
        record("record_withdrawn", actor=actor, record_id=item.pk, reason=reason)
    return item


# --- records from elsewhere ------------------------------------------------------------------------


def collect_granted_permit(*, enterprise, department_code: str, values: dict, actor, **kwargs: Any) -> None:
    """A permit fed back through 双告知 becomes a 行政许可 record, without re-entry (signal receiver).

    A feedback the spec refuses is still collected (returned to the department for 补正); only a
    missing document number (nothing to identify the record by) skips it — with an audit row.
    """
    provider = Department.objects.filter(code=department_code).first()
    if provider is None:
        return
    try:
        with transaction.atomic():
            submit_record(
                provider=provider,
                record_type="permit",
                credit_code=enterprise.credit_code,
                enterprise_name=enterprise.name,
                values=values,
                actor=actor,
                channel=Channel.PUSH,
            )
    except DomainError as exc:
        record("record_not_collected", actor=actor, department=department_code, reason=exc.message)
