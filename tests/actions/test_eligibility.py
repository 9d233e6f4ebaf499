"""Eligibility: the rules file, the evaluator, and the published rules checked exhaustively."""

import copy
import itertools
import re
from pathlib import Path

import pytest
import yaml

from actions.eligibility import (
    DEFAULT_RULES_PATH,
    NOT_ELIGIBLE,
    TO_REVIEW,
    RulesError,
    Verdict,
    default_rules,
    evaluate,
    load_rules,
    parse_rules,
)
from actions.vocabulary import (
    HOUSING_SITUATION,
    READY_TO_MOVE,
    RESIDENCE_AREA,
    RIGHT_TO_WORK,
    WORK_SITUATION,
)
from common.paths import PROJECT_ROOT

RULES = default_rules()
RAW = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))

# The published rules (emile-facts.md), written out here independently of the data file:
# field -> (passing values, review value -> reason, fail value -> reason).
PUBLISHED = {
    "residence_area": (
        {"ile_de_france", "lyon_metropole"},
        {"dont_know": "residence_unknown"},
        {"elsewhere": "residence_outside_area"},
    ),
    "right_to_work": (
        {"yes"},
        {"pending_renewal": "right_to_work_pending", "dont_know": "right_to_work_unknown"},
        {"no": "no_right_to_work"},
    ),
    "housing_situation": (
        {
            "street",
            "emergency_shelter",
            "social_hotel",
            "hosted_by_family_or_friends",
            "facing_eviction",
            "overcrowded_or_unfit",
        },
        {"dont_know": "housing_unknown"},
        {"stable_housing": "housing_stable"},
    ),
    "work_situation": (
        {"unemployed", "short_contract", "temping", "part_time", "insertion_contract", "training"},
        {"dont_know": "work_unknown"},
        {"stable_job": "work_stable"},
    ),
    "ready_to_move": ({"yes"}, {"maybe": "move_uncertain"}, {"no": "not_ready_to_move"}),
}
# Adults: 0 fails (under-18s alone), missing passes (optional), unreadable is reviewed.
ADULTS = {None: None, 0: "no_adult", 1: None, 2: None, "x": "household_unknown"}

ELIGIBLE_ANSWERS = {
    "residence_area": "ile_de_france",
    "housing_situation": "emergency_shelter",
    "right_to_work": "yes",
    "work_situation": "unemployed",
    "ready_to_move": "yes",
    "adults": 1,
    "children": 2,
    "trades": ["building"],
    "experience_years": 3,
    "driving_licence": "no",
    "french_level": "intermediate",
}


def with_(**changes):
    answers = dict(ELIGIBLE_ANSWERS)
    answers.update(changes)
    return answers


# ---------------------------------------------------------------- the data file


def test_rules_file_loads_with_its_version():
    assert RULES.version == "2024.1"
    assert [r.id for r in RULES.rules] == [
        "residence",
        "right_to_work",
        "housing",
        "work",
        "mobility",
        "adult",
    ]


def test_every_fail_reason_has_referrals_from_the_declared_codes():
    for reason in RULES.fail_reasons:
        assert RULES.referrals[reason], reason
        assert set(RULES.referrals[reason]) <= set(RULES.referral_codes)


def test_published_referrals():
    assert "siao_115" in RULES.referral_codes
    assert "france_travail" in RULES.referral_codes
    assert "action_logement" in RULES.referral_codes


def test_codes_fit_response_names_and_the_api_pattern():
    api_reason = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")  # api/schemas/applications.py
    for code in (*RULES.reason_codes, *RULES.referral_codes):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
        assert api_reason.match(code), code
    assert re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$", RULES.version)
    # The API accepts at most 20 reasons: even all of them at once fit.
    assert len({r.unknown_reason for r in RULES.rules} | set(RULES.fail_reasons)) <= 20


def _domain_responses():
    paths = [PROJECT_ROOT / "domain.yml", *sorted((PROJECT_ROOT / "domain").glob("**/*.yml"))]
    responses = set()
    found = False
    for path in paths:
        if path.exists():
            found = True
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            responses |= set((data.get("responses") or {}).keys())
    return found, responses


