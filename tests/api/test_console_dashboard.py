"""The console's dashboard: its figures match the applications the test seeded."""

import re
from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from api.models import StatusChange
from api.models.base import utcnow
from api.services.dashboard import add_working_days
from tests.api.application_helpers import create, set_dates
from tests.api.test_console import (  # noqa: F401 (the fixture that lets `signed_in` work)
    CONSOLE,
    _test_session,
    signed_in,
    text,
)

PARIS = ZoneInfo("Europe/Paris")
DASHBOARD = f"{CONSOLE}/tableau-de-bord"


def figures(page: str, table: str) -> dict[str, int]:
    """The rows of one of the tables beside the charts: {label: count}."""
    body = page.split(f'id="{table}-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row">([^<]*)</th><td class="number" data-value="(\d+)"', body)
    return {name: int(count) for name, count in rows}


def seed(client, session, assistant_headers, operator_headers):
    """Five applications at known moments; two picked up (one in time, one late)."""
    now = utcnow()
    monday = (now.astimezone(PARIS) - timedelta(weeks=3)).date()
    monday -= timedelta(days=monday.weekday())
    at_ten = lambda day: datetime.combine(day, time(10), tzinfo=PARIS)  # noqa: E731
    plan = [
        # language, territories, arrival, picked up after
        ("fr", ["cantal"], at_ten(monday), timedelta(days=1)),  # Tuesday: in time
        ("fr", ["allier"], at_ten(monday + timedelta(days=4)), timedelta(days=5)),  # Wed: late
        ("ar", ["cantal"], now - timedelta(days=10), None),
        ("en", ["cantal", "allier"], now - timedelta(hours=1), None),  # not due yet
        ("uk", ["allier"], now - timedelta(days=30), None),
    ]
    made = []
    for language, territories, arrival, picked_up in plan:
        created = create(
            client, assistant_headers, language=language, territory_preferences=territories
        )
        set_dates(session, created["reference"], created_at=arrival)
        if picked_up is not None:
            moved = client.post(
                f"/api/v1/applications/{created['reference']}/status",
                json={"status": "contacted"},
                headers=operator_headers,
            )
            assert moved.status_code == 200, moved.text
            change = session.scalars(
                select(StatusChange).order_by(StatusChange.id.desc()).limit(1)
            ).one()
            change.at = arrival + picked_up
            session.commit()
        made.append(created)
    return made, monday


def test_the_dashboard_counts_what_was_seeded(client, session, assistant_headers, operator_headers):
    made, monday = seed(client, session, assistant_headers, operator_headers)
    signed_in(client, operator_headers)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    page = text(response)
    assert "<svg" in page and "<script" not in page
    weeks = figures(page, "weeks")
    assert len(weeks) == 12
    assert weeks[monday.strftime("%d/%m/%Y")] == 2
    assert sum(weeks.values()) == 5
    verdicts = Counter(a["verdict"]["result"] for a in made)
    labels = {"eligible": "Éligible", "to_review": "À examiner", "not_eligible": "Non éligible"}
    assert figures(page, "verdicts") == {labels[v]: verdicts[v] for v in labels}
    assert figures(page, "territories") == {"Cantal": 3, "Allier": 3}
    languages = figures(page, "languages")
    assert (languages["Français"], languages["Arabe"], languages["Anglais"]) == (2, 1, 1)
    assert languages["Ukrainien"] == 1
    # Due: every one but the application of an hour ago; in time: the first only.
    assert "25 %" in page and "(1 sur 4)" in page
    # Still new: 1 hour, 10 days and 30 days: the median is 10 days.
    assert "10,0 jours" in page and "(3 en attente)" in page


def test_an_operator_of_one_territory_sees_its_figures_only(
    client, session, assistant_headers, operator_headers, make_key
):
    seed(client, session, assistant_headers, operator_headers)
    signed_in(client, make_key("operator", name="op-cantal-dash", territories=["cantal"]))

    page = text(client.get(DASHBOARD))

    assert "Sur les 3 candidatures" in page
    assert figures(page, "territories") == {"Cantal": 3}


def test_two_working_days_skip_the_weekend():
    friday = datetime(2026, 11, 27, 10, tzinfo=PARIS)
    assert add_working_days(friday, 2) == datetime(2026, 12, 1, 10, tzinfo=PARIS)
    saturday = friday + timedelta(days=1)
    assert add_working_days(saturday, 2).date() == datetime(2026, 12, 1).date()
