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
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .bpmn_validation import validate_bpmn
from .errors import DeployRejected
from .expressions import make_script_engine
from .loops import connect_loop_children, has_loop, merge_missed_children


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


def loads(version, text: str, *, heal: bool = True) -> BpmnWorkflow:
    """The saved case around its version's cached spec.

    With ``heal`` (always, but for the repair command's survey), children that an old release
    let finish without merging are merged now; ``wf.healed_loops`` lists them for the audit row.
    """
    loaded = spec_for(version)
    dct = json.loads(text)
    dct.pop("serializer_version", None)
    dct["spec"] = loaded.spec
    dct["subprocess_specs"] = loaded.subprocess_specs
    wf = SERIALIZER.from_dict(dct)
    wf.script_engine = make_script_engine()  # functions are not serialized
    wf.healed_loops = merge_missed_children(wf) if heal and loaded.has_loop else []
    return wf
