"""The 双随机 draw algorithm ``xtjg-draw/1``: reproducible, uniform, ≥ 2 inspectors, recusal with
replacement, risk ratios, joint inspections, balanced load. Pure functions: no database."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from casework.lifecycles.inspection import draw
from casework.lifecycles.inspection.draw import DrawError, Inspector, Parameters

SEED = bytes.fromhex("00" * 31 + "2a")


def population(n: int = 1000) -> list[tuple[str, str]]:
    rows = [(f"91510800P{i:08d}X", "ABCD"[i % 10 % 4] if i % 10 < 8 else "B") for i in range(n)]
    return sorted(rows)


def inspectors(per_department: int = 6, departments=("SCJG", "WJW")) -> list[Inspector]:
    return [
        Inspector(id=100 * k + i, department=d)
        for k, d in enumerate(departments, 1)
        for i in range(per_department)
    ]


def test_the_stream_is_the_published_construction():
    stream = draw.Stream(SEED)
    digest = hashlib.sha256(SEED + (0).to_bytes(8, "big")).digest()
    first = int.from_bytes(digest[:8], "big")
    assert stream.below(1 << 63) == first % (1 << 63)  # 2^63 divides 2^64: never rejected


def test_the_same_inputs_give_the_same_draw_and_another_seed_another():
    params = Parameters(departments=("SCJG",), count=30)
    people = inspectors(per_department=8, departments=("SCJG",))
    one = draw.run(seed=SEED, population=population(), inspectors=people, parameters=params)
    again = draw.run(seed=SEED, population=population(), inspectors=list(reversed(people)), parameters=params)
    other = draw.run(seed=b"\x01" * 32, population=population(), inspectors=people, parameters=params)
    assert one.as_json() == again.as_json() and one.hash == again.hash
    assert one.targets != other.targets and one.hash != other.hash
    assert len(set(one.targets)) == 30


def test_sampling_is_uniform_enough():
    """Every position of 10 is drawn about equally often over many seeds (χ² well under 27.9, p=0.001)."""
    counts: Counter[int] = Counter()
    for s in range(4000):
        counts.update(draw.sample(draw.Stream(s.to_bytes(4, "big")), 10, 3))
    expected = 4000 * 3 / 10
    chi2 = sum((counts[i] - expected) ** 2 / expected for i in range(10))
    assert chi2 < 27.9, counts


def test_every_target_gets_at_least_two_distinct_inspectors():
    result = draw.run(
        seed=SEED,
        population=population(),
        inspectors=inspectors(departments=("SCJG",)),
        parameters=Parameters(departments=("SCJG",), count=40),
    )
    assert all(len(team) == 2 and len(set(team)) == 2 for team in result.teams)
    with pytest.raises(DrawError, match="至少需要 2 名"):
        draw.run(
            seed=SEED,
            population=population(),
            inspectors=inspectors(departments=("SCJG",)),
            parameters=Parameters(departments=("SCJG",), count=1, per_target=1),
        )


def test_load_is_balanced():
    result = draw.run(
        seed=SEED,
        population=population(),
        inspectors=inspectors(per_department=7, departments=("SCJG",)),
        parameters=Parameters(departments=("SCJG",), count=70),
    )
    load = Counter(i for team in result.teams for i in team)
    assert max(load.values()) - min(load.values()) <= 1 and sum(load.values()) == 140


def test_a_recused_inspector_is_replaced_and_the_replacement_logged():
    pop = population()
    params = Parameters(departments=("SCJG",), count=20)
    people = inspectors(per_department=5, departments=("SCJG",))
    plain = draw.run(seed=SEED, population=pop, inspectors=people, parameters=params)
    code = plain.targets[3][0]
    first, second = plain.teams[3]
    recused = draw.run(
        seed=SEED,
        population=pop,
        inspectors=people,
        parameters=params,
        conflicts={first: {code}},
        recent={second: {code}},
    )
    assert recused.targets == plain.targets  # targets are drawn before the teams
    assert first not in recused.teams[3] and second not in recused.teams[3]
    assert (3, first, draw.RECUSAL_CONFLICT) in recused.replacements
    assert any(r[0] == 3 and r[2] == draw.RECUSAL_RECENT for r in recused.replacements)
    assert all(len(set(team)) == 2 for team in recused.teams)


def test_too_few_inspectors_after_recusal_is_a_clear_error():
    pop = population(50)
    people = inspectors(per_department=2, departments=("SCJG",))
    code = pop[0][0]
    with pytest.raises(DrawError, match="可用的执法检查人员不足") as caught:
        draw.run(
            seed=SEED,
            population=[pop[0]],
            inspectors=people,
            parameters=Parameters(departments=("SCJG",), count=1),
            conflicts={people[0].id: {code}},
        )
    assert caught.value.target == code


def test_risk_ratios_draw_the_ceiling_of_each_class():
    pop = population(1000)
    sizes = Counter(risk for _, risk in pop)
    ratios = {"A": "0.01", "B": "0.03", "C": "0.05", "D": "0.2"}
    result = draw.run(
        seed=SEED,
        population=pop,
        inspectors=inspectors(per_department=10, departments=("SCJG",)),
        parameters=Parameters(departments=("SCJG",), ratios=ratios),
    )
    drawn = Counter(risk for _, risk in result.targets)
    for risk, ratio in ratios.items():
        assert drawn[risk] == -(-sizes[risk] * int(float(ratio) * 100) // 100)
    assert len(set(result.targets)) == len(result.targets)


def test_a_joint_inspection_has_one_inspector_from_each_department():
    people = inspectors(per_department=4, departments=("SCJG", "WJW", "JYJ"))
    department = {i.id: i.department for i in people}
    result = draw.run(
        seed=SEED,
        population=population(),
        inspectors=people,
        parameters=Parameters(departments=("SCJG", "WJW", "JYJ"), count=12),
    )
    for team in result.teams:
        assert [department[i] for i in team] == ["SCJG", "WJW", "JYJ"]

    two = draw.run(
        seed=SEED,
        population=population(),
        inspectors=people,
        parameters=Parameters(departments=("SCJG", "WJW"), count=12, per_target=3),
    )
    for team in two.teams:
        assert [department[i] for i in team[:2]] == ["SCJG", "WJW"] and len(set(team)) == 3


def test_asking_for_more_than_the_population_is_refused():
    with pytest.raises(DrawError, match="超过可抽取的对象数"):
        draw.run(
            seed=SEED,
            population=population(5),
            inspectors=inspectors(departments=("SCJG",)),
            parameters=Parameters(departments=("SCJG",), count=6),
        )


def test_the_population_hash_is_of_the_published_lines():
    rows = population(3)
    text = "".join(f"{c},{r}\n" for c, r in rows)
    assert draw.population_hash(rows) == hashlib.sha256(text.encode()).hexdigest()
