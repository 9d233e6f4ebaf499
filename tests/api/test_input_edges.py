"""Inputs that used to slip through: a shared Idempotency-Key, booleans as counts, names
made of invisible or direction-changing characters."""

import uuid

import pytest

from tests.api.application_helpers import body, create


def test_an_idempotency_key_belongs_to_the_api_key_that_sent_it(client, make_key, operator_headers):
    first_bot, second_bot = make_key("assistant"), make_key("assistant")
    data = body(first_name="Yasmine")
    key = uuid.uuid4().hex

    first = client.post(
        "/api/v1/applications", json=data, headers={**first_bot, "Idempotency-Key": key}
    )
    second = client.post(
        "/api/v1/applications",
        json=body(first_name="Bilal"),
        headers={**second_bot, "Idempotency-Key": key},
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["reference"] != first.json()["reference"]
    assert second.json()["first_name"] == "Bilal"
    # The first client's retry is still its own replay.
    again = client.post(
        "/api/v1/applications", json=data, headers={**first_bot, "Idempotency-Key": key}
    )
    assert again.status_code == 200 and again.json()["reference"] == first.json()["reference"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("answers__adults", True),
        ("answers__children", False),
        ("answers__experience_years", True),
        ("answers__adults", "2"),
        ("answers__adults", 1.5),
    ],
)
def test_a_count_must_be_a_whole_number(client, assistant_headers, field, value):
    response = client.post(
        "/api/v1/applications",
        json=body(**{field: value}),
        headers={**assistant_headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 422, response.text
    assert field.split("__")[1] in response.json()["detail"]


@pytest.mark.parametrize(
    "name",
    [
        "\u200b\u200b",  # zero-width spaces
        "\u2060",  # word joiner
        "\u200f\u200e",  # direction marks only
        "\u202eanimA",  # right-to-left override: displays as "Amina"
        "Ali\u2066ce",  # an isolate inside a name
    ],
)
def test_a_name_must_be_visible_text_without_direction_tricks(client, assistant_headers, name):
    response = client.post(
        "/api/v1/applications",
        json=body(first_name=name),
        headers={**assistant_headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 422, response.text
    assert "first_name" in response.json()["detail"]


@pytest.mark.parametrize("name", ["Amina", "أمينة", "Zoë-Lou", "Ngũgĩ", "O'Brien"])
def test_names_in_every_script_are_welcome(client, assistant_headers, name):
    assert create(client, assistant_headers, first_name=name)["first_name"] == name


def test_a_callback_name_made_of_nothing_visible_is_refused(client, assistant_headers):
    response = client.post(
        "/api/v1/callbacks",
        json={"name": "\u200b", "phone": "+33612345678", "language": "fr", "channel": "sms"},
        headers=assistant_headers,
    )
    assert response.status_code == 422