def test_every_code_has_its_response_in_the_domain():
    found, responses = _domain_responses()
    if not found:
        pytest.skip("no domain.yml yet")
    expected = {f"utter_reason_{c}" for c in RULES.reason_codes}
    expected |= {f"utter_referral_{c}" for c in RULES.referral_codes}
    assert sorted(expected - responses) == []


# ---------------------------------------------------------------- single answers


def test_eligible():
    verdict = evaluate(ELIGIBLE_ANSWERS, RULES)
    assert verdict == Verdict("eligible", (), "2024.1", ())


@pytest.mark.parametrize(
    ("field", "value", "result", "reasons"),
    [
        ("residence_area", "lyon_metropole", "eligible", ()),
        ("residence_area", "elsewhere", "not_eligible", ("residence_outside_area",)),
        ("residence_area", "dont_know", "to_review", ("residence_unknown",)),
        ("right_to_work", "pending_renewal", "to_review", ("right_to_work_pending",)),
        ("right_to_work", "dont_know", "to_review", ("right_to_work_unknown",)),
        ("right_to_work", "no", "not_eligible", ("no_right_to_work",)),
        ("housing_situation", "street", "eligible", ()),
        ("housing_situation", "social_hotel", "eligible", ()),
        ("housing_situation", "hosted_by_family_or_friends", "eligible", ()),
        ("housing_situation", "facing_eviction", "eligible", ()),
        ("housing_situation", "overcrowded_or_unfit", "eligible", ()),
        ("housing_situation", "stable_housing", "not_eligible", ("housing_stable",)),
        ("housing_situation", "dont_know", "to_review", ("housing_unknown",)),
        ("work_situation", "short_contract", "eligible", ()),
        ("work_situation", "temping", "eligible", ()),
        ("work_situation", "part_time", "eligible", ()),
        ("work_situation", "insertion_contract", "eligible", ()),
        ("work_situation", "training", "eligible", ()),
        ("work_situation", "stable_job", "not_eligible", ("work_stable",)),
        ("work_situation", "dont_know", "to_review", ("work_unknown",)),
        ("ready_to_move", "maybe", "to_review", ("move_uncertain",)),
        ("ready_to_move", "no", "not_eligible", ("not_ready_to_move",)),
        ("adults", 0, "not_eligible", ("no_adult",)),
        ("adults", 2, "eligible", ()),
        # Rasa number slots hold floats; entities may arrive as text.
        ("adults", 2.0, "eligible", ()),
        ("adults", "1", "eligible", ()),
        ("adults", 0.0, "not_eligible", ("no_adult",)),
        ("adults", None, "eligible", ()),
        ("adults", "two", "to_review", ("household_unknown",)),
        ("adults", 1.5, "to_review", ("household_unknown",)),
        ("adults", True, "to_review", ("household_unknown",)),
    ],
)
def test_one_answer(field, value, result, reasons):
    verdict = evaluate(with_(**{field: value}), RULES)
    assert (verdict.result, verdict.reasons) == (result, reasons)
    assert verdict.rules_version == "2024.1"


@pytest.mark.parametrize(
    "field", ["residence_area", "housing_situation", "right_to_work", "work_situation"]
)
def test_dont_know_on_a_key_question_is_a_review(field):
    assert evaluate(with_(**{field: "dont_know"}), RULES).result == TO_REVIEW


@pytest.mark.parametrize("missing", [None, "", "  "])
@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("residence_area", "residence_unknown"),
        ("housing_situation", "housing_unknown"),
        ("right_to_work", "right_to_work_unknown"),
        ("work_situation", "work_unknown"),
        ("ready_to_move", "move_uncertain"),
    ],
)
def test_a_missing_answer_is_reviewed_never_refused(field, reason, missing):
    verdict = evaluate(with_(**{field: missing}), RULES)
    assert (verdict.result, verdict.reasons) == (TO_REVIEW, (reason,))
    answers = dict(ELIGIBLE_ANSWERS)
    del answers[field]
    assert evaluate(answers, RULES).reasons == (reason,)


@pytest.mark.parametrize("value", ["shelter", "YES", 3, ["street"], {"x": 1}])
def test_an_unreadable_answer_is_reviewed_never_refused(value):
    verdict = evaluate(with_(housing_situation=value), RULES)
    assert (verdict.result, verdict.reasons) == (TO_REVIEW, ("housing_unknown",))


