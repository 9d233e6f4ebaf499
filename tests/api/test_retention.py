"""The retention purge erases applications with no contact for the retention period."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from api.models import Application, AuditEntry
from api.models.base import utcnow
from api.services.retention import purge_expired
from tests.api.application_helpers import count_applications, create, set_dates


@pytest.fixture
def ages(client, session, assistant_headers):
    """Three applications last contacted 800, 731 and 10 days ago."""
    refs = {}
    for days in (800, 731, 10):
        reference = create(client, assistant_headers)["reference"]
        set_dates(session, reference, last_contact_at=utcnow() - timedelta(days=days))
        refs[days] = reference
    return refs


def remaining(session):
    return set(session.scalars(select(Application.reference)))


def test_a_dry_run_counts_without_erasing(session, ages):
    assert purge_expired(session, days=730, dry_run=True) == 2
    assert count_applications(session) == 3


def test_only_applications_past_the_retention_period_are_erased(session, ages):
    assert purge_expired(session, days=730) == 2

    assert remaining(session) == {ages[10]}
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).all()
    assert [(e.actor, e.detail) for e in entries] == [("retention", "requested by retention")] * 2
    assert purge_expired(session, days=730) == 0


def test_a_shorter_period_reaches_further(session, ages):
    assert purge_expired(session, days=5) == 3
    assert count_applications(session) == 0


def test_a_status_change_counts_as_contact(client, session, ages, operator_headers):
    client.post(
        f"/api/v1/applications/{ages[800]}/status",
        json={"status": "contacted"},
        headers=operator_headers,
    )

    assert purge_expired(session, days=730) == 1
    assert remaining(session) == {ages[800], ages[10]}


def test_a_period_under_a_day_is_refused(session, ages):
    with pytest.raises(ValueError):
        purge_expired(session, days=0)
    assert count_applications(session) == 3
