"""``manage.py deploy_bpmn FILE`` and ``manage.py load_bpmn``."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from processes.models import ProcessDefinition, ProcessVersion

from .conftest import BPMN_DIR

pytestmark = pytest.mark.django_db

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "bpmn"
BUNDLED_DEMO = BUNDLED_DIR / "demo_claim.bpmn"
UNSAFE_DIAGRAM = BPMN_DIR / "api_demo_claim_unsafe_gateway.bpmn"


def _run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _versions(key: str) -> list[tuple[int, bool]]:
    return list(
        ProcessVersion.objects.filter(definition__key=key)
        .order_by("version")
        .values_list("version", "is_active")
    )


def test_a_changed_file_becomes_version_2(deployed, tmp_path):
    changed = tmp_path / "demo_claim.bpmn"
    changed.write_text(
        BUNDLED_DEMO.read_text(encoding="utf-8").replace("请认领后按时限办理", "请认领后按法定时限办理"),
        encoding="utf-8",
    )
    assert changed.read_text(encoding="utf-8") != BUNDLED_DEMO.read_text(encoding="utf-8")

    out, err = _run("deploy_bpmn", str(changed), "--comment", "依据新通知调整说明")

    assert "demo_claim v2" in out
    assert ProcessVersion.objects.get(definition__key="demo_claim", version=2).comment == "依据新通知调整说明"
    assert "已部署新版本" in out
    assert err == ""
    assert _versions("demo_claim") == [(1, False), (2, True)]


def test_an_unsafe_file_is_refused_with_every_problem_on_stderr(deployed):
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="部署被拒绝") as refused:
        call_command("deploy_bpmn", str(UNSAFE_DIAGRAM), stdout=out, stderr=err)

    assert "1 个问题" in str(refused.value)
    assert "[flow_check_pwned]" in err.getvalue()
    assert "__import__" in err.getvalue()
    assert out.getvalue() == ""
    assert _versions("demo_claim") == [(1, True)]


def test_identical_xml_reports_no_new_version(deployed):
    out, _ = _run("deploy_bpmn", str(BUNDLED_DEMO))

    assert "demo_claim v1" in out
    assert "内容未变化" in out
    assert _versions("demo_claim") == [(1, True)]


def test_a_missing_file_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("deploy_bpmn", str(tmp_path / "nope.bpmn"))


def test_load_bpmn_is_idempotent(db):
    bundled = sorted(BUNDLED_DIR.glob("*.bpmn"))
    assert bundled

    first, _ = _run("load_bpmn")
    second, _ = _run("load_bpmn")

    assert first.count("(新部署)") == len(bundled)
    assert "(新部署)" not in second
    assert ProcessDefinition.objects.count() == len(bundled)
    for definition in ProcessDefinition.objects.all():
        assert _versions(definition.key) == [(1, True)], definition.key
        assert f"{definition.key} v1" in second
