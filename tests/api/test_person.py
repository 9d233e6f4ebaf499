"""A person, through the assistant, asks where their application stands or erases it."""

import pytest

from tests.api.application_helpers import body, count_applications, create

NOT_FOUND = {
    "detail": "no application matches this reference and phone number",
    "code": "not_found",
}


@pytest.fixture
def application(client, assistant_headers):
    return create(client, assistant_headers, phone="+33612345678")


def test_a_person_learns_where_their_application_stands(
    client, assistant_headers, operator_headers, application
):
    reference = application["reference"]
    client.post(
        f"/api/v1/applications/{reference}/status",
        json={"status": "contacted"},
        headers=operator_headers,
    )

    response = client.post(
        "/api/v1/person/status",
        json={"reference": reference, "phone": "+33612345678"},
        headers=assistant_headers,
    )

    assert response.status_code == 200
    assert set(response.json()) == {"reference", "status", "updated_at"}
    assert response.json()["reference"] == reference
    assert response.json()["status"] == "contacted"


def test_the_code_and_number_may_be_typed_loosely(client, assistant_headers, application):
    reference = application["reference"]
    typed = f" {reference[:3].lower()} {reference[3:]} "

    response = client.post(
        "/api/v1/person/status",
        json={"reference": typed, "phone": "06 12 34 56 78"},
        headers=assistant_headers,
    )

    assert response.status_code == 200
    assert response.json()["reference"] == reference


@pytest.mark.parametrize("route", ["status", "erasure"])
def test_a_wrong_reference_or_phone_gives_the_same_404(
    client, session, assistant_headers, application, route
):
    reference = application["reference"]
    wrong_reference = "ZZZZZZ" if reference != "ZZZZZZ" else "YYYYYY"
    attempts = [
        {"reference": wrong_reference, "phone": "+33612345678"},
        {"reference": reference, "phone": "+33699999999"},
        {"reference": "!!!", "phone": "+33612345678"},
    ]

    for attempt in attempts:
        response = client.post(f"/api/v1/person/{route}", json=attempt, headers=assistant_headers)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    assert count_applications(session) == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"reference": "ABCDEF"},
        {"phone": "+33612345678"},
        {"reference": "ABCDEF", "phone": "not a phone"},
        {"reference": "", "phone": "+33612345678"},
        {"reference": "A" * 41, "phone": "+33612345678"},
    ],
)
def test_a_malformed_request_is_a_422(client, assistant_headers, payload):
    response = client.post("/api/v1/person/status", json=payload, headers=assistant_headers)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_a_person_erases_their_application(client, session, assistant_headers, application):
    reference = application["reference"]
    request = {"reference": reference, "phone": "06 12 34 56 78"}

    erased = client.post("/api/v1/person/erasure", json=request, headers=assistant_headers)

    assert erased.status_code == 200
    assert erased.json()["erased"] is True and erased.json()["applications"] == 1
    assert count_applications(session) == 0
    status = client.post("/api/v1/person/status", json=request, headers=assistant_headers)
    assert status.status_code == 404
    again = client.post("/api/v1/person/erasure", json=request, headers=assistant_headers)
    assert again.status_code == 404


def test_erasing_one_person_leaves_the_others(client, session, assistant_headers, application):
    other = create(client, assistant_headers, phone="+33700000001", first_name="Awa")

    client.post(
        "/api/v1/person/erasure",
        json={"reference": application["reference"], "phone": "+33612345678"},
        headers=assistant_headers,
    )

    assert count_applications(session) == 1
    status = client.post(
        "/api/v1/person/status",
        json={"reference": other["reference"], "phone": "+33700000001"},
        headers=assistant_headers,
    )
    assert status.status_code == 200


def test_the_original_submission_cannot_bring_erased_data_back(client, session, assistant_headers):
    data = body(phone="+33612345678")
    headers = {**assistant_headers, "Idempotency-Key": "outbox-erased"}
    reference = client.post("/api/v1/applications", json=data, headers=headers).json()["reference"]
    client.post(
        "/api/v1/person/erasure",
        json={"reference": reference, "phone": "+33612345678"},
        headers=assistant_headers,
    )

    replay = client.post("/api/v1/applications", json=data, headers=headers)
    other_body = client.post("/api/v1/applications", json=body(first_name="X"), headers=headers)

    assert replay.status_code == 410
    assert replay.json()["code"] == "erased"
    assert other_body.status_code == 410
    assert count_applications(session) == 0
