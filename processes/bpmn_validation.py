"""Deploy-time validation of a BPMN file edited by process admins.

``validate_bpmn`` parses the file with SpiffWorkflow's ``SpiffBpmnParser`` (with the XSD
``VALIDATOR``), then refuses it unless

* it holds exactly one entry process (see ``_choose_process``);
* every expression and script SpiffWorkflow would evaluate passes ``check_expression`` /
  ``check_script`` (gateway conditions, timers, loop and multi-instance expressions,
  message payloads and correlation expressions, conditional events, service parameters,
  script tasks, pre- and post-scripts, ad hoc completion conditions);
* every ``clock("…")`` names, as a string literal, a legal-clock rule the domain keeps
  (``processes.deadlines.clock_reference_problems``);
* every human task names its candidate department (see ``candidate_of``) and a role the
  domain registered (``processes.hooks.register_candidate_roles``);
* a human task's ``keep_assignee`` property, if present, is ``true`` or ``false`` (see
  ``keeps_assignee``).

It returns ``(ParsedBpmn, [])`` or ``(None, problems)``: never a spec with problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import AdHocSubprocessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.specs.MultiChoice import MultiChoice
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from . import hooks
from .bpmn_messages import label_of, pin, schema_problems, spiff_problem
from .bpmn_problems import BPMN_NS, NSMAP, Problem
from .bpmn_support import ISO_TIME, SPIFF_NS, unsupported
from .bpmn_xml import check_structure, choose_process, parse_xml
from .deadlines import clock_reference_problems
from .sandbox import DEFAULT_FUNCTION_NAMES, check_expression, check_script

__all__ = [
    "CANDIDATE_DEPARTMENT_PROPERTY",
    "CANDIDATE_ROLE_PROPERTY",
    "DEFAULT_ROLE",
    "KEEP_ASSIGNEE_PROPERTY",
    "NSMAP",
    "ParsedBpmn",
    "Problem",
    "candidate_of",
    "keeps_assignee",
    "validate_bpmn",
]

CANDIDATE_DEPARTMENT_PROPERTY = "candidate_department"
CANDIDATE_ROLE_PROPERTY = "candidate_role"
DEFAULT_ROLE = "officer"
KEEP_ASSIGNEE_PROPERTY = "keep_assignee"
FORM_KEY_PROPERTY = "form_key"
ESCALATION_DEPARTMENT_PROPERTY = "escalation_department"
_KEEP_ASSIGNEE_VALUES = {"true": True, "false": False}

_CONDITIONAL_SOURCES = {f"{{{BPMN_NS}}}exclusiveGateway", f"{{{BPMN_NS}}}inclusiveGateway"}


@dataclass(frozen=True)
class ParsedBpmn:
    """The entry process of a validated file, ready for ``BpmnWorkflow(spec, subprocess_specs)``."""

    process_id: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any] = field(default_factory=dict)


def candidate_of(task_spec: Any) -> tuple[str | None, str | None, str]:
    """``(department_expression, lane_name, role)`` of a human task spec.

    * ``department_expression`` — the ``candidate_department`` spiffworkflow property, an
      *expression* evaluated against task data (``"SCJG"`` with quotes, or ``department``);
    * ``lane_name`` — the name of the task's lane, used literally as the department code;
    * ``role`` — the ``candidate_role`` property (a literal role code), default ``"officer"``.

    The engine uses the expression when present, else the lane name.
    """
    extensions = getattr(task_spec, "extensions", None) or {}
    properties = extensions.get("properties") or {}
    department = _clean(properties.get(CANDIDATE_DEPARTMENT_PROPERTY))
    lane = _clean(getattr(task_spec, "lane", None))
    role = _clean(properties.get(CANDIDATE_ROLE_PROPERTY)) or DEFAULT_ROLE
    return department, lane, role


def keeps_assignee(task_spec: Any) -> bool:
    """Whether the ``keep_assignee`` property of a human task is ``true``.

    The officer whose completion makes the task ready keeps it (assigned, no second claim) when
    they hold the post it is offered to; see ``processes.engine.core.sync_tasks``.  Deploy
    refuses any value but ``true`` / ``false``; an absent property means ``false``.
    """
    extensions = getattr(task_spec, "extensions", None) or {}
    properties = extensions.get("properties") or {}
    return _KEEP_ASSIGNEE_VALUES.get(_clean(properties.get(KEEP_ASSIGNEE_PROPERTY)) or "", False)


def _clean(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


# ---------------------------------------------------------------------------
# Entry point


def validate_bpmn(
    xml: bytes | str,
    *,
    source_name: str = "",
    extra_functions: Iterable[str] = (),
) -> tuple[ParsedBpmn | None, list[Problem]]:
    """Parse and check one BPMN file; ``(parsed, [])`` when it may be deployed, else ``(None, problems)``.

    Expressions may call the functions of ``make_script_engine()``; if the engine is built with
    ``extra_functions``, pass their names here too.
    """
    names = DEFAULT_FUNCTION_NAMES | frozenset(extra_functions)
    problems: list[Problem] = []

    root = parse_xml(xml, problems)
    if root is None:
        return None, problems
    duplicates = check_structure(root, problems)
    VALIDATOR.preprocess(root)
    problems.extend(p for p in schema_problems(root, VALIDATOR.validator) if not _names_any(p, duplicates))
    process, scope = choose_process(root, problems)  # marks the entry (and called) processes executable
    problems.extend(unsupported(root, scope))
    if problems or process is None:
        # SpiffWorkflow cannot parse the file: check what it would evaluate from the XML, so one
        # pass names every problem (a broken condition as well as a task with two exits).
        problems.extend(_xml_expression_problems(root, scope or _all_processes(root), names))
        return None, _unique(problems)

    process_id = process.get("id") or ""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root, filename=source_name or None)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except Exception as exc:  # ValidationException, and what the parser lets through unwrapped
        scanned = _xml_expression_problems(root, scope, names)
        return None, _unique([spiff_problem(root, exc), *scanned])

    flows = _FlowIndex(root)
    problems.extend(flows.ignored_conditions())
    for process_spec in [spec, *subprocess_specs.values()]:
        if process_spec is not None:
            problems.extend(_check_process_spec(process_spec, flows, names, process_id))
    problems.extend(_check_correlations(parser, names))
    if problems:
        return None, _unique(problems)

    process_parser = parser.get_process_parser(process_id)
    name = process_parser.get_name() if process_parser is not None else process_id
    return ParsedBpmn(process_id, name, spec, dict(subprocess_specs)), []


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


# ---------------------------------------------------------------------------
# Expressions and scripts read from the XML, for a file SpiffWorkflow cannot parse

_XML_KINDS = {"userTask": "用户任务", "manualTask": "手工任务"}


def _all_processes(root: Any) -> list[Any]:
    return list(root.xpath("./bpmn:process", namespaces=NSMAP))


def _xml_expression_problems(root: Any, processes: list[Any], functions: frozenset[str]) -> list[Problem]:
    """The checks of ``_check_process_spec`` / ``_check_correlations`` on the XML text, with the
    same wording: gateway conditions (and conditions SpiffWorkflow would ignore), timers, loop
    and multi-instance expressions, conditional events, scripts, pre- and post-scripts, candidate
    department expressions, message payloads, correlation retrieval expressions and ``clock()``
    references.  Never raises: a check that fails unexpectedly is left out."""
    problems: list[Problem] = []

    def check(element: Any, what: str, source: Any, *, is_script: bool = False) -> None:
        if not isinstance(source, str) or not source.strip():
            return
        try:
            checker = check_script if is_script else check_expression
            reason = checker(source, functions=functions)
            clocks = clock_reference_problems(source)
        except Exception:  # noqa: BLE001 - a best-effort report must never crash validation
            return
        element_id = pin(root, element) or (element.get("id") or "")
        if reason is not None:
            problems.append(Problem(element_id, f"{what}：{reason}"))
        problems.extend(Problem(element_id, f"{what}：{p}") for p in clocks)

    problems.extend(_FlowIndex(root).ignored_conditions())
    for process in processes:
        for node in process.iter():
            if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN_NS}}}"):
                continue
            _xml_node_expressions(root, node, check)
    for retrieval in root.xpath(
        "./bpmn:correlationProperty/bpmn:correlationPropertyRetrievalExpression", namespaces=NSMAP
    ):
        prop = retrieval.getparent()
        prop_id = prop.get("id") or ""
        for path in retrieval.xpath("./bpmn:messagePath", namespaces=NSMAP):
            reason = _safe_check(path.text, functions)
            if reason is not None:
                problems.append(
                    Problem(pin(root, prop) or prop_id, f"关联属性“{prop_id}”的取值表达式：{reason}")
                )
    return problems


def _safe_check(source: Any, functions: frozenset[str]) -> str | None:
    if not isinstance(source, str) or not source.strip():
        return None
    try:
        return check_expression(source, functions=functions)
    except Exception:  # noqa: BLE001
        return None


def _xml_node_expressions(root: Any, node: Any, check: Any) -> None:  # noqa: C901 - one branch per construct
    local = node.tag[len(BPMN_NS) + 2 :]
    label = label_of(node)
    spiff = {"s": SPIFF_NS, **NSMAP}
    if local == "sequenceFlow":
        source = root.xpath("//bpmn:*[@id=$ref]", namespaces=NSMAP, ref=node.get("sourceRef") or "")
        if source and source[0].tag in _CONDITIONAL_SOURCES:
            flow_id = node.get("id") or ""
            for condition in node.xpath("./bpmn:conditionExpression", namespaces=NSMAP):
                check(node, f"网关“{label_of(source[0])}”的出口条件（顺序流 {flow_id}）", condition.text)
        return
    for prescript in node.xpath("./bpmn:extensionElements/s:preScript", namespaces=spiff):
        check(node, f"“{label}”的前置脚本（preScript）", prescript.text, is_script=True)
    for postscript in node.xpath("./bpmn:extensionElements/s:postScript", namespaces=spiff):
        check(node, f"“{label}”的后置脚本（postScript）", postscript.text, is_script=True)
    if local == "scriptTask":
        for script in node.xpath("./bpmn:script", namespaces=NSMAP):
            check(node, f"脚本任务“{label}”的脚本", script.text, is_script=True)
    if local == "adHocSubProcess":
        for condition in node.xpath("./bpmn:completionCondition", namespaces=NSMAP):
            check(node, f"临时子流程“{label}”的完成条件", condition.text)
    for loop in node.xpath("./bpmn:standardLoopCharacteristics/bpmn:loopCondition"
                           "|./bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition",
                           namespaces=NSMAP):  # fmt: skip
        check(node, f"“{label}”的循环条件", loop.text)
    for cardinality in node.xpath(
        "./bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality", namespaces=NSMAP
    ):
        check(node, f"“{label}”的多实例数量", cardinality.text)
    for timer in node.xpath(
        "./bpmn:timerEventDefinition/bpmn:timeDate|./bpmn:timerEventDefinition/bpmn:timeDuration"
        "|./bpmn:timerEventDefinition/bpmn:timeCycle",
        namespaces=NSMAP,
    ):
        if not ISO_TIME.fullmatch((timer.text or "").strip()):  # a bare ISO 8601 text is reported already
            check(node, f"事件“{label}”的定时器表达式", timer.text)
    for condition in node.xpath("./bpmn:conditionalEventDefinition/bpmn:condition", namespaces=NSMAP):
        check(node, f"事件“{label}”的条件表达式", condition.text)
    for payload in node.xpath(".//s:messagePayload", namespaces=spiff):
        check(node, f"事件“{label}”的数据表达式", payload.text)
    if local in _XML_KINDS or local == "task":
        kind = _XML_KINDS.get(local, "任务")
        for prop in node.xpath(
            "./bpmn:extensionElements/s:properties/s:property[@name=$name]",
            namespaces=spiff,
            name=CANDIDATE_DEPARTMENT_PROPERTY,
        ):
            check(node, f"{kind}“{label}”的候选部门表达式", prop.get("value"))


def _names_any(problem: Problem, ids: set[str]) -> bool:
    """An XSD "not a valid ID" error about an id already reported as duplicate."""
    return any(f"“{element_id}”不是有效的 ID" in problem.reason for element_id in ids)


# ---------------------------------------------------------------------------
# Spec level


class _FlowIndex:
    """Sequence flows by source and condition text, to name the flow of a gateway condition."""

    def __init__(self, root: Any):
        self.by_condition: dict[tuple[str, str], list[str]] = {}
        self.conditional: list[tuple[str, str, Any]] = []
        for flow in root.xpath(".//bpmn:sequenceFlow", namespaces=NSMAP):
            conditions = flow.xpath(".//bpmn:conditionExpression", namespaces=NSMAP)
            if not conditions or conditions[0].text is None:
                continue
            source = flow.get("sourceRef") or ""
            self.by_condition.setdefault((source, conditions[0].text), []).append(flow.get("id") or "")
            source_nodes = flow.getparent().xpath("./*[@id=$ref]", ref=source)
            if source_nodes:
                self.conditional.append((flow.get("id") or "", conditions[0].text, source_nodes[0]))

    def flow_ids(self, gateway_id: str, condition: str) -> list[str]:
        return self.by_condition.get((gateway_id, condition), [])

    def ignored_conditions(self) -> list[Problem]:
        """Conditions SpiffWorkflow never evaluates: only exclusive / inclusive gateways branch."""
        problems = []
        for flow_id, _condition, source in self.conditional:
            if source.tag not in _CONDITIONAL_SOURCES:
                problems.append(
                    Problem(
                        flow_id,
                        f"顺序流“{flow_id}”设置了条件，但只有排他网关或包容网关的出口条件会被执行"
                        "（该条件会被忽略），请改用网关",
                    )
                )
        return problems


def _label(task_spec: Any) -> str:
    return str(getattr(task_spec, "bpmn_name", None) or getattr(task_spec, "bpmn_id", None) or task_spec.name)


def _element_id(task_spec: Any) -> str:
    return str(getattr(task_spec, "bpmn_id", None) or task_spec.name)


def _human_kind(task_spec: Any) -> str:
    if isinstance(task_spec, UserTask):
        return "用户任务"
    if isinstance(task_spec, ManualTask):
        return "手工任务"
    return "任务"


def _check_process_spec(
    process_spec: Any, flows: _FlowIndex, functions: frozenset[str], process_id: str = ""
) -> list[Problem]:
    problems: list[Problem] = []

    def expression(element_id: str, what: str, source: Any) -> None:
        if source is None:
            return
        reason = check_expression(source, functions=functions)
        if reason is not None:
            problems.append(Problem(element_id, f"{what}：{reason}"))
        problems.extend(Problem(element_id, f"{what}：{p}") for p in clock_reference_problems(source))

    def script(element_id: str, what: str, source: Any) -> None:
        if source is None:
            return
        reason = check_script(source, functions=functions)
        if reason is not None:
            problems.append(Problem(element_id, f"{what}：{reason}"))
        problems.extend(Problem(element_id, f"{what}：{p}") for p in clock_reference_problems(source))

    if isinstance(process_spec, AdHocSubprocessSpec):
        expression(process_spec.name, f"临时子流程“{process_spec.description}”的完成条件",
                   process_spec.completion_condition)  # fmt: skip

    for task_spec in process_spec.task_specs.values():
        element_id, label = _element_id(task_spec), _label(task_spec)

        script(element_id, f"“{label}”的前置脚本（preScript）", getattr(task_spec, "prescript", None))
        script(element_id, f"“{label}”的后置脚本（postScript）", getattr(task_spec, "postscript", None))
        if isinstance(task_spec, ScriptTask):
            script(element_id, f"脚本任务“{label}”的脚本", task_spec.script)

        if isinstance(task_spec, MultiChoice):
            for condition, _target in task_spec.cond_task_specs:
                if condition is None:
                    continue
                source = condition.args[0]
                flow_ids = flows.flow_ids(element_id, source) or [element_id]
                for flow_id in flow_ids:
                    expression(flow_id, f"网关“{label}”的出口条件（顺序流 {flow_id}）", source)

        if isinstance(task_spec, LoopTask):
            expression(element_id, f"“{label}”的循环条件", getattr(task_spec, "condition", None))
            expression(element_id, f"“{label}”的多实例数量", getattr(task_spec, "cardinality", None))

        event_definition = getattr(task_spec, "event_definition", None)
        if event_definition is not None:
            for what, source in _event_expressions(event_definition):
                expression(element_id, f"事件“{label}”的{what}", source)

        params = getattr(task_spec, "operation_params", None)
        if isinstance(params, dict):
            for param, value in params.items():
                if isinstance(value, dict):
                    expression(element_id, f"服务任务“{label}”的参数 {param}", value.get("value"))

        if getattr(task_spec, "manual", False):
            problems.extend(_check_candidate(task_spec, element_id, label, functions))
            problems.extend(_check_task_properties(task_spec, element_id, label, process_id))
    return problems


def _event_expressions(event_definition: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if getattr(event_definition, "expression", None) is not None:
        if isinstance(event_definition, TimerEventDefinition):
            what = "定时器表达式"
        elif isinstance(event_definition, ConditionalEventDefinition):
            what = "条件表达式"
        else:
            what = "数据表达式"  # message / signal / error / escalation payloads
        found.append((what, event_definition.expression))
    # correlation_properties come from the file's bpmn:correlationProperty elements, checked once
    # in _check_correlations; process_correlations are spiffworkflow extensions of this event.
    for prop in getattr(event_definition, "process_correlations", None) or []:
        found.append((f"关联属性“{prop.name}”的取值表达式", prop.retrieval_expression))
    for child in getattr(event_definition, "event_definitions", None) or []:
        found.extend(_event_expressions(child))
    return found


def _check_candidate(task_spec: Any, element_id: str, label: str, functions: frozenset[str]) -> list[Problem]:
    problems = []
    kind = _human_kind(task_spec)
    department, lane, role = candidate_of(task_spec)
    if department is not None:
        reason = check_expression(department, functions=functions)
        if reason is not None:
            problems.append(Problem(element_id, f"{kind}“{label}”的候选部门表达式：{reason}"))
    elif lane is None:
        problems.append(
            Problem(element_id, f"{kind}“{label}”未指定候选部门（请设置泳道或 candidate_department 属性）")
        )
    roles = hooks.candidate_roles()  # read at every validation: the domain registers them at start-up
    if role not in roles:
        allowed = "、".join(roles)
        problems.append(Problem(element_id, f"{kind}“{label}”的候选角色“{role}”无效（可选：{allowed}）"))
    properties = (getattr(task_spec, "extensions", None) or {}).get("properties") or {}
    if KEEP_ASSIGNEE_PROPERTY in properties:
        value = properties[KEEP_ASSIGNEE_PROPERTY]
        if not isinstance(value, str) or value.strip() not in _KEEP_ASSIGNEE_VALUES:
            problems.append(
                Problem(
                    element_id,
                    f"{kind}“{label}”的 keep_assignee 属性值“{value}”无效（只能是 true 或 false）",
                )
            )
    return problems


def _check_task_properties(task_spec: Any, element_id: str, label: str, process_id: str) -> list[Problem]:
    """``form_key`` names a form the process's lifecycle registered; ``escalation_department`` a
    department the platform knows."""
    problems = []
    kind = _human_kind(task_spec)
    properties = (getattr(task_spec, "extensions", None) or {}).get("properties") or {}
    form_key = _clean(properties.get(FORM_KEY_PROPERTY))
    if form_key is not None and not hooks.has_form(process_id, form_key):
        known = hooks.forms_of(process_id)
        offer = f"（可选：{'、'.join(known)}）" if known else "（本流程尚未登记任何表单）"
        problems.append(Problem(element_id, f"{kind}“{label}”的表单“{form_key}”未登记{offer}"))
    department = _clean(properties.get(ESCALATION_DEPARTMENT_PROPERTY))
    if department is not None and hooks.department_exists(department) is False:
        problems.append(Problem(element_id, f"{kind}“{label}”的超期督办部门“{department}”不存在"))
    return problems


def _check_correlations(parser: Any, functions: frozenset[str]) -> list[Problem]:
    """Correlation retrieval expressions declared at the top of the file."""
    problems = []
    for correlation_id, correlation in getattr(parser, "correlations", {}).items():
        for retrieval in correlation.get("retrieval_expressions", []):
            source = retrieval.get("expression")
            if source is None:
                continue
            reason = check_expression(source, functions=functions)
            if reason is not None:
                problems.append(Problem(correlation_id, f"关联属性“{correlation_id}”的取值表达式：{reason}"))
    return problems
