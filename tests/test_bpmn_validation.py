"""Deploy-time validation of BPMN diagrams, and running validated diagrams with the safe engine."""

import uuid
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from processes.bpmn_validation import ParsedBpmn, Problem, candidate_of, validate_bpmn
from processes.sandbox import SafeTaskDataEnvironment, UnsafeExpression, make_script_engine
from tests.bpmn import DEPARTMENT, chain, diagram, extensions, flow, lane, script_task, user_task

REPO = Path(__file__).resolve().parents[1]


def gateway_diagram(condition: str, *, script: str = "total = a + b") -> str:
    """start -> calc (script) -> gw --condition--> high (user task) / default -> low (user task)."""
    body = f"""
    <bpmn:startEvent id="start"/>
    {script_task("calc", script)}
    <bpmn:exclusiveGateway id="gw" name="金额判断" default="flow_low"/>
    {user_task("high", "大额审核", DEPARTMENT)}
    {user_task("low", "普通办理", DEPARTMENT)}
    <bpmn:endEvent id="end_high"/>
    <bpmn:endEvent id="end_low"/>
    {flow("f_start", "start", "calc")}
    {flow("f_calc", "calc", "gw")}
    {flow("flow_high", "gw", "high", condition)}
    {flow("flow_low", "gw", "low")}
    {flow("f_high_end", "high", "end_high")}
    {flow("f_low_end", "low", "end_low")}
    """
    return diagram(body)


def ids(problems: list[Problem]) -> set[str]:
    return {p.element_id for p in problems}


def assert_rejected(xml: str | bytes) -> list[Problem]:
    parsed, problems = validate_bpmn(xml)
    assert parsed is None
    assert problems and all(isinstance(p, Problem) for p in problems)
    assert all(p.reason for p in problems)
    return problems


# --- the canonical attack ---------------------------------------------------------------------


def test_import_in_gateway_condition_is_rejected_and_never_runs():
    marker = Path("/tmp") / f"pwned_{uuid.uuid4().hex}"
    condition = f"__import__('os').system('touch {marker}')"
    problems = assert_rejected(gateway_diagram(condition))

    assert ids(problems) == {"flow_high"}
    assert "gw" in problems[0].reason or "金额判断" in problems[0].reason
    assert "__import__" in problems[0].reason

    # the same condition through the environment SpiffWorkflow uses: refused, nothing ran
    env = make_script_engine().environment
    with pytest.raises(UnsafeExpression):
        env.evaluate(condition, {"a": 1, "b": 2})
    assert not marker.exists()


def test_unsafe_condition_in_unvalidated_diagram_fails_the_task_without_running(tmp_path):
    """Even a diagram that skipped validation cannot escape: SpiffWorkflow reports the gateway."""
    marker = tmp_path / f"pwned_{uuid.uuid4().hex}"
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_str(gateway_diagram(f"__import__('os').system('touch {marker}')").encode())
    wf = BpmnWorkflow(
        parser.get_spec("proc"), parser.get_subprocess_specs("proc"), script_engine=make_script_engine()
    )
    wf.task_tree.data.update({"a": 1, "b": 2})
    with pytest.raises(WorkflowTaskException) as info:
        wf.do_engine_steps()
    assert info.value.task.task_spec.bpmn_id == "gw"
    assert info.value.error_type == "UnsafeExpression"
    assert not marker.exists()


# --- expressions everywhere -------------------------------------------------------------------


def test_script_task_with_import_is_rejected():
    problems = assert_rejected(
        diagram(chain(script_task("calc", "import os\nx = 1"), user_task("t", inner=DEPARTMENT)))
    )
    assert ids(problems) == {"calc"}
    assert "import" in problems[0].reason


@pytest.mark.parametrize(
    "bad",
    [
        "().__class__.__bases__[0].__subclasses__()",
        "open('/etc/passwd').read()",
        "exec('x=1')",
        "getattr(x, '__class__')",
        "[c for c in ().__class__.__mro__]",
    ],
)
def test_classic_escapes_in_conditions_are_rejected(bad):
    problems = assert_rejected(gateway_diagram(bad))
    assert ids(problems) == {"flow_high"}


def test_pre_and_post_scripts_are_checked():
    task = user_task(
        "t", "审核", extensions({"candidate_department": '"SCJG"'}, pre="import os", post="x = open")
    )
    problems = assert_rejected(diagram(chain(task)))
    assert ids(problems) == {"t"}
    reasons = " ".join(p.reason for p in problems)
    assert "preScript" in reasons and "postScript" in reasons


