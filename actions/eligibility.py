"""Eligibility pre-qualification: rules read from data, one pure evaluator, reason codes."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, TypedDict

import yaml

from actions.vocabulary import ANSWER_CHOICES, ANSWER_LISTS, ANSWER_NUMBERS
from common.paths import PROJECT_ROOT

DEFAULT_RULES_PATH: Final = PROJECT_ROOT / "data" / "eligibility_rules.yml"

VerdictResult = Literal["eligible", "to_review", "not_eligible"]
ELIGIBLE: Final = "eligible"
TO_REVIEW: Final = "to_review"
NOT_ELIGIBLE: Final = "not_eligible"

# Reason and referral codes become response names (utter_reason_<code>) and must also fit
# the API's reason pattern, so they are plain snake_case identifiers.
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_TOP_KEYS: Final = frozenset({"version", "rules", "referral_codes", "referrals"})
_CHOICE_KEYS: Final = frozenset({"id", "field", "pass", "review", "fail", "unknown", "optional"})
_NUMBER_KEYS: Final = frozenset({"id", "field", "at_least", "below", "unknown", "optional"})


class RulesError(ValueError):
    """The rules file is malformed or names a field or value the vocabulary does not know."""


class VerdictPayload(TypedDict):
    """The `verdict` object of POST /applications."""

    result: VerdictResult
    reasons: list[str]
    rules_version: str


@dataclass(frozen=True)
class Rule:
    """One condition on one answer: which values pass, need a review, or fail (and why)."""

    id: str
    field: str
    passing: frozenset[str]
    review: Mapping[str, str]
    fail: Mapping[str, str]
    unknown_reason: str
    optional: bool = False
    # Number rules: the answer passes when it is at least this, else fails with `below_reason`.
    at_least: int | None = None
    below_reason: str | None = None


@dataclass(frozen=True)
class Rules:
    """A validated, versioned set of rules and the referral codes of each fail reason."""

    version: str
    rules: tuple[Rule, ...]
    referral_codes: tuple[str, ...]
    referrals: Mapping[str, tuple[str, ...]]

    @property
    def fail_reasons(self) -> tuple[str, ...]:
        """Every reason that makes a person not eligible, in rule order."""
        codes: list[str] = []
        for rule in self.rules:
            codes.extend(rule.fail.values())
            if rule.below_reason:
                codes.append(rule.below_reason)
        return tuple(dict.fromkeys(codes))

    @property
    def review_reasons(self) -> tuple[str, ...]:
        """Every reason that sends an application to an operator's review, in rule order."""
        codes: list[str] = []
        for rule in self.rules:
            codes.extend(rule.review.values())
            codes.append(rule.unknown_reason)
        return tuple(dict.fromkeys(codes))

    @property
    def reason_codes(self) -> tuple[str, ...]:
        """Every reason code (each needs a response `utter_reason_<code>`)."""
        return tuple(dict.fromkeys((*self.fail_reasons, *self.review_reasons)))


@dataclass(frozen=True)
class Verdict:
    """The pre-qualification of one set of answers, with its reasons and the rules version."""

    result: VerdictResult
    # Fail reasons first, then review reasons, each in the order the questions are asked.
    reasons: tuple[str, ...]
    rules_version: str
    # Where else to turn (referral codes), only when not eligible.
    referrals: tuple[str, ...] = ()

    def as_payload(self) -> VerdictPayload:
        """The verdict as POST /applications expects it."""
        return {
            "result": self.result,
            "reasons": list(self.reasons),
            "rules_version": self.rules_version,
        }


_Outcome = tuple[Literal["pass", "review", "fail"], str | None]
_PASS: Final[_Outcome] = ("pass", None)


