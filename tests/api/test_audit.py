"""The audit log records who touched personal data, never the data itself."""

from sqlalchemy import select

from api.models import AuditEntry
from tests.api.application_helpers import create


def entries(session):
    return session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


def test_reads_lists_exports_changes_and_erasures_are_logged_with_the_actor(
    client, session, assistant_headers, make_key
):
    operator = make_key("operator", name="op-cantal", territories=["cantal"])
    application = create(
        client, assistant_headers, first_name="Nadia", last_name="Benali", phone="+33611223344"
    )
    reference = application["reference"]
    base = f"/api/v1/applications/{reference}"

    client.get(base, headers=operator)
    client.get(f"{base}/history", headers=operator)
    client.get("/api/v1/applications", params={"q": "Benali", "status": "new"}, headers=operator)
    client.get("/api/v1/applications/export.csv?territory=cantal", headers=operator)
    client.post(
        f"{base}/status", json={"status": "contacted", "note": "Nadia ok"}, headers=operator
    )
    client.delete(base, headers=operator)

    logged = [(e.actor, e.action, e.resource) for e in entries(session)]
    assert logged == [
        ("assistant", "create", "application"),
        ("op-cantal", "read", "application"),
        ("op-cantal", "history", "application"),
        ("op-cantal", "list", "application"),
        ("op-cantal", "export", "application"),
        ("op-cantal", "status_change", "application"),
        ("op-cantal", "erase", "application"),
    ]
    details = " ".join(str(e.detail) + str(e.resource_id) for e in entries(session))
    for personal in ("Nadia", "Benali", "611223344", reference):
        assert personal not in details
    listing = entries(session)[3].detail
    assert "status=new" in listing and "q=(withheld)" in listing
    assert entries(session)[5].detail == "new -> contacted"


def test_one_entry_per_list_call(client, session, operator_headers):
    for _ in range(3):
        client.get("/api/v1/applications?page=1", headers=operator_headers)

    assert [e.action for e in entries(session)] == ["list"] * 3


def test_refused_requests_read_nothing_and_log_nothing(
    client, session, make_key, assistant_headers
):
    reference = create(client, assistant_headers, territory_preferences=["lozere"])["reference"]
    cantal = make_key("operator", territories=["cantal"])

    client.get(f"/api/v1/applications/{reference}", headers=cantal)
    client.get(f"/api/v1/applications/{reference}", headers=assistant_headers)

    assert [e.action for e in entries(session)] == ["create"]


def test_admins_page_and_filter_the_log(
    client, session, assistant_headers, operator_headers, admin_headers
):
    reference = create(client, assistant_headers)["reference"]
    for _ in range(3):
        client.get(f"/api/v1/applications/{reference}", headers=operator_headers)

    reads = client.get("/api/v1/audit?action=read&page_size=2", headers=admin_headers).json()
    by_actor = client.get("/api/v1/audit?actor=assistant", headers=admin_headers).json()

    assert reads["total"] == 3
    assert len(reads["items"]) == 2
    assert {e["actor"] for e in reads["items"]} == {"operator-all"}
    assert reads["items"][0]["id"] > reads["items"][1]["id"]
    assert [e["action"] for e in by_actor["items"]] == ["create"]
    assert set(by_actor["items"][0]) == {
        "id",
        "at",
        "actor",
        "api_key_id",
        "account_id",
        "action",
        "resource",
        "resource_id",
        "detail",
    }
    assert by_actor["items"][0]["account_id"] is None  # a key acted, not a console account
    bad = client.get("/api/v1/audit?page_size=1000", headers=admin_headers)
    assert bad.status_code == 422