def timer_diagram(expression: str, *, kind: str = "timeDate") -> str:
    body = f"""
    <bpmn:startEvent id="start"/>
    {user_task("handle", "办理", DEPARTMENT)}
    <bpmn:boundaryEvent id="overdue" name="超期" cancelActivity="false" attachedToRef="handle">
      <bpmn:timerEventDefinition id="timer_def">
        <bpmn:{kind}>{expression}</bpmn:{kind}>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition id="wait_def">
        <bpmn:timeDuration>"PT1H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"/>
    <bpmn:endEvent id="escalated"/>
    {flow("f1", "start", "handle")}
    {flow("f2", "handle", "wait")}
    {flow("f3", "wait", "end")}
    {flow("f4", "overdue", "escalated")}
    """
    return diagram(body)


def test_timer_with_workdays_is_accepted():
    parsed, problems = validate_bpmn(timer_diagram("workdays(3)"))
    assert problems == []
    assert isinstance(parsed, ParsedBpmn)
    assert parsed.spec.task_specs["overdue"].event_definition.expression == "workdays(3)"


@pytest.mark.parametrize("kind", ["timeDate", "timeDuration", "timeCycle"])
def test_unsafe_timer_is_rejected(kind):
    problems = assert_rejected(timer_diagram("__import__('os').getcwd()", kind=kind))
    assert ids(problems) == {"overdue"}
    assert "定时器" in problems[0].reason


def test_timer_runs_with_safe_engine():
    parsed, problems = validate_bpmn(timer_diagram('"P3D"', kind="timeDuration"))
    assert problems == []
    wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=make_script_engine())
    wf.do_engine_steps()
    events = wf.waiting_events()
    assert [e.event_type for e in events] == ["DurationTimerEventDefinition"]


def test_multi_instance_expressions_are_checked():
    mi = f"""<bpmn:userTask id="sign" name="会签">{DEPARTMENT}
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:loopCardinality>len(__import__('os').listdir())</bpmn:loopCardinality>
        <bpmn:completionCondition>done or open('x')</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>"""
    problems = assert_rejected(diagram(chain(mi)))
    assert ids(problems) == {"sign"}
    assert len(problems) == 2


def test_department_expression_is_checked():
    task = user_task("t", "办理", extensions({"candidate_department": "__import__('os').getcwd()"}))
    problems = assert_rejected(diagram(chain(task)))
    assert ids(problems) == {"t"}
    assert "候选部门" in problems[0].reason


def test_message_payload_and_correlation_expressions_are_checked():
    extra = """
    <bpmn:message id="msg" name="督办"/>
    <bpmn:correlationProperty id="case_no" name="案件编号">
      <bpmn:correlationPropertyRetrievalExpression messageRef="msg">
        <bpmn:formalExpression>case.__class__</bpmn:formalExpression>
      </bpmn:correlationPropertyRetrievalExpression>
    </bpmn:correlationProperty>"""
    throw = """<bpmn:intermediateThrowEvent id="notify"><bpmn:messageEventDefinition messageRef="msg">
      <bpmn:extensionElements>
        <spiffworkflow:messagePayload>{"case": __import__('os').getcwd()}</spiffworkflow:messagePayload>
      </bpmn:extensionElements>
    </bpmn:messageEventDefinition></bpmn:intermediateThrowEvent>"""
    problems = assert_rejected(diagram(chain(throw), extra=extra))
    assert ids(problems) == {"notify", "case_no"}


# --- candidates -------------------------------------------------------------------------------


def test_user_task_without_department_is_rejected():
    problems = assert_rejected(diagram(chain(user_task("review", "审核"))))
    assert problems == [
        Problem("review", "用户任务“审核”未指定候选部门（请设置泳道或 candidate_department 属性）")
    ]


def test_manual_task_without_department_is_rejected():
    manual = '<bpmn:manualTask id="inspect" name="现场检查"/>'
    problems = assert_rejected(diagram(chain(manual)))
    assert ids(problems) == {"inspect"}
    assert "未指定候选部门" in problems[0].reason


def test_unknown_candidate_role_is_rejected():
    task = user_task("t", "办理", extensions({"candidate_department": '"SCJG"', "candidate_role": "boss"}))
    problems = assert_rejected(diagram(chain(task)))
    assert ids(problems) == {"t"}
    assert "boss" in problems[0].reason


def test_valid_diagram_with_lanes_passes():
    body = chain(
        user_task("accept", "受理"), user_task("review", "审核", extensions({"candidate_role": "reviewer"}))
    )
    lanes = lane("lane_scjg", "SCJG", "start", "accept") + lane("lane_zfj", "ZFJ", "review", "end")
    parsed, problems = validate_bpmn(diagram(body, lanes=lanes).encode(), source_name="lanes.bpmn")
    assert problems == []
    assert parsed is not None
    assert (parsed.process_id, parsed.name) == ("proc", "测试流程")
    assert candidate_of(parsed.spec.task_specs["accept"]) == (None, "SCJG", "officer")
    assert candidate_of(parsed.spec.task_specs["review"]) == (None, "ZFJ", "reviewer")


