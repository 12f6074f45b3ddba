"""The enterprise directory: the registrar is the authority on credit codes."""

import pytest

from casework.directory.credit_code import expected_check_char, make_credit_code
from casework.directory.models import Enterprise
from casework.directory.services import InvalidEnterprise, register_enterprise, resolve_credit_code
from casework.organization.master_data import seed_master_data
from casework.organization.models import Department
from processes.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(db):
    seed_master_data()
    return Department.objects.get(code="510802-SCJG")


def _pilot(code: str) -> str:
    """The same code with a wrong final check character (as some legal early pilot codes have)."""
    wrong = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != expected_check_char(code[:17]))
    return code[:17] + wrong


def test_registrar_push_creates_the_entry_with_kind_and_area(registrar):
    code = make_credit_code("9", "2", "510802", "MA6CA5X1")
    enterprise = register_enterprise(
        credit_code=code.lower(), name=" 利州区张三小吃店 ", registration_authority=registrar
    )

    assert (enterprise.credit_code, enterprise.name) == (code, "利州区张三小吃店")
    assert enterprise.kind == Enterprise.Kind.INDIVIDUAL
    assert enterprise.division_code == "510802" and enterprise.credit_code_warning == ""
    assert AuditEvent.objects.filter(action="enterprise_registered", payload__credit_code=code).exists()


def test_pilot_code_from_the_registrar_is_kept_and_flagged(registrar):
    code = _pilot(make_credit_code("9", "1", "510802", "12345678"))
    enterprise = register_enterprise(credit_code=code, name="试点企业", registration_authority=registrar)
    assert "校验位应为" in enterprise.credit_code_warning

    assert resolve_credit_code(code) == enterprise  # known to the directory: officers may use it


def test_failing_code_typed_by_someone_else_is_rejected_unless_known(registrar):
    code = _pilot(make_credit_code("9", "1", "510802", "87654321"))
    with pytest.raises(InvalidEnterprise, match="校验位应为") as err:
        register_enterprise(
            credit_code=code, name="某企业", registration_authority=registrar, from_registrar=False
        )
    assert err.value.details["credit_code"]
    with pytest.raises(InvalidEnterprise, match="校验位应为"):
        resolve_credit_code(code)
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("91510802MA6CA5X1", "18 位"),
        ("91510802MA6CA5XO1G", "不是合法字符"),
        ("94510802MA6CA5X15G", "第 2 位机构类别代码"),
    ],
)
def test_malformed_codes_are_rejected_even_from_the_registrar(registrar, value, reason):
    with pytest.raises(InvalidEnterprise, match=reason):
        register_enterprise(credit_code=value, name="某企业", registration_authority=registrar)


def test_legacy_registration_number_is_checked(registrar):
    code = make_credit_code("9", "1", "510802", "11223344")
    with pytest.raises(InvalidEnterprise, match="注册号"):
        register_enterprise(
            credit_code=code,
            name="老企业",
            registration_authority=registrar,
            registration_number="51080200000001X",
        )
