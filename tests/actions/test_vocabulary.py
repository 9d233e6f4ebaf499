"""The assistant's copy of the vocabularies equals api/enums.py (read as text: no `api` import)."""

import ast
import typing
from pathlib import Path

import pytest

from actions import vocabulary
from actions.eligibility import VerdictResult, default_rules
from common.paths import PROJECT_ROOT

API = PROJECT_ROOT / "api"
# Enumerations of the API the assistant has no business with.
NOT_MIRRORED = {"Scope"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _api_enums() -> dict[str, tuple[str, ...]]:
    """Every `class X(StrEnum)` of api/enums.py with its values, in order."""
    enums: dict[str, tuple[str, ...]] = {}
    for node in _tree(API / "enums.py").body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
        if not bases & {"StrEnum", "Enum"} or node.name == "StrEnum":
            continue
        values = []
        for stmt in node.body:
            if (
                isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                values.append(stmt.value.value)
        enums[node.name] = tuple(values)
    return enums


def _class_annotations(path: Path, class_name: str) -> dict[str, str]:
    """Field name -> annotation source of a class (Mapped[...] unwrapped)."""
    for node in _tree(path).body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            fields = {}
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    annotation = stmt.annotation
                    if (
                        isinstance(annotation, ast.Subscript)
                        and isinstance(annotation.value, ast.Name)
                        and annotation.value.id == "Mapped"
                    ):
                        annotation = annotation.slice
                    fields[stmt.target.id] = ast.unparse(annotation)
            return fields
    raise AssertionError(f"no class {class_name} in {path}")


API_ENUMS = _api_enums()


def test_api_enums_were_found():
    # Guards the parser itself: an empty result would make the other tests vacuous.
    assert {"Language", "HousingSituation", "Verdict", "Scope"} <= set(API_ENUMS)
    assert API_ENUMS["Language"][0] == "fr"


def test_every_api_enum_is_mirrored_and_nothing_else():
    assert set(vocabulary.ENUMS) == set(API_ENUMS) - NOT_MIRRORED


@pytest.mark.parametrize("name", sorted(set(API_ENUMS) - NOT_MIRRORED))
def test_values_and_order_equal_api(name):
    assert vocabulary.ENUMS[name] == API_ENUMS[name], (
        f"actions/vocabulary.py {name} differs from api/enums.py: copy the values over"
    )


def test_values_are_unique():
    for name, values in vocabulary.ENUMS.items():
        assert len(set(values)) == len(values), name


def test_verdict_literal_matches_vocabulary():
    assert typing.get_args(VerdictResult) == vocabulary.VERDICT


def _enum_of(annotation: str) -> str:
    return annotation.replace(" | None", "")


def test_answer_fields_use_the_model_enums():
    """api/models/application.py stores each choice answer with the enum mirrored here."""
    columns = _class_annotations(API / "models" / "application.py", "Application")
    for field, values in vocabulary.ANSWER_CHOICES.items():
        assert vocabulary.ENUMS[_enum_of(columns[field])] == values, field
    for field in vocabulary.ANSWER_NUMBERS:
        assert _enum_of(columns[field]) == "int", field


def test_answer_fields_equal_the_api_schema():
    """The `answers` object the API accepts has exactly these fields and vocabularies."""
    path = API / "schemas" / "applications.py"
    if not path.exists():
        pytest.skip("api/schemas/applications.py not written yet")
    fields = _class_annotations(path, "Answers")
    assert set(fields) == set(vocabulary.ANSWER_FIELDS)
    for field, values in vocabulary.ANSWER_CHOICES.items():
        assert vocabulary.ENUMS[_enum_of(fields[field])] == values, field
    for field, values in vocabulary.ANSWER_LISTS.items():
        inner = fields[field].split("list[", 1)[1].split("]", 1)[0]
        assert vocabulary.ENUMS[inner] == values, field


def test_rules_cover_the_vocabulary():
    """Loading validates that each choice rule sorts every value of its field."""
    rules = default_rules()
    for rule in rules.rules:
        if rule.at_least is None:
            sorted_values = rule.passing | set(rule.review) | set(rule.fail)
            assert sorted_values == set(vocabulary.ANSWER_CHOICES[rule.field])
