"""`emile-api` create-key, revoke-key and purge against a real database."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import cli
from api.enums import (
    Channel,
    DrivingLicence,
    FrenchLevel,
    HousingSituation,
    Language,
    ReadyToMove,
    ResidenceArea,
    RightToWork,
    Verdict,
    WorkSituation,
)
from api.models import ApiKey, Application, AuditEntry
from api.models.base import utcnow
from api.security import secret_matches, split_token
from tests.api.conftest import BACKENDS, migrated_database


@pytest.fixture(params=BACKENDS)
def cli_db(request, tmp_path, monkeypatch):
    """A fresh migrated database that `emile-api` is pointed at."""
    db, cleanup = migrated_database(request.param, tmp_path)
    monkeypatch.setattr(cli, "get_settings", lambda: db.settings)
    yield db
    cleanup()


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def add_application(session, reference, days_since_contact):
    session.add(
        Application(
            reference=reference,
            first_name="Old",
            last_name="File",
            phone="+33612345678",
            language=Language.fr,
            channel=Channel.sms,
            consent_at=utcnow() - timedelta(days=days_since_contact),
            residence_area=ResidenceArea.ile_de_france,
            housing_situation=HousingSituation.street,
            right_to_work=RightToWork.yes,
            work_situation=WorkSituation.unemployed,
            ready_to_move=ReadyToMove.yes,
            adults=1,
            children=0,
            driving_licence=DrivingLicence.no,
            french_level=FrenchLevel.basic,
            verdict=Verdict.eligible,
            rules_version="2024.1",
            last_contact_at=utcnow() - timedelta(days=days_since_contact),
        )
    )


def test_create_key_prints_a_working_token_once(cli_db, capsys):
    code, out, _ = run(
        capsys, "create-key", "operator-cantal", "--role", "operator", "--territory", "cantal"
    )

    assert code == 0
    token = out.strip().splitlines()[-1]
    with Session(cli_db.engine) as s:
        key = s.scalar(select(ApiKey).where(ApiKey.name == "operator-cantal"))
        prefix, secret = split_token(token)
        assert key.prefix == prefix and secret_matches(secret, key.secret_hash)
        assert key.territories == ["cantal"]
        assert "applications:read" in key.scopes


def test_create_key_token_only_and_refusals(cli_db, capsys):
    code, out, _ = run(capsys, "create-key", "bot", "--role", "assistant", "--token-only")
    assert code == 0 and out.startswith("emk_") and len(out.strip().splitlines()) == 1

    code, _, err = run(capsys, "create-key", "bot", "--role", "assistant")
    assert code == 2 and "already exists" in err
    code, _, err = run(capsys, "create-key", "x", "--role", "operator", "--territory", "atlantis")
    assert code == 2 and "atlantis" in err


def test_revoke_key(cli_db, capsys):
    run(capsys, "create-key", "leaving", "--role", "operator")

    code, out, _ = run(capsys, "revoke-key", "leaving")

    assert code == 0 and "revoked" in out
    with Session(cli_db.engine) as s:
        assert s.scalar(select(ApiKey.revoked_at).where(ApiKey.name == "leaving")) is not None
    code, _, err = run(capsys, "revoke-key", "nobody")
    assert code == 2 and "nobody" in err


def test_purge_erases_only_old_applications(cli_db, capsys):
    with Session(cli_db.engine) as s:
        add_application(s, "OLD234", 800)
        add_application(s, "NEW234", 30)
        s.commit()

    code, out, _ = run(capsys, "purge", "--dry-run")
    assert code == 0 and out.startswith("1 applications") and "would be erased" in out
    with Session(cli_db.engine) as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 2

    code, out, _ = run(capsys, "purge")
    assert code == 0 and out.startswith("1 applications")
    with Session(cli_db.engine) as s:
        assert list(s.scalars(select(Application.reference))) == ["NEW234"]
        assert s.scalar(select(AuditEntry.detail)) == "requested by retention"

    code, out, _ = run(capsys, "purge", "--days", "10")
    assert code == 0 and out.startswith("1 applications")


def test_create_account_then_disable_it(cli_db, capsys, monkeypatch):
    import io

    from api.models import Account
    from api.services.accounts import sign_in

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(
        capsys, "create-account", "Ada@Example.org", "--role", "admin", "--password-stdin"
    )
    assert code == 2 and "12 characters" in err

    monkeypatch.setattr("sys.stdin", io.StringIO("first admin password\n"))
    code, out, _ = run(
        capsys,
        "create-account",
        "Ada@Example.org",
        "--role",
        "admin",
        "--name",
        "Ada",
        "--password-stdin",
    )
    assert code == 0 and "ada@example.org created (admin)" in out
    with Session(cli_db.engine) as session:
        account = session.scalar(select(Account))
        assert (account.email, account.name, account.role) == ("ada@example.org", "Ada", "admin")
        assert "first admin password" not in account.password_hash
        result = sign_in(
            session,
            "ada@example.org",
            "first admin password",
            attempts=5,
            lockout=timedelta(minutes=1),
            session_length=timedelta(hours=1),
        )
        assert result.token is not None
        session.commit()

    code, out, _ = run(capsys, "disable-account", "ada@example.org")
    assert code == 0
    with Session(cli_db.engine) as session:
        assert session.scalar(select(Account)).disabled_at is not None
    assert run(capsys, "disable-account", "nobody@example.org")[0] == 2
