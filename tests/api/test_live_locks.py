"""Against a real uvicorn server: no request leaves the database locked for the next one."""

import threading
import time

import httpx

from tests.api.application_helpers import body

EXPORT = "/api/v1/applications/export.csv"


def _create(client: httpx.Client, assistant: dict[str, str], n: int) -> list[str]:
    references = []
    for i in range(n):
        response = client.post(
            "/api/v1/applications",
            json=body(first_name=f"Personne{i}"),
            headers={**assistant, "Idempotency-Key": f"live-{i}-{time.time_ns()}"},
        )
        assert response.status_code == 201, response.text
        references.append(response.json()["reference"])
    return references


def test_after_a_csv_export_reads_and_writes_answer_at_once(live_server):
    assistant, operator = live_server.key("assistant"), live_server.key("operator")
    # Short timeouts: a locked database makes the server wait 15 s before failing.
    with httpx.Client(base_url=live_server.base_url, timeout=5) as client:
        _create(client, assistant, 3)

        export = client.get(EXPORT, headers=operator)
        assert export.status_code == 200
        assert export.text.count("Personne") == 3

        assert client.get("/api/v1/ready").status_code == 200
        listed = client.get("/api/v1/applications", headers=operator)
        assert listed.status_code == 200 and listed.json()["total"] == 3
        # A write needs SQLite's lock: it is free again.
        _create(client, assistant, 1)
        assert client.get(EXPORT, headers=operator).text.count("Personne") == 4


def test_a_client_that_stops_reading_an_export_does_not_hold_the_database(live_server):
    assistant, operator = live_server.key("assistant"), live_server.key("operator")
    with httpx.Client(base_url=live_server.base_url, timeout=5) as client:
        _create(client, assistant, 2)
        with client.stream("GET", EXPORT, headers=operator) as response:
            assert response.status_code == 200
            next(response.iter_bytes())
        _create(client, assistant, 1)
        assert client.get("/api/v1/applications", headers=operator).json()["total"] == 3


def test_reads_go_on_while_a_long_export_streams(live_server):
    assistant, operator = live_server.key("assistant"), live_server.key("operator")
    with httpx.Client(base_url=live_server.base_url, timeout=5) as client:
        _create(client, assistant, 1)
        with client.stream("GET", EXPORT, headers=operator) as slow:
            # The export's read transaction is open while its body is not yet consumed.
            assert slow.status_code == 200
            assert client.get("/api/v1/applications", headers=operator).status_code == 200
            _create(client, assistant, 1)
            slow.read()


def test_reads_run_side_by_side_and_are_each_audited(live_server):
    assistant, operator, admin = (
        live_server.key("assistant"),
        live_server.key("operator"),
        live_server.key("admin"),
    )
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        [reference] = _create(client, assistant, 1)
    statuses: list[int] = []

    def read() -> None:
        with httpx.Client(base_url=live_server.base_url, timeout=10) as c:
            for _ in range(10):
                response = c.get(f"/api/v1/applications/{reference}", headers=operator)
                statuses.append(response.status_code)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 80
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        audit = client.get(
            "/api/v1/audit", params={"action": "read", "page_size": 200}, headers=admin
        ).json()
    reads = [e for e in audit["items"] if e["resource"] == "application"]
    assert len(reads) == 80