def as_whole_number(value: object) -> int | None:
    """A whole number from a slot or entity value, or None (a boolean is not a number)."""
    # Rasa number slots hold floats (2.0) and entities may arrive as text ("2").
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _judge(rule: Rule, value: object) -> _Outcome:
    """What one rule says about one answer."""
    if _is_missing(value):
        return _PASS if rule.optional else ("review", rule.unknown_reason)
    if rule.at_least is not None:
        number = as_whole_number(value)
        if number is None:
            return ("review", rule.unknown_reason)
        return _PASS if number >= rule.at_least else ("fail", rule.below_reason)
    if not isinstance(value, str):
        return ("review", rule.unknown_reason)
    if value in rule.passing:
        return _PASS
    if value in rule.review:
        return ("review", rule.review[value])
    if value in rule.fail:
        return ("fail", rule.fail[value])
    # A value outside the vocabulary is a bug upstream, not the person's fault: an operator
    # looks at it rather than the machine refusing anyone.
    return ("review", rule.unknown_reason)


def evaluate(answers: Mapping[str, object], rules: Rules) -> Verdict:
    """The verdict for `answers` under `rules` (pure: no I/O, same input, same verdict).

    `answers` maps answer fields to slot values (vocabulary strings, numbers, lists, None);
    a missing or unreadable answer is reviewed, never refused.
    """
    failing: list[str] = []
    uncertain: list[str] = []
    for rule in rules.rules:
        outcome, reason = _judge(rule, answers.get(rule.field))
        if outcome == "fail" and reason is not None:
            failing.append(reason)
        elif outcome == "review" and reason is not None:
            uncertain.append(reason)
    fails = tuple(dict.fromkeys(failing))
    reviews = tuple(dict.fromkeys(uncertain))
    if fails:
        referrals = tuple(
            dict.fromkeys(code for reason in fails for code in rules.referrals.get(reason, ()))
        )
        # The person hears everything: what disqualifies and what would need checking.
        return Verdict(NOT_ELIGIBLE, fails + reviews, rules.version, referrals)
    if reviews:
        return Verdict(TO_REVIEW, reviews, rules.version)
    return Verdict(ELIGIBLE, (), rules.version)


# ---------------------------------------------------------------- loading and validation


def _fail(where: str, message: str) -> RulesError:
    return RulesError(f"{where}: {message}")


def _code(where: str, value: object, what: str) -> str:
    if not isinstance(value, str) or not _CODE.match(value):
        raise _fail(where, f"{what} must be a snake_case code (a-z, 0-9, _), not {value!r}")
    return value


def _values(where: str, raw: object, allowed: Sequence[str]) -> list[str]:
    if not isinstance(raw, list):
        raise _fail(where, f"expected a list of values, not {raw!r}")
    out: list[str] = []
    for item in raw:
        if isinstance(item, bool):
            raise _fail(where, f'{item!r} was read as a boolean: quote it ("yes", "no")')
        if item not in allowed:
            raise _fail(where, f"unknown value {item!r}; allowed: {', '.join(allowed)}")
        out.append(item)
    return out


