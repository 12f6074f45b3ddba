"""精确推送: business-scope keywords → approval items → departments of the same area."""

import pytest

from casework.lifecycles.registration_push.models import ApprovalItem
from casework.lifecycles.registration_push.routing import (
    CatalogueMatcher,
    current_matcher,
    route_business_scope,
)
from casework.organization.master_data import seed_master_data
from casework.organization.models import Department

pytestmark = pytest.mark.django_db

RESTAURANT_AND_SCHOOL = "餐饮服务；预包装食品销售；文化教育培训（不含学历教育）；会议服务"


@pytest.fixture
def catalogue(db):
    seed_master_data()


def test_matcher_finds_every_keyword_with_its_position_and_item():
    matcher = CatalogueMatcher(
        [("SP-001", "食品经营许可", "SP", ["餐饮服务", "食品销售"]), ("GA-002", "旅馆业", "GA", ["住宿服务"])]
    )
    hits = matcher.match("住宿服务；餐饮服务；预包装食品销售")
    assert [(h.keyword, h.position, h.item_code) for h in hits] == [
        ("住宿服务", 0, "GA-002"),
        ("餐饮服务", 5, "SP-001"),
        ("食品销售", 13, "SP-001"),
    ]


def test_exclusion_clauses_never_match():
    matcher = CatalogueMatcher([("AJ-001", "危险化学品经营许可", "AJ", ["危险化学品"])])
    assert matcher.match("化工产品销售（不含危险化学品）") == []
    assert matcher.match("化工产品销售(除危险化学品及易制毒化学品)") == []
    assert [h.keyword for h in matcher.match("危险化学品经营（凭许可证经营）")] == ["危险化学品"]


def test_one_keyword_can_route_to_two_sectors(catalogue):
    hits = current_matcher().match("住宿服务")
    assert sorted(h.item_code for h in hits) == ["GA-002", "WJ-002"]


def test_city_registration_goes_to_the_city_departments_with_an_explanation(catalogue):
    routing = route_business_scope(business_scope=RESTAURANT_AND_SCHOOL, division_code="510800")

    assert {(t.department_code, t.sector_code) for t in routing.targets} == {
        ("510800-SP", "SP"),
        ("JYJ", "JY"),
    }
    explanation = routing.explanation()
    assert {h["keyword"] for h in explanation["hits"]} == {
        "餐饮服务",
        "食品销售",
        "预包装食品",
        "文化教育培训",
    }
    assert not any(t["from_higher_level"] for t in explanation["targets"])
    assert "学历教育" not in {h["keyword"] for h in explanation["hits"]}  # it sits in a 不含 clause


def test_county_registration_stays_in_the_county_and_climbs_only_when_it_must(catalogue):
    routing = route_business_scope(business_scope="卷烟零售；餐饮服务", division_code="510802")

    targets = {t.sector_code: t for t in routing.targets}
    assert targets["SP"].department_code == "510802-SP" and not targets["SP"].escalated_level
    assert (
        targets["YC"].department_code == "510800-YC" and targets["YC"].escalated_level
    )  # no county 烟草 office


def test_unmatched_scope_goes_to_the_claim_pool(catalogue):
    routing = route_business_scope(business_scope="软件开发；信息技术咨询服务", division_code="510800")
    assert not routing.matched and routing.hits == ()


def test_edited_keywords_take_effect_at_once(catalogue):
    assert not route_business_scope(business_scope="研学旅行服务", division_code="510800").matched

    item = ApprovalItem.objects.get(code="LY-001")
    item.keywords += "\n研学旅行"
    item.save()

    routing = route_business_scope(business_scope="研学旅行服务", division_code="510800")
    assert [t.department_code for t in routing.targets] == ["510800-LY"]


def test_seed_builds_the_hierarchy_and_is_idempotent(catalogue):
    seed_master_data()
    assert Department.objects.filter(code="WJW").count() == 1
    county_registrar = Department.objects.get(code="510802-SCJG")
    assert county_registrar.parent.code == "SCJG"
    assert county_registrar.parent.parent.code == "510000-SCJG"
    assert Department.objects.filter(division_code="510800", kind=Department.Kind.APPROVAL).count() >= 20
    assert ApprovalItem.objects.count() == 30


def test_every_department_sits_in_the_hierarchy(catalogue):
    assert Department.objects.get(code="510802-WJ").parent.code == "WJW"
    assert Department.objects.get(code="WJW").parent.code == "510000-WJ"
    # No provincial 旅游 office is seeded: the city office hangs under the provincial registrar.
    assert Department.objects.get(code="510800-LY").parent.code == "510000-SCJG"
    assert (
        not Department.objects.filter(parent__isnull=True).exclude(level=Department.Level.PROVINCE).exists()
    )


def test_only_the_excluded_part_of_a_bracket_is_ignored_and_width_does_not_matter():
    matcher = CatalogueMatcher([("X", "x", "S", ["餐饮服务", "KTV"])])
    assert [h.keyword for h in matcher.match("（餐饮服务，不含凉菜）")] == ["餐饮服务"]
    assert [h.keyword for h in matcher.match("ktv；ＫＴＶ")] == ["KTV"]
