"""The CSV export opens as-is in a French spreadsheet and cannot smuggle in formulas."""

import csv
import io
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from api.models import Application
from tests.api.application_helpers import create, set_dates

EXPORT = "/api/v1/applications/export.csv"


def parse(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def as_dicts(rows):
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def test_the_file_is_utf8_with_bom_semicolons_and_crlf(client, assistant_headers, operator_headers):
    create(client, assistant_headers, first_name="Hélène", last_name="Çelik")

    response = client.get(EXPORT, headers=operator_headers)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = response.content.split(b"\r\n")
    assert len(lines) == 3 and lines[-1] == b""
    assert b"\n" not in lines[0] + lines[1]
    [row] = as_dicts(parse(response))
    assert (row["Prénom"], row["Nom"]) == ("Hélène", "Çelik")


def test_headers_are_in_french(client, operator_headers):
    header = parse(client.get(EXPORT, headers=operator_headers))[0]

    assert header[:6] == [
        "Référence",
        "Statut",
        "Date de candidature",
        "Prénom",
        "Nom",
        "Téléphone",
    ]
    assert "Territoires souhaités" in header
    assert "Pré-qualification" in header


def test_dates_are_in_paris_time_day_first(client, session, assistant_headers, operator_headers):
    summer = create(client, assistant_headers)["reference"]
    winter = create(client, assistant_headers)["reference"]
    set_dates(session, summer, created_at=datetime(2026, 7, 1, 22, 30, tzinfo=timezone.utc))
    set_dates(session, winter, created_at=datetime(2026, 1, 5, 8, 5, tzinfo=timezone.utc))

    rows = {
        r["Référence"]: r for r in as_dicts(parse(client.get(EXPORT, headers=operator_headers)))
    }

    assert rows[summer]["Date de candidature"] == "02/07/2026 00:30"
    assert rows[winter]["Date de candidature"] == "05/01/2026 09:05"


def test_lists_are_joined_with_commas(client, assistant_headers, operator_headers):
    create(
        client,
        assistant_headers,
        territory_preferences=["lozere", "cantal"],
        answers__trades=["building", "cleaning"],
        verdict__reasons=["right_to_work_pending", "french_level_low"],
    )

    [row] = as_dicts(parse(client.get(EXPORT, headers=operator_headers)))

    assert row["Territoires souhaités"] == "lozere, cantal"
    assert row["Métiers"] == "building, cleaning"
    assert row["Motifs"] == "right_to_work_pending, french_level_low"


@pytest.mark.parametrize(
    ("typed", "exported"),
    [
        ('=HYPERLINK("http://evil.example","clic")', '\'=HYPERLINK("http://evil.example","clic")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("Jean-Pierre", "Jean-Pierre"),
    ],
)
def test_formulas_are_neutralised(client, assistant_headers, operator_headers, typed, exported):
    create(client, assistant_headers, last_name=typed)

    [row] = as_dicts(parse(client.get(EXPORT, headers=operator_headers)))

    assert row["Nom"] == exported


def test_the_phone_is_kept_as_text(client, assistant_headers, operator_headers):
    create(client, assistant_headers, phone="06 12 34 56 78")

    [row] = as_dicts(parse(client.get(EXPORT, headers=operator_headers)))

    assert row["Téléphone"] == "'+33612345678"


def test_the_export_takes_the_list_filters(client, assistant_headers, operator_headers):
    kept = create(client, assistant_headers, language="ar", territory_preferences=["lozere"])
    create(client, assistant_headers, language="fr")

    rows = as_dicts(parse(client.get(f"{EXPORT}?language=ar", headers=operator_headers)))
    none = parse(client.get(f"{EXPORT}?territory=lot", headers=operator_headers))

    assert [r["Référence"] for r in rows] == [kept["reference"]]
    assert len(none) == 1


def test_a_large_export_is_streamed_in_full(client, session, assistant_headers, operator_headers):
    template = create(client, assistant_headers)
    stored = session.scalar(
        select(Application).where(Application.reference == template["reference"])
    )
    columns = [c.key for c in Application.__table__.columns if c.key not in ("id", "reference")]
    references = {template["reference"]}
    for number in range(1, 1100):
        reference = f"T{number:05d}"
        session.add(Application(reference=reference, **{c: getattr(stored, c) for c in columns}))
        references.add(reference)
    session.commit()

    rows = as_dicts(parse(client.get(EXPORT, headers=operator_headers)))

    assert {r["Référence"] for r in rows} == references


def test_bad_filters_are_a_422(client, operator_headers):
    response = client.get(f"{EXPORT}?created_from=yesterday", headers=operator_headers)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")
