"""Registrar-system intake API: idempotent pushes and structured, field-level errors."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.models import Registration

pytestmark = pytest.mark.django_db

URL = "/api/v1/registrations"


@pytest.fixture
def registrar_api(users):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['registrar']).key}")
    return client


def body(**overrides):
    data = {
        "event_id": "REG-20251103-0001",
        "credit_code": make_credit_code("9", "1", "510800", "MA6C0002"),
        "name": "广元市某餐饮管理有限公司",
        "business_scope": "餐饮服务；预包装食品销售",
        "registration_authority": "SCJG",
        "registered_on": "2025-11-03",
    }
    data.update(overrides)
    return data


def test_push_creates_a_routed_case_and_repeating_it_is_harmless(registrar_api):
    first = registrar_api.post(URL, body(), format="json")
    assert first.status_code == 201, first.json()
    assert [t["department"] for t in first.json()["routing"]["targets"]] == ["510800-SP"]
    again = registrar_api.post(URL, body(), format="json")
    assert again.status_code == 200 and again.json()["case_id"] == first.json()["case_id"]
    assert Registration.objects.count() == 1


def test_the_same_event_id_with_other_content_is_a_conflict_naming_the_fields(registrar_api):
    from casework.directory.models import Enterprise

    first = registrar_api.post(URL, body(address="利州区东坝"), format="json")
    assert first.status_code == 201
    spelled_differently = body(
        name=" 广元市某餐饮管理有限公司 ",
        credit_code=body()["credit_code"].lower(),
        division_code="510800",  # the authority's own area, which an omitted division means
    )  # and no address: a blank optional fact says nothing, as in the directory
    replay = registrar_api.post(URL, spelled_differently, format="json")
    changed = registrar_api.post(URL, body(name="广元市另一家餐饮有限公司", address="昭化区"), format="json")

    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    assert changed.status_code == 409, changed.json()
    error = changed.json()["error"]
    assert error["code"] == "event_conflict"
    assert "内容不同" in error["message"] and "名称" in error["message"] and "住所" in error["message"]
    assert set(error["details"]) == {"event_id", "name", "address"}
    assert Registration.objects.count() == 1
    assert Enterprise.objects.get().name == "广元市某餐饮管理有限公司"


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"credit_code": "91510800MA6C0O02"}, "credit_code", "18 位"),
        ({"business_scope": ""}, "business_scope", "经营范围"),
        ({"division_code": "999999"}, "division_code", "999999"),
        ({"division_code": "51A800"}, "division_code", ""),
        ({"registered_on": "2025-13-40"}, "registered_on", ""),
    ],
)
def test_bad_pushes_get_field_level_errors_and_save_nothing(registrar_api, overrides, field, text):
    response = registrar_api.post(URL, body(**overrides), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["details"]
    assert text in str(error["details"][field])
    assert not Registration.objects.exists()


def test_only_the_registrar_may_push(users):
    client = APIClient()
    client.force_authenticate(users["officer_wj"])
    response = client.post(URL, body(), format="json")
    assert response.status_code == 403
    assert "登记" in response.json()["error"]["message"]


def test_legacy_registration_number_is_kept_and_checked(registrar_api):
    from casework.directory.credit_code import expected_registration_check_digit
    from casework.directory.models import Enterprise

    number = "51080200000001" + expected_registration_check_digit("51080200000001")
    ok = registrar_api.post(URL, body(event_id="R-legacy", registration_number=number), format="json")
    assert ok.status_code == 201
    assert Enterprise.objects.get().registration_number == number
    bad = registrar_api.post(
        URL,
        body(
            event_id="R-legacy-2",
            registration_number="5108020000001",  # 13 digits: malformed, not just a failing check digit
        ),
        format="json",
    )
    assert bad.status_code == 400 and "registration_number" in bad.json()["error"]["details"]


def test_a_registrar_pushes_only_for_their_own_authority(registrar_api):
    response = registrar_api.post(URL, body(registration_authority="510703-SCJG"), format="json")
    assert response.status_code == 403
    assert "registration_authority" in response.json()["error"]["details"]
    assert not Registration.objects.exists()


def test_the_division_must_lie_in_the_authoritys_area(registrar_api):
    inside = registrar_api.post(URL, body(event_id="R-in", division_code="510802"), format="json")
    assert inside.status_code == 201
    outside = registrar_api.post(URL, body(event_id="R-out", division_code="510703"), format="json")
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "forbidden"
    assert "辖区" in str(outside.json()["error"]["details"]["division_code"])
    assert not Registration.objects.filter(event_id="R-out").exists()


def test_an_event_id_used_by_another_authority_is_a_conflict(registrar_api, users):
    from casework.lifecycles.registration_push.services import SYSTEM, receive_registration

    receive_registration(
        event_id="SHARED-1",
        credit_code=make_credit_code("9", "1", "510703", "MA6J0001"),
        name="绵阳某公司",
        business_scope="餐饮服务",
        authority_code="510703-SCJG",
        registered_on=date(2025, 11, 3),
        actor=SYSTEM,
    )
    response = registrar_api.post(URL, body(event_id="SHARED-1"), format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "event_conflict"


def test_numbers_where_text_is_expected_are_a_400_not_a_500(registrar_api, users):
    from casework.organization.models import Department, Membership, Role
    from processes.models import HumanTask

    registrar_api.post(URL, body(), format="json")
    officer = users["officer_wj"]
    Membership.objects.create(
        user=officer, department=Department.objects.get(code="510800-SP"), role=Role.OFFICER
    )
    officer._posts_cache = None
    client = APIClient()
    client.force_authenticate(officer)
    task = HumanTask.objects.get(candidate_department="510800-SP")
    client.post(f"/api/v1/tasks/{task.pk}/claim")
    client.post(f"/api/v1/tasks/{task.pk}/complete", {"data": {"claim_decision": "claim"}}, format="json")
    feedback = HumanTask.objects.get(bpmn_id="permit_feedback")
    client.post(f"/api/v1/tasks/{feedback.pk}/claim")
    response = client.post(
        f"/api/v1/tasks/{feedback.pk}/complete",
        {"data": {"permit_decision": "refused", "decision_date": 20251103}},
        format="json",
    )
    assert response.status_code == 400 and "decision_date" in response.json()["error"]["details"]
    nested = client.post(
        f"/api/v1/tasks/{feedback.pk}/complete", {"data": {"permit_decision": ["x"]}}, format="json"
    )
    assert nested.status_code == 400


def test_a_batch_reports_each_item_and_saves_the_good_ones(registrar_api, users):
    registrar_api.post(URL, body(event_id="SEEN"), format="json")
    items = [
        body(event_id="B-1", credit_code=make_credit_code("9", "1", "510800", "MA6C0101")),
        body(event_id="B-2", registered_on="not a date"),
        body(event_id="B-3", registration_authority="510800-SCJG-X"),
        body(event_id="SEEN"),
        body(
            event_id="B-4", business_scope=" ", credit_code=make_credit_code("9", "1", "510800", "MA6C0104")
        ),
    ]
    response = registrar_api.post(f"{URL}/batch", {"registrations": items}, format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["created"], data["duplicates"], data["failed"]) == (1, 1, 3)
    statuses = [(r["index"], r["event_id"], r["status"]) for r in data["results"]]
    assert statuses == [
        (0, "B-1", "created"),
        (1, "B-2", "failed"),
        (2, "B-3", "failed"),
        (3, "SEEN", "duplicate"),
        (4, "B-4", "failed"),
    ]
    assert "registered_on" in data["results"][1]["error"]["details"]
    assert data["results"][2]["error"]["code"] == "forbidden"
    assert data["results"][4]["error"]["details"] == {"business_scope": ["缺少经营范围"]}
    assert (
        data["results"][0]["registration"]["case_id"] == Registration.objects.get(event_id="B-1").instance_id
    )
    assert set(Registration.objects.values_list("event_id", flat=True)) == {"SEEN", "B-1"}


def test_a_batch_must_be_a_list_of_at_most_500(registrar_api):
    empty = registrar_api.post(f"{URL}/batch", {"registrations": []}, format="json")
    too_many = registrar_api.post(f"{URL}/batch", {"registrations": [body()] * 501}, format="json")
    not_a_list = registrar_api.post(f"{URL}/batch", {"registrations": body()}, format="json")
    assert (empty.status_code, too_many.status_code, not_a_list.status_code) == (400, 400, 400)
    assert "registrations" in too_many.json()["error"]["details"]
    assert "registrations" in not_a_list.json()["error"]["details"]
    assert not Registration.objects.exists()


def test_only_a_registrar_may_push_a_batch(users):
    client = APIClient()
    client.force_authenticate(users["officer_wj"])
    response = client.post(f"{URL}/batch", {"registrations": [body()]}, format="json")
    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_a_batch_item_reusing_an_event_id_with_other_content_fails_alone(registrar_api):
    registrar_api.post(URL, body(event_id="SEEN"), format="json")
    items = [
        body(event_id="SEEN"),
        body(event_id="SEEN", business_scope="药品零售"),
        body(event_id="NEW", credit_code=make_credit_code("9", "1", "510800", "MA6C0201")),
    ]
    response = registrar_api.post(f"{URL}/batch", {"registrations": items}, format="json")

    results = response.json()["results"]
    assert [r["status"] for r in results] == ["duplicate", "failed", "created"]
    assert results[1]["error"]["code"] == "event_conflict"
    assert set(results[1]["error"]["details"]) == {"event_id", "business_scope"}
    assert Registration.objects.get(event_id="SEEN").business_scope == "餐饮服务；预包装食品销售"


@pytest.mark.parametrize("odd_one", ["text", None, 42, ["a", "list"]])
def test_a_batch_item_that_is_not_an_object_fails_alone(registrar_api, odd_one):
    items = [
        body(event_id="G-1", credit_code=make_credit_code("9", "1", "510800", "MA6C0301")),
        odd_one,
        body(event_id="G-2", credit_code=make_credit_code("9", "1", "510800", "MA6C0302")),
    ]
    response = registrar_api.post(f"{URL}/batch", {"registrations": items}, format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["created"], data["failed"]) == (2, 1)
    bad = data["results"][1]
    assert (bad["index"], bad["event_id"], bad["status"]) == (1, "", "failed")
    assert bad["error"]["code"] == "invalid" and "JSON 对象" in bad["error"]["message"]
    assert set(Registration.objects.values_list("event_id", flat=True)) == {"G-1", "G-2"}


def test_a_batch_item_for_another_authority_or_outside_its_area_is_forbidden_alone(registrar_api):
    items = [
        body(event_id="F-1", registration_authority="510703-SCJG"),
        body(event_id="F-2", division_code="510703"),
        body(event_id="F-3", division_code="510802"),
    ]
    response = registrar_api.post(f"{URL}/batch", {"registrations": items}, format="json")

    results = response.json()["results"]
    assert [r["status"] for r in results] == ["failed", "failed", "created"]
    assert [r["error"]["code"] for r in results[:2]] == ["forbidden", "forbidden"]
    assert "registration_authority" in results[0]["error"]["details"]
    assert "辖区" in str(results[1]["error"]["details"]["division_code"])
    assert list(Registration.objects.values_list("event_id", "division_code")) == [("F-3", "510802")]
