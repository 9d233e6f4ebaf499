"""`emile-api seed-territories` and `seed-workshops` on a fresh database: safe to run again."""

from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import cli
from api.enums import Audience
from api.models import Territory, Workshop
from tests.api.conftest import BACKENDS, TERRITORIES_FILE, migrated_database


@pytest.fixture(params=BACKENDS)
def fresh_db(request, tmp_path, monkeypatch):
    """A migrated database of its own that the commands see as their configured one."""
    db, cleanup = migrated_database(request.param, tmp_path)
    monkeypatch.setattr(cli, "get_settings", lambda: db.settings)
    yield db
    cleanup()


def _count(db, model):
    with Session(db.engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def _edited_file(tmp_path: Path, edit) -> str:
    document = yaml.safe_load(TERRITORIES_FILE.read_text(encoding="utf-8"))
    edit(document["territories"])
    path = tmp_path / "territories.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_seeding_territories_twice_gives_the_same_catalogue(fresh_db, capsys):
    expected = len(yaml.safe_load(TERRITORIES_FILE.read_text(encoding="utf-8"))["territories"])
    for _ in range(2):
        assert cli.main(["seed-territories"]) == 0
        assert f"{expected} territories loaded" in capsys.readouterr().out
        assert _count(fresh_db, Territory) == expected


def test_reseeding_applies_an_edited_file(fresh_db, tmp_path):
    def close_cantal(territories):
        cantal = next(t for t in territories if t["code"] == "cantal")
        cantal["active"] = False
        cantal["operator_name"] = None

    path = _edited_file(tmp_path, close_cantal)
    assert cli.main(["seed-territories", "--file", path]) == 0
    with Session(fresh_db.engine) as session:
        cantal = session.get(Territory, "cantal")
        assert (cantal.active, cantal.operator_name) == (False, None)


def test_a_bad_file_is_refused_with_a_clear_error_and_changes_nothing(fresh_db, tmp_path, capsys):
    def break_it(territories):
        territories[0]["sectors_hiring"] = ["rocket_science"]
        territories[0]["name"] = "Changed"
        del territories[1]["region"]

    path = _edited_file(tmp_path, break_it)
    assert cli.main(["seed-territories", "--file", path]) == 2
    error = capsys.readouterr().err
    assert "unknown sector 'rocket_science'" in error
    assert "territory #1 (ain)" in error
    assert "territory #2 (allier): region" in error
    with Session(fresh_db.engine) as session:
        assert session.get(Territory, "ain").name == "Ain"


def test_a_missing_file_is_a_clear_error(fresh_db, tmp_path, capsys):
    assert cli.main(["seed-territories", "--file", str(tmp_path / "nowhere.yml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_sample_workshops_are_added_once(fresh_db, capsys):
    assert cli.main(["seed-workshops"]) == 0
    added = _count(fresh_db, Workshop)
    assert added >= 2
    assert f"{added} sample workshops added" in capsys.readouterr().out

    assert cli.main(["seed-workshops"]) == 0
    assert "0 sample workshops added" in capsys.readouterr().out
    assert _count(fresh_db, Workshop) == added

    with Session(fresh_db.engine) as session:
        workshops = session.scalars(select(Workshop)).all()
    now = datetime.now(timezone.utc)
    assert all(w.starts_at > now and w.seats_taken == 0 for w in workshops)
    assert {w.audience for w in workshops} == {Audience.professionals, Audience.candidates}
    assert any(w.online_url for w in workshops)
    assert any(w.place and "Paris" in w.place for w in workshops)
