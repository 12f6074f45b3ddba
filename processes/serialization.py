"""Workflow state <-> JSON text, with specs kept out of the instance row.

Each instance stores only its task tree and data; the spec comes from the cached,
parsed BPMN of its ``ProcessVersion``.  This keeps rows small and loads cheap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from threading import Lock
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .bpmn_validation import validate_bpmn
from .errors import DeployRejected
from .sandbox import make_script_engine


class CachedSpecWorkflowConverter(BpmnWorkflowConverter):
    """Saves a workflow without its specs and restores it around specs already parsed.

    The specs belong to the ProcessVersion (parsed once per process); converting them on
    every save only to drop them again cost about an eighth of each engine step.
    """

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec = dct.pop("spec")
        subprocess_specs = dct.pop("subprocess_specs", {})
        if isinstance(spec, dict):
            spec = self.registry.restore(spec)
            subprocess_specs = self.mapping_from_dict(subprocess_specs)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = CachedSpecWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # Case data may hold decimals (amounts) and dates from forms.
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]), "Decimal")
    registry.register(
        date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]), "date"
    )
    # Encoder mode leaves typed values (datetime, Decimal, date) for the JSON encoder to
    # convert; every dump here goes through that encoder, so it is set once, for good.
    registry._encoder_mode = True
    return BpmnWorkflowSerializer(registry)


SERIALIZER = _build_serializer()


def connect_loop_children(*process_specs) -> None:
    """Wire each loop / multi-instance task to its child spec, as SpiffWorkflow's serializer does.

    A spec straight from the parser lacks it: ``processes.engine.loops`` tells what that broke.
    """
    for process_spec in process_specs:
        for task_spec in process_spec.task_specs.values():
            if not isinstance(task_spec, LoopTask):
                continue
            child_spec = process_spec.task_specs[task_spec.task_spec]
            if not child_spec.completed_event.is_connected(task_spec.merge_child):
                child_spec.completed_event.connect(task_spec.merge_child)


def has_loop(*process_specs) -> bool:
    return any(isinstance(ts, LoopTask) for spec in process_specs for ts in spec.task_specs.values())


@dataclass(frozen=True)
class LoadedSpec:
    process_id: str
    name: str
    spec: object
    subprocess_specs: dict
    has_loop: bool = False


# Keyed by (pk, sha256): a pk alone can be reused after a rolled-back deploy or a flushed test DB.
_spec_cache: dict[tuple[int, str], LoadedSpec] = {}
_spec_lock = Lock()


def spec_for(version) -> LoadedSpec:
    """The parsed spec of a ProcessVersion, parsed once per process."""
    key = (version.pk, version.sha256)
    cached = _spec_cache.get(key)
    if cached is not None:
        return cached
    with _spec_lock:
        parsed, problems = validate_bpmn(version.bpmn_xml, source_name=version.source_name)
        if parsed is None:
            raise DeployRejected(problems)
        specs = (parsed.spec, *parsed.subprocess_specs.values())
        connect_loop_children(*specs)
        loaded = LoadedSpec(
            parsed.process_id, parsed.name, parsed.spec, parsed.subprocess_specs, has_loop=has_loop(*specs)
        )
        _spec_cache[key] = loaded
        return loaded


def new_workflow(version, data: dict) -> BpmnWorkflow:
    loaded = spec_for(version)
    wf = BpmnWorkflow(loaded.spec, loaded.subprocess_specs, script_engine=make_script_engine())
    wf.task_tree.data.update(data)
    return wf


def dumps(wf: BpmnWorkflow) -> str:
    dct = SERIALIZER.to_dict(wf)
    dct.pop("spec", None)
    dct.pop("subprocess_specs", None)
    dct["serializer_version"] = SERIALIZER.VERSION
    return json.dumps(dct, cls=SERIALIZER._encoder_cls, ensure_ascii=False, separators=(",", ":"))


def loads(version, text: str) -> BpmnWorkflow:
    """The saved case around its version's cached spec.

    As saved: the engine loads cases through ``processes.engine`` (``core.load_case``), which
    also merges the loop children an old release let finish without merging.
    """
    loaded = spec_for(version)
    dct = json.loads(text)
    dct.pop("serializer_version", None)
    dct["spec"] = loaded.spec
    dct["subprocess_specs"] = loaded.subprocess_specs
    wf = SERIALIZER.from_dict(dct)
    wf.script_engine = make_script_engine()  # functions are not serialized
    return wf
