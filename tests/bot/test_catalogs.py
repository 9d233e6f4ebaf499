"""scripts/catalogs.py: extract, update, compile and check, on scratch trees and the real one."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from babel.messages.pofile import read_po, write_po

from .conftest import FIXTURES, REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "catalogs.py"
_spec = importlib.util.spec_from_file_location("catalogs_script", SCRIPT)
assert _spec is not None and _spec.loader is not None
catalogs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(catalogs)


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run(command: str, root: Path) -> Result:
    """The command run in this process (a subprocess per call would be slow)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = catalogs.main([command, "--root", str(root)])
    return Result(code, out.getvalue(), err.getvalue())


def translate_all(root: Path, language: str = "fr") -> Path:
    """Fill one catalogue from the fixture translations."""
    po = root / "locales" / language / "LC_MESSAGES" / "messages.po"
    with (FIXTURES / "locales" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as stream:
        known = {(m.context, m.id): m.string for m in read_po(stream) if m.id}
    with po.open("rb") as stream:
        catalog = read_po(stream)
    for message in catalog:
        if message.id:
            message.string = known[(message.context, message.id)]
    with po.open("wb") as stream:
        write_po(stream, catalog, include_lineno=False)
    return po


def prepare(root: Path) -> Path:
    """Extract, update, and fill every complete language but the source (French words
    stand in for each: the check is about completeness, not wording)."""
    assert run("extract", root).returncode == 0
    assert run("update", root).returncode == 0
    table = yaml.safe_load((root / "locales" / "languages.yml").read_text(encoding="utf-8"))
    for language in table["languages"]:
        if language["complete"] and language["code"] not in ("fr", table["source"]):
            translate_all(root, language["code"])
    return translate_all(root)


def test_extract_update_check(catalog_root):
    prepare(catalog_root)
    result = run("check", catalog_root)
    assert result.returncode == 0, result.stderr
    pot = (catalog_root / "locales" / "messages.pot").read_text(encoding="utf-8")
    assert 'msgctxt "utter_menu|button"' in pot
    assert "POT-Creation-Date" not in pot
    for code in ("fr", "en", "ar", "prs", "ps", "ti", "uk", "ru", "bn"):
        assert (catalog_root / "locales" / code / "LC_MESSAGES" / "messages.po").exists()


def test_extract_and_update_change_nothing_when_nothing_changed(catalog_root):
    prepare(catalog_root)
    # A translator's tool may rewrite the header: the first update settles it.
    assert run("update", catalog_root).returncode == 0
    before = {p: p.read_bytes() for p in (catalog_root / "locales").rglob("*.po*")}
    assert "unchanged" in run("extract", catalog_root).stdout
    assert run("update", catalog_root).returncode == 0
    after = {p: p.read_bytes() for p in (catalog_root / "locales").rglob("*.po*")}
    assert after == before


def test_update_keeps_translations_and_adds_new_texts(catalog_root):
    po = prepare(catalog_root)
    domain = catalog_root / "domain.yml"
    domain.write_text(
        domain.read_text(encoding="utf-8") + '\n  utter_new:\n    - text: "A new text."\n',
        encoding="utf-8",
    )
    assert run("extract", catalog_root).returncode == 0
    assert run("update", catalog_root).returncode == 0
    with po.open("rb") as stream:
        catalog = read_po(stream)
    assert catalog.get("What would you like to do?", context="utter_menu").string == (
        "Que voulez-vous faire ?"
    )
    new = catalog.get("A new text.", context="utter_new")
    assert new is not None and new.string == "" and not new.fuzzy
    result = run("check", catalog_root)
    assert result.returncode == 1
    assert "fr: [utter_new] 'A new text.' is not translated" in result.stderr
    # English is the source: an empty msgstr is complete.
    assert "en:" not in result.stderr


def test_check_fails_on_a_stale_template(catalog_root):
    prepare(catalog_root)
    domain = catalog_root / "domain.yml"
    domain.write_text(
        domain.read_text(encoding="utf-8").replace("What would you like to do?", "What now?"),
        encoding="utf-8",
    )
    result = run("check", catalog_root)
    assert result.returncode == 1
    assert "messages.pot is stale" in result.stderr


def test_check_fails_on_a_missing_french_translation(catalog_root):
    po = prepare(catalog_root)
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Que voulez-vous faire ?"', 'msgstr ""'), encoding="utf-8")
    result = run("check", catalog_root)
    assert result.returncode == 1
    assert "fr: [utter_menu] 'What would you like to do?' is not translated" in result.stderr


def test_check_fails_on_a_fuzzy_translation(catalog_root):
    po = prepare(catalog_root)
    text = po.read_text(encoding="utf-8")
    po.write_text(
        text.replace('msgctxt "utter_menu"\n', '#, fuzzy\nmsgctxt "utter_menu"\n', 1),
        encoding="utf-8",
    )
    result = run("check", catalog_root)
    assert result.returncode == 1
    assert "is fuzzy" in result.stderr


def test_check_fails_on_changed_placeholders(catalog_root):
    po = prepare(catalog_root)
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace("Bonjour {first_name}", "Bonjour {prenom}"), encoding="utf-8")
    result = run("check", catalog_root)
    assert result.returncode == 1
    assert "placeholders ['prenom'] in the translation, ['first_name'] expected" in result.stderr


def test_check_fails_without_the_template(catalog_root):
    result = run("check", catalog_root)
    assert result.returncode == 1
    assert "messages.pot is missing" in result.stderr


def test_compile_writes_mo_files(catalog_root):
    prepare(catalog_root)
    result = run("compile", catalog_root)
    assert result.returncode == 0, result.stderr
    assert (catalog_root / "locales" / "fr" / "LC_MESSAGES" / "messages.mo").stat().st_size > 0
    assert "fr/LC_MESSAGES/messages.mo: 23/23 translated" in result.stdout


def test_check_passes_on_the_repository():
    # As the build runs it: the script itself, on the real domain.yml and locales/.
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