def test_candidate_of_property():
    parsed, problems = validate_bpmn(
        diagram(
            chain(
                user_task(
                    "t",
                    inner=extensions({"candidate_department": "department", "candidate_role": "inspector"}),
                )
            )
        )
    )
    assert problems == []
    assert candidate_of(parsed.spec.task_specs["t"]) == ("department", None, "inspector")


def test_demo_diagram_in_repository_is_valid():
    path = REPO / "bpmn" / "demo_claim.bpmn"
    if not path.exists():
        pytest.skip("demo diagram not present")
    parsed, problems = validate_bpmn(path.read_bytes(), source_name=path.name)
    assert problems == []
    assert parsed is not None and parsed.process_id == "demo_claim"


# --- structure and syntax ---------------------------------------------------------------------


def test_malformed_xml_is_a_problem():
    problems = assert_rejected("<bpmn:definitions><bpmn:process id='x'>")
    assert problems[0].element_id == ""
    assert "XML" in problems[0].reason


def test_empty_and_non_bpmn_files_are_problems():
    assert_rejected(b"")
    assert "bpmn:definitions" in assert_rejected("<html/>")[0].reason


def test_missing_sequence_flow_target_is_a_problem():
    body = f"""<bpmn:startEvent id="start"/>{user_task("t", inner=DEPARTMENT)}<bpmn:endEvent id="end"/>
    {flow("f1", "start", "t")}{flow("f2", "t", "nowhere")}"""
    problems = assert_rejected(diagram(body))
    # the end event really is left unconnected too; each is named on its own element
    assert ids(problems) == {"f2", "end"}
    by_id = {p.element_id: p.reason for p in problems}
    assert "nowhere" in by_id["f2"]
    assert "没有进入的顺序流" in by_id["end"]


def test_schema_violation_is_a_problem_with_the_line():
    xml = diagram(chain(user_task("t", inner=DEPARTMENT))).replace(
        '<bpmn:startEvent id="start"/>', '<bpmn:startEvent id="start" bogus="1"/>'
    )
    problems = assert_rejected(xml)
    assert "bogus" in problems[0].reason
    assert "行" in problems[0].reason


def test_spiffworkflow_validation_error_names_the_element():
    # a non-default outgoing flow of an exclusive gateway without a condition
    body = f"""<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="gw"/>
    <bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
    {flow("f1", "start", "gw")}{flow("f2", "gw", "e1")}{flow("f3", "gw", "e2")}"""
    problems = assert_rejected(diagram(body))
    assert {p.element_id for p in problems} == {"f2", "f3"}  # every such flow, pinned to itself
    assert all("没有条件" in p.reason and "gw" in p.reason for p in problems)


def test_no_process_is_a_problem():
    xml = (
        diagram("")
        .replace('<bpmn:process id="proc" name="测试流程" isExecutable="true">', "")
        .replace("</bpmn:process>", "")
    )
    assert "没有流程" in assert_rejected(xml)[0].reason


def test_several_executable_processes_are_a_problem():
    second = '<bpmn:process id="other" isExecutable="true"><bpmn:startEvent id="s2"/></bpmn:process>'
    problems = assert_rejected(diagram(chain(), extra=second))
    assert "多个可执行流程" in problems[0].reason


def test_the_executable_process_is_chosen_among_several():
    other = '<bpmn:process id="external" isExecutable="false"><bpmn:startEvent id="s2"/></bpmn:process>'
    parsed, problems = validate_bpmn(diagram(chain(), extra=other))
    assert problems == []
    assert parsed.process_id == "proc"


def test_single_process_is_used_even_if_not_marked_executable():
    parsed, problems = validate_bpmn(diagram(chain(), executable="false"))
    assert problems == []
    assert parsed.process_id == "proc"


def test_condition_on_a_task_flow_is_reported_as_ignored():
    body = f"""<bpmn:startEvent id="start"/>{user_task("t", inner=DEPARTMENT)}<bpmn:endEvent id="end"/>
    {flow("f1", "start", "t")}{flow("f2", "t", "end", "amount > 1")}"""
    problems = assert_rejected(diagram(body))
    assert ids(problems) == {"f2"}


def test_call_activity_to_missing_process_is_a_problem():
    body = chain('<bpmn:callActivity id="call" calledElement="elsewhere"/>')
    problems = assert_rejected(diagram(body))
    assert ids(problems) == {"call"}