def test_no_answers_at_all_is_a_review_of_everything():
    verdict = evaluate({}, RULES)
    assert verdict.result == TO_REVIEW
    assert verdict.reasons == (
        "residence_unknown",
        "right_to_work_unknown",
        "housing_unknown",
        "work_unknown",
        "move_uncertain",
    )


def test_not_eligible_gives_every_reason_fail_first_and_referrals():
    verdict = evaluate(
        with_(
            residence_area="dont_know",
            right_to_work="pending_renewal",
            housing_situation="stable_housing",
            work_situation="stable_job",
            ready_to_move="maybe",
        ),
        RULES,
    )
    assert verdict.result == NOT_ELIGIBLE
    assert verdict.reasons == (
        "housing_stable",
        "work_stable",
        "residence_unknown",
        "right_to_work_pending",
        "move_uncertain",
    )
    # Referrals of each fail reason, in order, without repeats.
    assert verdict.referrals == ("france_travail", "action_logement", "siao_115")


def test_referrals_only_when_not_eligible():
    assert evaluate(with_(right_to_work="pending_renewal"), RULES).referrals == ()
    assert evaluate(with_(right_to_work="no"), RULES).referrals == ("legal_aid", "siao_115")


def test_payload_for_the_api():
    verdict = evaluate(with_(ready_to_move="maybe"), RULES)
    assert verdict.as_payload() == {
        "result": "to_review",
        "reasons": ["move_uncertain"],
        "rules_version": "2024.1",
    }


def test_evaluate_is_pure():
    answers = with_(ready_to_move="no", adults=0)
    before = copy.deepcopy(answers)
    assert evaluate(answers, RULES) == evaluate(answers, RULES)
    assert answers == before


# ---------------------------------------------------------------- every combination

# hypothesis is not in the assistant environment; the whole answer space is small
# (4 x 8 x 4 x 8 x 3 x 5 = 15,360 combinations), so every one is checked.
FIELDS = ("residence_area", "housing_situation", "right_to_work", "work_situation")
SPACE = {
    "residence_area": RESIDENCE_AREA,
    "housing_situation": HOUSING_SITUATION,
    "right_to_work": RIGHT_TO_WORK,
    "work_situation": WORK_SITUATION,
    "ready_to_move": READY_TO_MOVE,
}


def _combinations():
    names = list(SPACE)
    for values in itertools.product(*SPACE.values()):
        for adults in ADULTS:
            yield {**dict(zip(names, values, strict=True)), "adults": adults}


def _expected(answers):
    fails, reviews = [], []
    for field, (passing, review, fail) in PUBLISHED.items():
        value = answers[field]
        assert value in passing | set(review) | set(fail)
        if value in fail:
            fails.append(fail[value])
        elif value in review:
            reviews.append(review[value])
    adult = ADULTS[answers["adults"]]
    if adult == "no_adult":
        fails.append(adult)
    elif adult:
        reviews.append(adult)
    return fails, reviews


def test_every_combination_follows_the_published_rules():
    count = 0
    for answers in _combinations():
        count += 1
        verdict = evaluate(answers, RULES)
        fails, reviews = _expected(answers)
        # Every verdict carries the version.
        assert verdict.rules_version == RULES.version
        if fails:
            # Not eligible exactly when some answer disqualifies; every reason is told.
            assert verdict.result == NOT_ELIGIBLE, answers
            assert verdict.reasons == (*fails, *reviews), answers
            assert verdict.referrals
        elif reviews:
            # An uncertain answer alone never refuses anyone.
            assert verdict.result == TO_REVIEW, answers
            assert verdict.reasons == tuple(reviews), answers
            assert verdict.referrals == ()
        else:
            assert verdict.result == "eligible", answers
            assert verdict.reasons == verdict.referrals == ()
        assert len(set(verdict.reasons)) == len(verdict.reasons)
    assert count == 4 * 8 * 4 * 8 * 3 * len(ADULTS)


RANK = {"eligible": 0, "to_review": 1, "not_eligible": 2}


