"""归集公示 REST exchange: department systems submit one record or a batch through the one validation;
each record is accepted, returned for 补正 (saved, with its field errors) or rejected; a department
submits and reads only its own records; the endpoints are in the OpenAPI schema."""

import pytest
from rest_framework.test import APIClient

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.collection.models import CollectedRecord

pytestmark = pytest.mark.django_db

URL = "/api/v1/records"
CODE = make_credit_code("9", "1", "510802", "MA6D0G01")
ELSEWHERE = make_credit_code("9", "1", "110105", "MA6D0G03")  # registered in 北京市朝阳区


def permit(number="川卫许〔2026〕301号", **over):
    values = {
        "permit_number": number,
        "permit_name": "医疗机构执业许可证",
        "permit_category": "普通",
        "decision_date": "2026-10-30",
        "valid_from": "2026-10-30",
        "valid_to": "2031-10-29",
        "permit_authority": "广元市卫生健康委员会",
        "permit_content": "诊疗科目：内科",
    }
    values.update(over)
    return {k: v for k, v in values.items() if v is not None}


def body(values=None, **over):
    data = {
        "record_type": "permit",
        "credit_code": CODE,
        "enterprise_name": "广元市仁心门诊部有限公司",
        "values": permit() if values is None else values,
    }
    data.update(over)
    return data


def api(user) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_one_good_record_is_accepted_and_sending_it_again_is_unchanged(users):
    client = api(users["officer_wj"])
    first = client.post(URL, body(), format="json")
    assert first.status_code == 201, first.json()
    answer = first.json()
    assert answer["status"] == "accepted" and answer["outcome"] == "created"
    record = answer["record"]
    assert record["state"] == "published" and record["version"] == 1 and record["provider"] == "WJW"
    assert record["values"]["permit_category"] == "general" and record["errors"] == {}
    again = client.post(URL, body(), format="json")
    assert again.status_code == 200
    assert again.json()["outcome"] == "unchanged" and again.json()["record"]["id"] == record["id"]
    item = CollectedRecord.objects.get()
    assert item.channel == CollectedRecord.Channel.API and item.version == 1

    shown = client.get(f"{URL}/{record['id']}")
    assert shown.status_code == 200 and shown.json()["document_number"] == "川卫许〔2026〕301号"


def test_a_record_failing_the_spec_is_saved_and_returned_and_its_correction_is_a_new_version(users):
    client = api(users["officer_wj"])
    bad = client.post(URL, body(permit(permit_name=None, decision_date="2026-13-01")), format="json")
    assert bad.status_code == 201
    answer = bad.json()
    assert answer["status"] == "returned" and answer["record"]["state"] == "returned"
    assert set(answer["record"]["errors"]) == {"permit_name", "decision_date"}
    assert "许可文件名称" in answer["record"]["errors"]["permit_name"]
    fixed = client.post(URL, body(), format="json").json()
    assert fixed["status"] == "accepted" and fixed["outcome"] == "versioned"
    assert fixed["record"]["version"] == 2 and fixed["record"]["id"] == answer["record"]["id"]


def test_an_unidentifiable_or_malformed_record_is_rejected_with_the_json_envelope(users):
    client = api(users["officer_wj"])
    no_number = client.post(URL, body(permit(permit_number=None)), format="json")
    assert no_number.status_code == 400
    error = no_number.json()["error"]
    assert error["code"] == "record_refused" and "permit_number" in error["details"]
    unknown = client.post(URL, body(record_type="nonsense"), format="json")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_record_type"
    malformed = client.post(URL, {"record_type": "permit"}, format="json")
    assert malformed.status_code == 400 and "values" in malformed.json()["error"]["details"]
    assert CollectedRecord.objects.count() == 0


def test_a_department_submits_and_reads_only_its_own_records(users):
    wj = api(users["officer_wj"])
    refused = wj.post(URL, body(provider="JYJ"), format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    batch = wj.post(f"{URL}/batch", {"records": [body(provider="JYJ")]}, format="json").json()
    assert batch["rejected"] == 1 and batch["results"][0]["error"]["code"] == "forbidden"
    assert CollectedRecord.objects.count() == 0

    record_id = wj.post(URL, body(), format="json").json()["record"]["id"]
    other = api(users["officer_jy"]).get(f"{URL}/{record_id}")
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    registrar = api(users["registrar"]).post(URL, body(), format="json")  # no providing post
    assert registrar.status_code == 403 and "error" in registrar.json()
    assert APIClient().post(URL, body(), format="json").status_code in (401, 403)


def test_a_batch_answers_each_record_on_its_own(users):
    client = api(users["officer_wj"])
    records = [
        body(permit("川卫许〔2026〕401号")),
        body(permit("川卫许〔2026〕402号", valid_to="2020-01-01")),  # returned: before 有效期自
        body(permit(permit_number=None)),  # rejected: cannot be identified
        "not an object",
        body(permit("川卫许〔2026〕405号"), credit_code=ELSEWHERE),  # from another area: outbound
    ]
    answer = client.post(f"{URL}/batch", {"records": records}, format="json")
    assert answer.status_code == 200, answer.json()
    data = answer.json()
    assert (data["accepted"], data["returned"], data["rejected"]) == (2, 1, 2)
    results = data["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in results] == ["accepted", "returned", "rejected", "rejected", "accepted"]
    assert results[1]["record"]["errors"].keys() == {"valid_to"}
    assert results[2]["error"]["code"] == "record_refused" and results[2]["record"] is None
    assert results[4]["record"]["state"] == "outbound"
    assert CollectedRecord.objects.count() == 3

    again = client.post(f"{URL}/batch", {"records": records[:2]}, format="json").json()
    assert [r["outcome"] for r in again["results"]] == ["unchanged", "unchanged"]
    too_many = client.post(f"{URL}/batch", {"records": [body()] * 501}, format="json")
    assert too_many.status_code == 400 and "records" in too_many.json()["error"]["details"]


def test_the_schema_lists_the_exchange_endpoints(users):
    client = APIClient()
    client.force_authenticate(users["admin"])
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert {"/api/v1/records", "/api/v1/records/batch", "/api/v1/records/{record_id}"} <= set(schema["paths"])
    assert "post" in schema["paths"]["/api/v1/records/batch"]
    assert "RecordIn" in schema["components"]["schemas"]
