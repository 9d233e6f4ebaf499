"""What a public assistant exposes (README, "What is exposed and how it is protected").

`scripts/run.sh` (what `make run` runs) configured for the public channels -- Telegram by
webhook and SMS, with the fake Telegram and Twilio servers -- behind Debian's nginx running
the sample configuration deploy/nginx/emile-webhooks.conf, as the Internet would reach it:
- through the proxy, only the two webhooks answer; every other route is a 404;
- the Rasa HTTP API refuses every conversation and model route without its token;
- the REST channel refuses to speak as somebody's phone number without its secret;
- the action server refuses calls without its secret and listens on loopback only;
- the terminal chat (scripts/chat.py) and a token holder still get in, locally.
The session stack (tests/e2e/stack.py) shows the REST and action server refusals too.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.run_script import RunningScript, listening
from tests.e2e.stack import ROOT, Stack, free_port, http, wait_until
from tests.fakes.telegram_api import TOKEN, FakeTelegram, Person
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    FakeTwilio,
    inbound_sms,
    signed_post,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SNIPPET = ROOT / "deploy" / "nginx" / "emile-webhooks.conf"
PHONE = "+33612345678"
WRONG = {"Authorization": "Bearer not-the-secret-but-long-enough"}


def listen_addresses(port: int) -> set[str]:
    """The addresses a TCP port is listened on in this network namespace (/proc/net/tcp*)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text(encoding="ascii").splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            # The kernel prints each 32-bit word in host (little-endian) order.
            words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(str(ipaddress.ip_address(words)))
    return found


def raw_request(port: int, method: str, path: str) -> int:
    """The status of a request sent with `path` exactly as given (no client normalisation)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"{method} {path} HTTP/1.1\r\nHost: assistant.example.org\r\n"
            "Content-Length: 2\r\nConnection: close\r\n\r\n{}".encode("ascii")
        )
        answer = sock.makefile("rb").readline().decode("ascii")
    return int(answer.split()[1])


# -------------------------------------------------------------------- the session stack


def test_the_rest_channel_refuses_a_request_without_its_secret(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    body = {"sender": "exposure-someone", "message": "bonjour"}
    for headers in (
        None,
        WRONG,
        {"Authorization": stack.rest_secret},  # not a Bearer credential
        {"Authorization": "Bearer "},
    ):
        status, answer = http("POST", url, body, headers=headers)
        assert status == 401, answer
    events = stack.tracker("exposure-someone")["events"]
    assert not [event for event in events if event["event"] == "user"]


def test_a_rest_message_cannot_pass_itself_off_as_an_sms(stack: Stack) -> None:
    status, _ = http(
        "POST",
        f"{stack.rasa_url}/webhooks/rest/webhook",
        {"sender": "exposure-not-sms", "message": "bonjour", "input_channel": "sms"},
        headers=stack.rest_headers,
    )
    assert status == 200
    assert stack.tracker("exposure-not-sms")["latest_input_channel"] == "rest"


def test_the_action_server_refuses_a_call_without_its_secret(stack: Stack) -> None:
    call = {"next_action": "no_such_action", "sender_id": PHONE, "tracker": {}, "domain": {}}
    for headers in (None, WRONG):
        assert http("POST", f"{stack.actions_url}/webhook", call, headers=headers)[0] == 401
        assert http("GET", f"{stack.actions_url}/actions", headers=headers)[0] == 401
    # With the secret the same call reaches the actions (which know no such action).
    secret = {"Authorization": f"Bearer {stack.actions_secret}"}
    assert http("POST", f"{stack.actions_url}/webhook", call, headers=secret)[0] == 404
    status, actions = http("GET", f"{stack.actions_url}/actions", headers=secret)
    assert status == 200 and {"name": "action_submit_application"} in actions
    assert http("GET", f"{stack.actions_url}/health")[0] == 200


def test_the_action_server_listens_on_loopback_only(stack: Stack) -> None:
    assert listen_addresses(stack.actions_port) == {"127.0.0.1"}


# ---------------------------------------------------- make run, public, behind nginx


@dataclass
class Public:
    """run.sh configured for Telegram (webhook) and SMS, behind nginx on `proxy_port`."""

    script: RunningScript
    telegram: FakeTelegram
    twilio: FakeTwilio
    proxy_port: int

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    @property
    def token(self) -> str:
        return self.script.secret("rasa-api.token")

    def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation, read as an operator holding the API token may."""
        status, body = http(
            "GET", f"{self.script.rasa_url}/conversations/{sender}/tracker?token={self.token}"
        )
        assert status == 200, body
        return body


