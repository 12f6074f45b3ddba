"""The package boundaries the layout promises, read from the import statements of the code.

- SpiffWorkflow is imported only inside ``processes/``.
- ``casework`` and ``notifications`` reach ``processes`` only through its public modules.
- A lifecycle is named only inside its own folder (and its own tests).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ("casework", "notifications", "config")
#: What the domain may use of the engine app: the engine's public API, the extension points,
#: errors, audit rows, the operation buffer, the calendar and its coverage, read-only projections,
#: the bundled loader, the API's error envelope and the read-only admin base.
PUBLIC_PROCESSES = {
    "processes",
    "processes.engine",
    "processes.hooks",
    "processes.errors",
    "processes.audit",
    "processes.operation",
    "processes.business_calendar",
    "processes.deadlines",
    "processes.calendar_coverage",
    "processes.models",
    "processes.deploy",
    "processes.bpmn_diff",
    "processes.migration",
    "processes.drafts",
    "processes.api.errors",
    "processes.admin",
    "processes.queueing",
}


def _sources(*packages: str) -> list[Path]:
    return [
        path
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_spiffworkflow_is_imported_only_inside_processes():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _sources(*DOMAIN)
        for name in _imports(path)
        if name.split(".")[0] == "SpiffWorkflow"
    ]
    assert offenders == []


def test_the_domain_uses_only_the_public_modules_of_processes():
    offenders = []
    for path in _sources(*DOMAIN):
        for name in _imports(path):
            if name.split(".")[0] != "processes":
                continue
            # "from processes.engine import Actor" lists both the module and the name;
            # "from processes import engine" lists "processes" and "processes.engine".
            parent = name.rsplit(".", 1)[0]
            if name in PUBLIC_PROCESSES or (parent != "processes" and parent in PUBLIC_PROCESSES):
                continue
            offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


@pytest.mark.parametrize(
    "lifecycle",
    sorted(p.name for p in (ROOT / "casework" / "lifecycles").iterdir() if (p / "steps.py").exists()),
)
def test_a_lifecycle_is_named_only_inside_its_folder(lifecycle):
    home = ROOT / "casework" / "lifecycles" / lifecycle
    needle = f"lifecycles.{lifecycle}"
    offenders = [
        str(path.relative_to(ROOT))
        for path in _sources(*DOMAIN)
        if home not in path.parents and needle in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
