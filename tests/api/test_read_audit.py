"""Reads are audited in batches and API keys are checked once per few seconds, on a real
server: nothing read goes unlogged, the log keeps the order things happened in, and a
revoked key stops working."""

import time

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.audit import ReadAudit
from api.key_cache import PrincipalCache
from api.models import ApiKey, AuditEntry
from api.models.base import utcnow
from api.security import Principal
from tests.api.application_helpers import body

# Longer than any test: entries reach the database only by a flush (shutdown, audit read).
NEVER = 600_000


def _apply(client: httpx.Client, assistant: dict[str, str]) -> str:
    response = client.post(
        "/api/v1/applications",
        json=body(),
        headers={**assistant, "Idempotency-Key": f"audit-{time.time_ns()}"},
    )
    assert response.status_code == 201, response.text
    reference: str = response.json()["reference"]
    return reference


def _read_entries(live_server) -> list[tuple[str, str]]:
    with Session(live_server.database.engine) as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.resource).order_by(AuditEntry.id))
        return [(r.action, r.resource) for r in rows]


@pytest.mark.live_settings(audit_batch_ms=NEVER)
def test_reads_still_waiting_for_their_batch_are_written_when_the_server_stops(live_server):
    assistant, operator = live_server.key("assistant"), live_server.key("operator")
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        reference = _apply(client, assistant)
        for _ in range(5):
            assert client.get("/api/v1/applications", headers=operator).status_code == 200
        assert client.get(f"/api/v1/applications/{reference}", headers=operator).is_success
    assert ("list", "application") not in _read_entries(live_server)

    live_server.stop()
    logged = _read_entries(live_server)
    assert logged.count(("list", "application")) == 5
    assert logged.count(("read", "application")) == 1


@pytest.mark.live_settings(audit_batch_ms=NEVER)
def test_the_audit_log_shows_a_read_before_the_change_that_followed_it(live_server):
    assistant, operator = live_server.key("assistant"), live_server.key("operator")
    admin = live_server.key("admin")
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        reference = _apply(client, assistant)
        assert client.get(f"/api/v1/applications/{reference}", headers=operator).is_success
        changed = client.post(
            f"/api/v1/applications/{reference}/status",
            json={"status": "contacted", "note": "appel"},
            headers=operator,
        )
        assert changed.status_code == 200
        log = client.get("/api/v1/audit", headers=admin).json()["items"]
    newest_first = [e["action"] for e in log if e["resource"] == "application"]
    assert newest_first == ["status_change", "read", "create"]


def test_read_entries_reach_the_database_without_anyone_asking(live_server):
    operator = live_server.key("operator")
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        for _ in range(3):
            assert client.get("/api/v1/applications", headers=operator).status_code == 200
    deadline = time.monotonic() + 10
    while _read_entries(live_server).count(("list", "application")) < 3:
        assert time.monotonic() < deadline, "the read entries were never written"
        time.sleep(0.05)


@pytest.mark.live_settings(key_cache_seconds=0.2)
def test_a_key_revoked_by_another_process_stops_working_after_the_cache_time(live_server):
    operator = live_server.key("operator")
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        assert client.get("/api/v1/applications", headers=operator).status_code == 200
        # What `emile-api revoke-key` does, from outside the server process.
        with Session(live_server.database.engine) as s:
            s.execute(update(ApiKey).where(ApiKey.revoked_at.is_(None)).values(revoked_at=utcnow()))
            s.commit()
        time.sleep(0.3)
        assert client.get("/api/v1/applications", headers=operator).status_code == 401


def test_a_key_revoked_through_the_api_is_refused_at_once(live_server):
    operator, admin = live_server.key("operator"), live_server.key("admin")
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        assert client.get("/api/v1/applications", headers=operator).status_code == 200
        # Listed by id: the operator's key was made first.
        key_id = client.get("/api/v1/keys", headers=admin).json()[0]["id"]
        assert client.post(f"/api/v1/keys/{key_id}/revocation", headers=admin).is_success
        assert client.get("/api/v1/applications", headers=operator).status_code == 401


# -- the two pieces on their own ------------------------------------------------------------

PRINCIPAL = Principal(key_id=7, name="op", scopes=frozenset(), territories=None)


def test_the_key_cache_forgets_a_revoked_key_and_expired_checks():
    cache = PrincipalCache(ttl_seconds=60)
    cache.put("emk_a_secret", PRINCIPAL)
    assert cache.get("emk_a_secret") == PRINCIPAL
    assert cache.get("emk_a_other") is None
    cache.forget(7)
    assert cache.get("emk_a_secret") is None

    expired = PrincipalCache(ttl_seconds=0.01)
    expired.put("emk_a_secret", PRINCIPAL)
    time.sleep(0.02)
    assert expired.get("emk_a_secret") is None
    assert PrincipalCache(ttl_seconds=0).get("emk_a_secret") is None


def test_the_key_cache_holds_a_bounded_number_of_keys():
    cache = PrincipalCache(ttl_seconds=60, size=2)
    for token in ("emk_a_1", "emk_a_2", "emk_a_3"):
        cache.put(token, PRINCIPAL)
    assert [cache.get(t) is not None for t in ("emk_a_1", "emk_a_2", "emk_a_3")] == [
        False,
        True,
        True,
    ]


def test_read_entries_refused_by_the_database_are_kept_and_written_later(database):
    class Flaky:
        """A session factory whose database is down until `up` is set."""

        up = False

        def __call__(self) -> Session:
            if not self.up:
                raise ConnectionError("database down")
            return Session(database.engine)

    sessions = Flaky()
    audit = ReadAudit(sessions, batch_seconds=NEVER / 1000)
    with Session(database.engine) as s:
        before = s.scalar(select(func.count()).select_from(AuditEntry))
    audit.add("op", "read", "application", 1)
    audit.add("op", "list", "application")
    with pytest.raises(ConnectionError):
        audit.flush()
    sessions.up = True
    assert audit.flush() == 2
    audit.close()
    with Session(database.engine) as s:
        after = s.scalar(select(func.count()).select_from(AuditEntry))
        s.execute(AuditEntry.__table__.delete().where(AuditEntry.actor == "op"))
        s.commit()
    assert after == before + 2