def test_embedded_subprocess_is_checked():
    sub = f"""<bpmn:subProcess id="sub" name="子流程">
      <bpmn:startEvent id="sub_start"/>{script_task("sub_calc", "import sys")}<bpmn:endEvent id="sub_end"/>
      {flow("sf1", "sub_start", "sub_calc")}{flow("sf2", "sub_calc", "sub_end")}
    </bpmn:subProcess>"""
    problems = assert_rejected(diagram(chain(sub)))
    assert ids(problems) == {"sub_calc"}


def test_called_process_event_subprocess_and_plain_task_are_checked():
    event_sub = f"""<bpmn:subProcess id="esub" triggeredByEvent="true">
      <bpmn:startEvent id="es_start" isInterrupting="false">
        <bpmn:timerEventDefinition id="etd"><bpmn:timeDuration>__import__('x')</bpmn:timeDuration></bpmn:timerEventDefinition>
      </bpmn:startEvent>
      {user_task("es_task", inner=DEPARTMENT)}<bpmn:endEvent id="es_end"/>
      {flow("ef1", "es_start", "es_task")}{flow("ef2", "es_task", "es_end")}
    </bpmn:subProcess>"""
    called = f"""<bpmn:process id="child" isExecutable="false">
      <bpmn:startEvent id="c_start"/>{script_task("c_calc", "exec('1')")}<bpmn:endEvent id="c_end"/>
      {flow("cf1", "c_start", "c_calc")}{flow("cf2", "c_calc", "c_end")}
    </bpmn:process>"""
    # SpiffWorkflow treats a plain bpmn:task as manual work (task_spec.manual is True)
    body = chain(
        '<bpmn:callActivity id="call" calledElement="child"/>', '<bpmn:task id="plain" name="普通任务"/>'
    )
    problems = assert_rejected(diagram(body + event_sub, extra=called))
    assert ids(problems) == {"plain", "c_calc", "es_start"}


def test_extra_functions_can_be_declared():
    xml = gateway_diagram("risk_score(amount) > 3")
    assert "risk_score" in assert_rejected(xml)[0].reason
    parsed, problems = validate_bpmn(xml, extra_functions={"risk_score"})
    assert problems == [] and parsed is not None


def test_inclusive_gateway_conditions_are_checked():
    body = f"""<bpmn:startEvent id="start"/><bpmn:inclusiveGateway id="ig"/>
    <bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
    {flow("f0", "start", "ig")}{flow("fa", "ig", "e1", "open('x')")}{flow("fb", "ig", "e2", "b > 1")}"""
    problems = assert_rejected(diagram(body))
    assert ids(problems) == {"fa"}


# --- a full run -------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "branch"), [(1, 2, "high"), (0, 1, "low")])
def test_validated_diagram_runs_with_safe_engine(a, b, branch):
    xml = gateway_diagram("total > 2 and kind == 'A'", script="total = a + b\nif total > 2:\n    flag = True")
    parsed, problems = validate_bpmn(xml, source_name="gateway.bpmn")
    assert problems == []

    wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=make_script_engine())
    wf.task_tree.data.update({"a": a, "b": b, "kind": "A"})
    wf.do_engine_steps()

    ready = wf.get_tasks(state=TaskState.READY, manual=True)
    assert [t.task_spec.bpmn_id for t in ready] == [branch]
    assert ready[0].data["total"] == a + b
    assert ready[0].data.get("flag") is (True if branch == "high" else None)
    assert "len" not in ready[0].data and "workdays" not in ready[0].data

    department, lane_name, role = candidate_of(ready[0].task_spec)
    assert wf.script_engine.evaluate(ready[0], department) == "SCJG"

    ready[0].run()
    wf.do_engine_steps()
    assert wf.completed


def test_runtime_script_error_is_a_workflow_task_exception():
    parsed, problems = validate_bpmn(gateway_diagram("total > 2", script="total = a + missing"))
    assert problems == []
    wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=make_script_engine())
    wf.task_tree.data.update({"a": 1})
    with pytest.raises(WorkflowTaskException) as info:
        wf.do_engine_steps()
    assert info.value.task.task_spec.bpmn_id == "calc"
    assert info.value.error_type == "NameError"


def test_environment_evaluate_matches_spiff_signature():
    env = SafeTaskDataEnvironment({})
    assert env.evaluate("x + 1", {"x": 1}, None) == 2
    assert env.execute("y = x", {"x": 1}, None) is True


def test_problem_is_frozen_and_hashable():
    problem = Problem("a", "b")
    with pytest.raises(AttributeError):
        problem.element_id = "c"  # type: ignore[misc]
    assert len({problem, Problem("a", "b")}) == 1