def nginx_binary() -> str:
    """Debian's nginx (scripts/nginx.sh installs it when missing)."""
    result = subprocess.run(
        ["scripts/nginx.sh"], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1]


def start_nginx(workdir: Path, port: int, rasa_port: int) -> subprocess.Popen:
    """nginx on loopback `port` with the sample webhooks configuration, in front of Rasa."""
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"""worker_processes 1;
pid {workdir}/nginx.pid;
daemon off;
events {{ worker_connections 64; }}
http {{
    access_log {workdir}/access.log;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    upstream emile_rasa {{
        server 127.0.0.1:{rasa_port};
        keepalive 4;
    }}
    server {{
        listen 127.0.0.1:{port};
        server_name assistant.example.org;
        server_tokens off;
        include {SNIPPET};
    }}
}}
""",
        encoding="utf-8",
    )
    command = [nginx_binary(), "-p", str(workdir), "-e", str(workdir / "error.log"), "-c"]
    subprocess.run([*command, str(conf), "-t"], check=True, capture_output=True)
    process = subprocess.Popen([*command, str(conf)], start_new_session=True)
    wait_until(lambda: listening(port), 30, "nginx", process)
    return process


def self_signed(workdir: Path) -> tuple[Path, Path]:
    """A throw-away certificate and key for assistant.example.org (PEM files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "assistant.example.org")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = workdir / "cert.pem", workdir / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_the_sample_site_configuration_is_valid_nginx(tmp_path: Path) -> None:
    """deploy/nginx/emile.conf as an operator installs it, checked by `nginx -t`."""
    cert, key = self_signed(tmp_path)
    site = (ROOT / "deploy" / "nginx" / "emile.conf").read_text(encoding="utf-8")
    letsencrypt = "/etc/letsencrypt/live/assistant.example.org/"
    assert (
        f"{letsencrypt}fullchain.pem" in site and "/etc/nginx/snippets/emile-webhooks.conf" in site
    )
    site = (
        site.replace(f"{letsencrypt}fullchain.pem", str(cert))
        .replace(f"{letsencrypt}privkey.pem", str(key))
        .replace("/etc/nginx/snippets/emile-webhooks.conf", str(SNIPPET))
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n{site}\n}}\n", encoding="utf-8"
    )
    result = subprocess.run(
        [
            nginx_binary(),
            "-p",
            str(tmp_path),
            "-e",
            str(tmp_path / "error.log"),
            "-t",
            "-c",
            str(conf),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Public]:
    workdir = tmp_path_factory.mktemp("public")
    proxy_port = free_port()
    proxy_url = f"http://127.0.0.1:{proxy_port}"
    telegram = FakeTelegram().start()
    with FakeTwilio() as twilio:
        script = RunningScript(
            workdir,
            model,
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": telegram.base_url,
                "TELEGRAM_PUBLIC_URL": f"{proxy_url}/webhooks/telegram/webhook",
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_FROM_NUMBER": FROM_NUMBER,
                "TWILIO_PUBLIC_URL": f"{proxy_url}/webhooks/sms/webhook",
                "TWILIO_API_BASE_URL": twilio.base_url,
            },
        )
        nginx = None
        try:
            nginx = start_nginx(workdir, proxy_port, script.ports["rasa"])
            wait_until(lambda: "talk to it" in script.output(), 600, "run.sh", script.process)
            yield Public(script, telegram, twilio, proxy_port)
        except Exception:
            print(script.output()[-5000:])
            raise
        finally:
            script.kill()
            if nginx is not None:
                nginx.terminate()
                nginx.wait(timeout=30)
            telegram.stop()


@pytest.fixture(scope="module")
def texted(public: Public) -> str:
    """PHONE has texted the assistant (through the proxy) and been answered: its number."""
    url = f"{public.proxy_url}/webhooks/sms/webhook"
    answer = signed_post(url, url, inbound_sms(PHONE, "bonjour"))
    assert answer.status_code == 200
    assert public.twilio.wait_for(1, timeout=60, to=PHONE)
    return PHONE


def test_it_runs_the_public_channels(public: Public) -> None:
    assert "channels: REST, Telegram (webhook), SMS" in public.script.output()
    assert public.telegram.webhook["url"] == f"{public.proxy_url}/webhooks/telegram/webhook"


def test_a_person_texts_and_is_answered_through_the_proxy(public: Public, texted: str) -> None:
    assert public.twilio.sent_to(texted)
    url = f"{public.proxy_url}/webhooks/sms/webhook"
    # Twilio's signature is what lets a message in: without it, nothing is processed.
    forged = signed_post(url, url, inbound_sms(PHONE, "supprimer mes données"), signature="")
    assert forged.status_code == 403


def test_a_person_on_telegram_is_answered_through_the_proxy(public: Public) -> None:
    person = Person(id=515151, language_code="fr")
    mark = public.telegram.mark()
    assert public.telegram.deliver(public.telegram.text(person, "bonjour")).status_code == 200
    assert public.telegram.wait_quiet(person.id, since=mark, timeout=60)
    # Without Telegram's secret token, nothing is processed.
    forged = public.telegram.deliver(public.telegram.text(person, "hello"), secret="guessed")
    assert forged.status_code == 403


ROUTES_BEHIND_THE_PROXY = [
    ("GET", "/"),
    ("GET", "/version"),
    ("GET", "/status"),
    ("GET", f"/conversations/{PHONE}/tracker"),
    ("GET", f"/conversations/{PHONE}/story"),
    ("POST", f"/conversations/{PHONE}/tracker/events"),
    ("PUT", f"/conversations/{PHONE}/tracker/events"),
    ("POST", f"/conversations/{PHONE}/messages"),
    ("POST", f"/conversations/{PHONE}/trigger_intent"),
    ("POST", f"/conversations/{PHONE}/execute"),
    ("POST", f"/conversations/{PHONE}/predict"),
    ("POST", "/model/parse"),
    ("POST", "/model/train"),
    ("PUT", "/model"),
    ("DELETE", "/model"),
    ("GET", "/domain"),
    ("POST", "/webhooks/rest/webhook"),
    ("GET", "/webhooks/rest/"),
    ("GET", "/webhooks/telegram/"),
    ("GET", "/webhooks/sms/"),
    ("POST", "/webhook"),
    ("GET", "/actions"),
    ("GET", "/health"),
    ("GET", f"/webhooks/telegram/webhook/../../conversations/{PHONE}/tracker"),
    ("POST", "/webhooks/sms/webhook/../../webhooks/rest/webhook"),
    ("POST", "/webhooks/sms/webhook/"),
    ("POST", "/webhooks/rest/webhook?token=x"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES_BEHIND_THE_PROXY)
def test_the_proxy_answers_nothing_but_the_webhooks(public: Public, method: str, path: str) -> None:
    assert raw_request(public.proxy_port, method, path) == 404
    # Not even for somebody holding the API token.
    separator = "&" if "?" in path else "?"
    assert raw_request(public.proxy_port, method, f"{path}{separator}token={public.token}") == 404


def test_the_webhooks_take_only_posts(public: Public) -> None:
    for path in ("/webhooks/telegram/webhook", "/webhooks/sms/webhook"):
        assert raw_request(public.proxy_port, "GET", path) == 403


RASA_API_ROUTES = [
    ("GET", "/status", None),
    ("GET", f"/conversations/{PHONE}/tracker", None),
    ("GET", f"/conversations/{PHONE}/story", None),
    ("POST", f"/conversations/{PHONE}/tracker/events", {"event": "restart"}),
    ("PUT", f"/conversations/{PHONE}/tracker/events", []),
    ("POST", f"/conversations/{PHONE}/messages", {"text": "hi", "sender": "user"}),
    ("POST", f"/conversations/{PHONE}/trigger_intent", {"name": "delete_my_data"}),
    ("POST", f"/conversations/{PHONE}/execute", {"name": "action_restart"}),
    ("POST", f"/conversations/{PHONE}/predict", None),
    ("POST", "/model/parse", {"text": "bonjour"}),
    ("POST", "/model/train", {}),
    ("PUT", "/model", {"model_file": "/tmp/other.tar.gz"}),
    ("DELETE", "/model", None),
    ("GET", "/domain", None),
]


def test_the_rasa_api_refuses_every_conversation_and_model_route_without_its_token(
    public: Public, texted: str
) -> None:
    """As a process on the machine (or a proxy misconfigured to pass everything) would."""
    url = public.script.rasa_url
    before = public.tracker(PHONE)["events"]
    assert any(event["event"] == "user" for event in before)  # the SMS conversation
    for method, path, body in RASA_API_ROUTES:
        for query in ("", "?token=wrong"):
            status, answer = http(method, f"{url}{path}{query}", body)
            assert status == 401, (method, path, query, answer)
    # Nothing was read out, written or unloaded: the conversation and the model are intact.
    assert public.tracker(PHONE)["events"] == before
    status, body = http("GET", f"{url}/status?token={public.token}")
    assert status == 200 and body["model_file"]


def test_the_rest_channel_refuses_to_speak_as_somebody_s_phone_number(
    public: Public, texted: str
) -> None:
    url = f"{public.script.rasa_url}/webhooks/rest/webhook"
    before = public.tracker(PHONE)["events"]
    for text in ("où en est mon dossier ?", "supprimer mes données"):
        for headers in (None, WRONG):
            body = {"sender": PHONE, "message": text, "metadata": {"phone": PHONE}}
            status, answer = http("POST", url, body, headers=headers)
            assert status == 401, answer
    assert public.tracker(PHONE)["events"] == before


def test_the_action_server_refuses_calls_and_listens_on_loopback(public: Public) -> None:
    port = public.script.ports["actions"]
    call = {"next_action": "action_delete_my_data", "sender_id": PHONE, "tracker": {}}
    for headers in (None, WRONG):
        status, answer = http("POST", f"{public.script.actions_url}/webhook", call, headers=headers)
        assert status == 401, answer
    assert listen_addresses(port) == {"127.0.0.1"}
    assert listen_addresses(public.script.ports["rasa"]) == {"127.0.0.1"}


def test_the_secrets_are_the_owner_s_only(public: Public) -> None:
    for name in ("rest.secret", "actions.secret", "rasa-api.token", "telegram.secret"):
        path = public.script.data_dir / name
        assert path.stat().st_mode & 0o077 == 0, name
        assert len(path.read_text(encoding="utf-8").strip()) >= 32, name


def test_the_terminal_chat_still_gets_in(public: Public) -> None:
    env = {"PATH": "/usr/bin:/bin", "EMILE_DATA_DIR": str(public.script.data_dir)}
    result = subprocess.run(
        [sys.executable, "scripts/chat.py", "--url", public.script.rasa_url],
        cwd=ROOT,
        env=env,
        input="bonjour\n/quit\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "bot: " in result.stdout, result.stdout
    assert "refused" not in result.stdout


def test_the_action_server_keeps_an_idle_connection_for_the_rasa_server(stack: Stack) -> None:
    """The Rasa server reuses its connection for 2 s; the action server must not close first."""
    import http.client
    import time
    from urllib.parse import urlsplit

    address = urlsplit(stack.actions_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    headers = {"Authorization": f"Bearer {stack.actions_secret}"}
    try:
        connection.request("GET", "/health", headers=headers)
        assert connection.getresponse().read() and connection.sock is not None
        first = connection.sock.getsockname()
        time.sleep(6)  # past Sanic's default keep-alive (5 s)
        connection.request("GET", "/health", headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        assert connection.sock.getsockname() == first  # the same connection, still open
    finally:
        connection.close()