def test_a_better_answer_never_makes_the_verdict_worse():
    """Replacing a fail by a review, or a review by a pass, never worsens the result."""
    better = {
        field: {
            **{v: sorted(passing) + sorted(review) for v in fail},
            **{v: sorted(passing) for v in review},
        }
        for field, (passing, review, fail) in PUBLISHED.items()
    }
    ranks = {
        tuple(answers.items()): RANK[evaluate(answers, RULES).result] for answers in _combinations()
    }
    for items, rank in ranks.items():
        answers = dict(items)
        for field, improvements in better.items():
            for value in improvements.get(answers[field], ()):
                improved = ranks[tuple({**answers, field: value}.items())]
                assert improved <= rank, (answers, field, value)


# ---------------------------------------------------------------- validation of the file


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _rule(data, rule_id):
    return next(r for r in data["rules"] if r["id"] == rule_id)


def test_a_copy_of_the_file_loads_the_same(tmp_path):
    assert load_rules(_write(tmp_path, RAW)) == RULES


def _broken(change):
    data = copy.deepcopy(RAW)
    change(data)
    return data


CASES = {
    "unknown field": (lambda d: _rule(d, "housing").update(field="housing"), "unknown field"),
    "unknown value": (
        lambda d: _rule(d, "housing")["pass"].append("tent"),
        "unknown value 'tent'",
    ),
    "unknown review value": (
        lambda d: _rule(d, "housing")["review"].update(perhaps="housing_unknown"),
        "unknown value 'perhaps'",
    ),
    "unsorted value": (
        lambda d: _rule(d, "housing")["pass"].remove("street"),
        "not sorted into pass/review/fail: street",
    ),
    "value twice": (
        lambda d: _rule(d, "housing")["pass"].append("stable_housing"),
        "sorted more than once: stable_housing",
    ),
    "unquoted yes": (lambda d: _rule(d, "mobility").update({"pass": [True]}), "quote it"),
    "numeric version": (lambda d: d.update(version=2024.1), "quoted string"),
    "missing version": (lambda d: d.pop("version"), "version"),
    "unknown top key": (lambda d: d.update(extra=1), "unknown top-level keys: extra"),
    "unknown rule key": (lambda d: _rule(d, "work").update(accept=[]), "unknown keys"),
    "bad reason code": (
        lambda d: _rule(d, "work")["fail"].update(stable_job="Work Stable"),
        "snake_case",
    ),
    "duplicate id": (lambda d: _rule(d, "work").update(id="housing"), "used twice"),
    "no rules": (lambda d: d.update(rules=[]), "non-empty"),
    "list field": (lambda d: _rule(d, "work").update(field="trades"), "list answers"),
    "number without threshold": (
        lambda d: _rule(d, "adult").pop("at_least"),
        "at_least",
    ),
    "number with pass": (lambda d: _rule(d, "adult").update({"pass": []}), "unknown keys"),
    "optional not bool": (lambda d: _rule(d, "adult").update(optional="yes"), "optional"),
    "no unknown reason": (
        lambda d: _rule(d, "work").pop("unknown"),
        "review reason of a missing answer",
    ),
    "undeclared referral": (
        lambda d: d["referrals"]["housing_stable"].append("pole_emploi"),
        "unknown value 'pole_emploi'",
    ),
    "referral of no fail reason": (
        lambda d: d["referrals"].update(move_uncertain=["siao_115"]),
        "not a fail reason",
    ),
    "fail reason without referrals": (
        lambda d: d["referrals"].pop("work_stable"),
        "no entry for fail reasons: work_stable",
    ),
    "same code fails and reviews": (
        lambda d: _rule(d, "work")["fail"].update(stable_job="work_unknown"),
        "both to fail and to review",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_files_are_refused_clearly(tmp_path, case):
    change, message = CASES[case]
    path = _write(tmp_path, _broken(change))
    with pytest.raises(RulesError, match=re.escape(message)) as info:
        load_rules(path)
    assert str(path) in str(info.value)


def test_unreadable_or_not_yaml(tmp_path):
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(bad)
    with pytest.raises(RulesError, match="mapping"):
        parse_rules(["not", "a", "mapping"])


def test_a_new_rules_version_is_carried(tmp_path):
    data = copy.deepcopy(RAW)
    data["version"] = "2025.1"
    _rule(data, "mobility")["pass"] = ["yes", "maybe"]
    _rule(data, "mobility")["review"] = {}
    rules = load_rules(_write(tmp_path, data))
    verdict = evaluate(with_(ready_to_move="maybe"), rules)
    assert (verdict.result, verdict.rules_version) == ("eligible", "2025.1")