def _value_reasons(where: str, raw: object, allowed: Sequence[str]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(where, f"expected a mapping value -> reason code, not {raw!r}")
    _values(where, list(raw), allowed)
    return {value: _code(f"{where}.{value}", reason, "reason") for value, reason in raw.items()}


def _rule(index: int, raw: object) -> Rule:
    where = f"rules[{index}]"
    if not isinstance(raw, dict):
        raise _fail(where, "each rule is a mapping")
    rule_id = _code(where, raw.get("id"), "id")
    where = f"rule {rule_id!r}"
    field = raw.get("field")
    optional = raw.get("optional", False)
    if not isinstance(optional, bool):
        raise _fail(where, "optional must be true or false")
    unknown = _code(where, raw.get("unknown"), "unknown (the review reason of a missing answer)")
    if field in ANSWER_NUMBERS:
        if extra := set(raw) - _NUMBER_KEYS:
            raise _fail(where, f"unknown keys for a number rule: {', '.join(sorted(extra))}")
        at_least = raw.get("at_least")
        if not isinstance(at_least, int) or isinstance(at_least, bool):
            raise _fail(where, "a rule on a number needs `at_least: <whole number>`")
        below = _code(where, raw.get("below"), "below (the fail reason)")
        return Rule(
            id=rule_id,
            field=field,
            passing=frozenset(),
            review=MappingProxyType({}),
            fail=MappingProxyType({}),
            unknown_reason=unknown,
            optional=optional,
            at_least=at_least,
            below_reason=below,
        )
    if field in ANSWER_LISTS:
        raise _fail(where, f"rules on list answers ({field}) are not supported")
    if not isinstance(field, str) or field not in ANSWER_CHOICES:
        known = ", ".join((*ANSWER_CHOICES, *ANSWER_NUMBERS))
        raise _fail(where, f"unknown field {field!r}; known: {known}")
    if extra := set(raw) - _CHOICE_KEYS:
        raise _fail(where, f"unknown keys for a choice rule: {', '.join(sorted(extra))}")
    allowed = ANSWER_CHOICES[field]
    passing = _values(f"{where}.pass", raw.get("pass", []), allowed)
    review = _value_reasons(f"{where}.review", raw.get("review"), allowed)
    fail = _value_reasons(f"{where}.fail", raw.get("fail"), allowed)
    seen: dict[str, int] = {}
    for value in (*passing, *review, *fail):
        seen[value] = seen.get(value, 0) + 1
    if twice := sorted(v for v, n in seen.items() if n > 1):
        raise _fail(where, f"values sorted more than once: {', '.join(twice)}")
    # Every value must be sorted explicitly: a value added to the vocabulary later must not
    # fall silently into "fail".
    if missing := [v for v in allowed if v not in seen]:
        raise _fail(where, f"values not sorted into pass/review/fail: {', '.join(missing)}")
    return Rule(
        id=rule_id,
        field=field,
        passing=frozenset(passing),
        review=MappingProxyType(review),
        fail=MappingProxyType(fail),
        unknown_reason=unknown,
        optional=optional,
    )


def _referrals(
    raw: object, declared: Sequence[str], fail_reasons: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise _fail("referrals", "expected a mapping fail reason -> list of referral codes")
    reasons = tuple(fail_reasons)
    out: dict[str, tuple[str, ...]] = {}
    for reason, codes in raw.items():
        if reason not in reasons:
            raise _fail("referrals", f"{reason!r} is not a fail reason of any rule")
        out[reason] = tuple(_values(f"referrals.{reason}", codes, declared))
    if missing := [r for r in reasons if r not in out]:
        raise _fail("referrals", f"no entry for fail reasons: {', '.join(missing)} (use [])")
    return out


def parse_rules(data: Any) -> Rules:
    """Validate the content of a rules file (already parsed from YAML)."""
    if not isinstance(data, dict):
        raise RulesError("the rules file must be a mapping")
    if extra := set(data) - _TOP_KEYS:
        raise RulesError(f"unknown top-level keys: {', '.join(sorted(map(str, extra)))}")
    version = data.get("version")
    if not isinstance(version, str) or not _VERSION.match(version):
        raise RulesError(f'version must be a quoted string such as "2024.1", not {version!r}')
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesError("rules must be a non-empty list")
    rules = tuple(_rule(i, raw) for i, raw in enumerate(raw_rules))
    ids = [r.id for r in rules]
    if dup := sorted({i for i in ids if ids.count(i) > 1}):
        raise RulesError(f"rule ids used twice: {', '.join(dup)}")
    raw_codes = data.get("referral_codes", [])
    if not isinstance(raw_codes, list):
        raise RulesError("referral_codes must be a list")
    declared = tuple(_code("referral_codes", c, "referral code") for c in raw_codes)
    partial = Rules(version, rules, declared, MappingProxyType({}))
    overlap = set(partial.fail_reasons) & set(partial.review_reasons)
    if overlap:
        raise RulesError(f"codes used both to fail and to review: {', '.join(sorted(overlap))}")
    referrals = _referrals(data.get("referrals", {}), declared, partial.fail_reasons)
    return Rules(version, rules, declared, MappingProxyType(referrals))


def load_rules(path: str | Path = DEFAULT_RULES_PATH) -> Rules:
    """Read and validate a rules file; a RulesError names the file and what is wrong."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: cannot read the rules: {exc}") from exc
    try:
        return parse_rules(data)
    except RulesError as exc:
        raise RulesError(f"{path}: {exc}") from None


@functools.lru_cache(maxsize=1)
def default_rules() -> Rules:
    """The rules of data/eligibility_rules.yml, read once per process."""
    return load_rules(DEFAULT_RULES_PATH)
