"""What one caller can ask of the API: body size, request rate, applications and callbacks
per phone (OWASP API4). Every limit is a setting; these tests set small ones."""

import socket
from collections.abc import Callable, Iterator
from contextlib import nullcontext

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.main import create_app
from tests.api.application_helpers import body

LimitedClient = Callable[..., TestClient]


@pytest.fixture
def limited_client(database, session: Session) -> Iterator[LimitedClient]:
    """A client of the app built with the given settings, on the test's transaction."""
    clients: list[TestClient] = []

    def make(**settings: object) -> TestClient:
        app = create_app(database.settings.model_copy(update={"audit_batch_ms": 0, **settings}))
        app.state.sessionmaker = lambda: nullcontext(session)
        app.state.read_sessionmaker = lambda: nullcontext(session)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_a_body_over_the_limit_is_refused_before_it_is_read(limited_client, assistant_headers):
    client = limited_client(max_body_bytes=2048)
    data = body(first_name="A" * 4000)

    response = client.post(
        "/api/v1/applications",
        json=data,
        headers={**assistant_headers, "Idempotency-Key": "big"},
    )

    assert response.status_code == 413
    assert response.json() == {
        "detail": "the request body is larger than 2048 bytes",
        "code": "body_too_large",
    }


def test_a_streamed_body_without_length_is_cut_at_the_limit(live_server):
    """Chunked transfer has no Content-Length: the server counts what arrives."""
    assistant = live_server.key("assistant")
    host, port = live_server.base_url.removeprefix("http://").split(":")
    chunk = b"x" * 64 * 1024
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (
            "POST /api/v1/applications HTTP/1.1\r\n"
            f"Host: {host}\r\n"
            f"X-API-Key: {assistant['X-API-Key']}\r\n"
            "Idempotency-Key: chunked\r\n"
            "Content-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        )
        sock.sendall(head.encode())
        answer = b""
        try:
            # Far more than the 64 KiB default; the answer comes long before the end.
            for _ in range(200):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass  # the server answered and closed the connection
        sock.settimeout(10)
        while b"\r\n\r\n" not in answer:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_key_over_its_rate_gets_429_with_retry_after(limited_client, operator_headers, make_key):
    client = limited_client(rate_limit="5/minute")
    other = make_key("operator")

    answers = [client.get("/api/v1/applications", headers=operator_headers) for _ in range(7)]

    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    refused = answers[-1]
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Another key is not held back by the first one's requests.
    assert client.get("/api/v1/applications", headers=other).status_code == 200


def test_the_rate_limit_can_be_turned_off(limited_client, operator_headers):
    client = limited_client(rate_limit="off")
    assert {
        client.get("/api/v1/applications", headers=operator_headers).status_code for _ in range(30)
    } == {200}


def _apply(client: TestClient, headers: dict[str, str], key: str, **changes: object):
    return client.post(
        "/api/v1/applications",
        json=body(consent_at="2026-11-30T10:00:00+01:00", **changes),
        headers={**headers, "Idempotency-Key": key},
    )


def test_a_phone_makes_a_few_applications_then_gets_429(limited_client, assistant_headers):
    client = limited_client(applications_per_phone=2, phone_quota_days=30)

    first = _apply(client, assistant_headers, "q1", phone="+33699000001")
    second = _apply(client, assistant_headers, "q2", phone="+33699000001")
    third = _apply(client, assistant_headers, "q3", phone="06 99 00 00 01")

    assert (first.status_code, second.status_code, third.status_code) == (201, 201, 429)
    assert third.json()["code"] == "application_quota"
    # About 30 days, when the first leaves the window.
    assert 29 * 86400 < int(third.headers["Retry-After"]) <= 30 * 86400
    # A retry of an accepted one is still answered: the outbox never loses its reference.
    replay = _apply(client, assistant_headers, "q1", phone="+33699000001")
    assert replay.status_code == 200
    assert replay.json()["reference"] == first.json()["reference"]
    # Another phone is not concerned.
    assert _apply(client, assistant_headers, "q4", phone="+33699000002").status_code == 201


def test_a_phone_has_a_few_open_callback_requests_at_most(
    limited_client, assistant_headers, operator_headers
):
    client = limited_client(callbacks_per_phone=2)
    request = {"phone": "+33699000003", "language": "fr", "channel": "sms"}

    answers = [
        client.post("/api/v1/callbacks", json=request, headers=assistant_headers) for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json()["code"] == "callback_quota"
    assert "Retry-After" in answers[2].headers
    # Once an operator called back, the person may ask again.
    closed = client.post(
        f"/api/v1/callbacks/{answers[0].json()['id']}/close",
        json={"note": "Rappelé"},
        headers=operator_headers,
    )
    assert closed.status_code == 200
    again = client.post("/api/v1/callbacks", json=request, headers=assistant_headers)
    assert again.status_code == 201


def test_the_probes_need_no_key_and_count_against_none(limited_client):
    client = limited_client(rate_limit="1/minute")
    assert {client.get("/api/v1/health").status_code for _ in range(5)} == {200}
