"""A step nothing leads to is refused at deploy, pinned to that step, in Chinese."""

from processes.bpmn_validation import validate_bpmn
from tests.bpmn import DEPARTMENT, diagram, flow, user_task


def _body(*extra: str, flows: tuple[str, ...] = ()) -> str:
    return "\n".join([
        '<bpmn:startEvent id="start"/>',
        user_task("review", "审核", inner=DEPARTMENT),
        '<bpmn:endEvent id="end"/>',
        flow("f0", "start", "review"), flow("f1", "review", "end"),
        *extra, *flows,
    ])  # fmt: skip


def test_a_connected_diagram_deploys():
    parsed, problems = validate_bpmn(diagram(_body()))
    assert problems == [] and parsed is not None


def test_a_task_left_without_an_incoming_flow_is_refused_on_that_task():
    lost = user_task("notify", "告知企业", inner=DEPARTMENT)
    parsed, problems = validate_bpmn(diagram(_body(lost, flows=(flow("f2", "notify", "end"),))))
    assert parsed is None
    assert [(p.element_id, p.reason) for p in problems] == [
        (
            "notify",
            "用户任务“告知企业”没有进入的顺序流，案件永远不会到达这一步；请从前一步连一条顺序流到它，或删除它",
        )
    ]


def test_a_loose_gateway_and_end_event_are_each_named():
    extra = ('<bpmn:exclusiveGateway id="gw" name="是否补正"/>', '<bpmn:endEvent id="end2" name="办结"/>')
    parsed, problems = validate_bpmn(diagram(_body(*extra)))
    assert parsed is None
    reasons = {p.element_id: p.reason for p in problems}
    assert set(reasons) == {"gw", "end2"}
    assert reasons["gw"].startswith("排他网关“是否补正”没有进入的顺序流")
    assert reasons["end2"].startswith("结束事件“办结”没有进入的顺序流")


def test_boundary_events_compensation_handlers_and_event_subprocesses_need_no_incoming_flow():
    extra = (
        '<bpmn:boundaryEvent id="late" attachedToRef="review"><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>',
        '<bpmn:endEvent id="late_end"/>',
        '<bpmn:subProcess id="on_signal" triggeredByEvent="true">'
        '<bpmn:startEvent id="sig_start"><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>"PT2H"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>'
        '<bpmn:endEvent id="sig_end"/>'
        '<bpmn:sequenceFlow id="s1" sourceRef="sig_start" targetRef="sig_end"/></bpmn:subProcess>',
    )
    parsed, problems = validate_bpmn(diagram(_body(*extra, flows=(flow("f3", "late", "late_end"),))))
    assert problems == [] and parsed is not None


def test_inside_a_sub_process_a_step_without_an_incoming_flow_is_refused():
    sub = (
        '<bpmn:subProcess id="sub" name="现场核查">'
        '<bpmn:startEvent id="s_start"/><bpmn:endEvent id="s_end"/>'
        '<bpmn:task id="s_lost" name="拍照取证"/>'
        '<bpmn:sequenceFlow id="s1" sourceRef="s_start" targetRef="s_end"/>'
        '<bpmn:sequenceFlow id="s2" sourceRef="s_lost" targetRef="s_end"/>'
        "</bpmn:subProcess>"
    )
    body = "\n".join([
        '<bpmn:startEvent id="start"/>', sub, '<bpmn:endEvent id="end"/>',
        flow("f0", "start", "sub"), flow("f1", "sub", "end"),
    ])  # fmt: skip
    parsed, problems = validate_bpmn(diagram(body))
    assert parsed is None
    assert [p.element_id for p in problems] == ["s_lost"]
    assert problems[0].reason.startswith("任务“拍照取证”没有进入的顺序流")
