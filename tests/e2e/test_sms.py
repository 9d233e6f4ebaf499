"""Whole conversations by SMS: the real Rasa server (with the SMS channel registered as in
credentials.yml), action server and operator API, Twilio played by the fake REST server,
and every webhook signed exactly as Twilio signs it.

The person answers numbered choices with numbers, as on a basic phone. What the bot said
is checked by response name (the tracker) and by the SMS the person received; the SMS
bodies are also written to a transcript for `scripts/sms_segments_report.py`
(EMILE_SMS_TRANSCRIPT, default: the stack's directory)."""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.channels.choices import ChoiceNumbering, render
from bot.channels.gsm import segments
from bot.channels.sms import EMPTY_TWIML
from bot.channels.sms_output import plan_sms
from bot.channels.sms_report import cost_of_sent, format_report
from tests.e2e.languages import GREETING, RTL_LANGUAGES, YES, local, needs_complete
from tests.e2e.stack import Stack
from tests.e2e.typed import ANSWERS, LANGUAGE_TITLE, NONSENSE, application_steps
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    FakeTwilio,
    inbound_sms,
    media_url,
    signed_post,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PUBLIC_URL = "https://sms.emile-e2e.example.org/webhooks/sms/webhook"
_numbers = itertools.count(10)


@dataclass
class SmsStack(Stack):
    """The stack with a Rasa server whose credentials register the SMS channel."""

    @property
    def sms_webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/sms/webhook"


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def sms_stack(
    tmp_path_factory: pytest.TempPathFactory, model: Path, twilio: FakeTwilio
) -> Iterator[SmsStack]:
    workdir = tmp_path_factory.mktemp("sms-stack")
    credentials = workdir / "credentials.yml"
    credentials.write_text(
        "rest:\n"
        "bot.channels.sms.TwilioSmsInput:\n"
        f"  account_sid: {ACCOUNT_SID}\n"
        f"  auth_token: {AUTH_TOKEN}\n"
        f'  from_number: "{FROM_NUMBER}"\n'
        f"  public_url: {PUBLIC_URL}\n"
        f"  api_base_url: {twilio.base_url}\n"
        "  retry_backoff_s: 0.2\n",
        encoding="utf-8",
    )
    running = SmsStack(workdir, model=model, credentials=credentials)
    try:
        running.start()
    except Exception:
        running.stop()
        for name in ("api", "actions", "rasa"):
            print(f"----- {name}.log (tail)\n{running.logs(name)[-3000:]}")
        raise
    yield running
    running.stop()
    print(f"SMS stack logs in {workdir}")


TRANSCRIPT: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module", autouse=True)
def transcript(sms_stack: SmsStack) -> Iterator[None]:
    yield
    if not TRANSCRIPT:
        return
    path = Path(os.environ.get("EMILE_SMS_TRANSCRIPT") or sms_stack.workdir / "sms.json")
    path.write_text(json.dumps(TRANSCRIPT, ensure_ascii=False, indent=1), encoding="utf-8")
    costs = [cost_of_sent(language, entry["sent"]) for language, entry in TRANSCRIPT.items()]
    print(f"\nSMS transcript: {path}\n{format_report(costs)}")


class SmsPerson:
    """One person with a phone, texting the assistant's number."""

    def __init__(self, stack: SmsStack, twilio: FakeTwilio) -> None:
        self.stack = stack
        self.twilio = twilio
        self.phone = f"+336{next(_numbers):02d}{int(time.time() * 1000) % 1000000:06d}"
        self.received: list[str] = []  # every SMS, in order
        self.sms: list[str] = []  # the SMS of the last turn
        self.said: list[str] = []  # the responses of the last turn
        self.turn_events: list[dict[str, Any]] = []
        self.turns: list[list[str]] = []  # bot texts per turn, choices rendered

    # -- sending

    def post(self, params: dict[str, str], **kw: Any) -> Any:
        return signed_post(self.stack.sms_webhook, PUBLIC_URL, params, **kw)

    def says(self, text: str) -> list[str]:
        """Text the assistant; the names of the responses of its turn (SMS in `self.sms`)."""
        params = inbound_sms(self.phone, text)
        answer = self.post(params)
        assert answer.status_code == 200, answer.text
        assert answer.text == EMPTY_TWIML
        self._read_turn(params["MessageSid"])
        return self.said

    def picks(self, wanted: str | Callable[[str, str], bool]) -> list[str]:
        """Reply with the label (`2`, `B`) of the choice whose payload (or test) matches."""
        label = self.label_for(wanted)
        assert re.search(rf"(^|\n){re.escape(label)}\. ", "\n".join(self.sms)), (label, self.sms)
        return self.says(label)

    def picks_locally(self, wanted: str | Callable[[str, str], bool], language: str) -> list[str]:
        """As `picks`, the label typed with the digits of that language's keyboard."""
        label = self.label_for(wanted)
        assert re.search(rf"(^|\n){re.escape(label)}\. ", "\n".join(self.sms)), (label, self.sms)
        return self.says(local(label, language))

    def label_for(self, wanted: str | Callable[[str, str], bool]) -> str:
        numbering = ChoiceNumbering()
        for event in self.turn_events:
            numbering.add(_buttons(event))
        for label, payload in numbering.payloads.items():
            title = numbering.titles[label]
            ok = wanted(payload, title) if callable(wanted) else payload == wanted
            if ok:
                return label
        raise AssertionError(f"no choice {wanted!r} in {numbering.payloads}")

    # -- reading

    def tracker(self) -> dict[str, Any]:
        return self.stack.tracker(self.phone)

    def user_events(self) -> list[dict[str, Any]]:
        return [e for e in self.tracker().get("events") or [] if e.get("event") == "user"]

    def _read_turn(self, sid: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        events: list[dict[str, Any]] | None = None
        while time.monotonic() < deadline:
            all_events = self.tracker().get("events") or []
            index = next((i for i, e in enumerate(all_events) if e.get("message_id") == sid), None)
            if index is not None:
                events = all_events[index + 1 :]
                break
            time.sleep(0.2)
        assert events is not None, f"message {sid} never reached the conversation"
        self.turn_events = [e for e in events if e.get("event") == "bot"]
        self.said = [(e.get("metadata") or {}).get("utter_action") or "?" for e in self.turn_events]
        numbering = ChoiceNumbering()
        texts = [render(e.get("text") or "", numbering.add(_buttons(e))) for e in self.turn_events]
        self.turns.append([t for t in texts if t])
        expected = plan_sms(texts)
        self.sms = self._new_sms(len(expected))
        assert self.sms == expected

    def _new_sms(self, count: int, timeout: float = 60) -> list[str]:
        before = len(self.received)
        found = self.twilio.wait_for(before + count, timeout=timeout, to=self.phone)
        new = [m.body for m in found[before:]]
        self.received.extend(new)
        return new

    def notice(self, timeout: float = 60) -> str:
        """The one SMS a channel notice sends (no turn of the conversation)."""
        [body] = self._new_sms(1, timeout)
        return body

    def text(self) -> str:
        return "\n".join(self.sms)

    def slot(self, name: str) -> Any:
        return self.tracker()["slots"].get(name)


def _buttons(event: dict[str, Any]) -> list[dict[str, Any]]:
    data = event.get("data") or {}
    return list(data.get("quick_replies") or data.get("buttons") or [])


def application_named(stack: Stack, last_name: str) -> list[dict[str, Any]]:
    return stack.api("GET", f"/applications?q={last_name}")["items"]


def inform(slot: str, value: str) -> Callable[[str, str], bool]:
    def matches(payload: str, _title: str) -> bool:
        if not payload.startswith("/inform"):
            return False
        try:
            return json.loads(payload.removeprefix("/inform")).get(slot) == value
        except ValueError:
            return False

    return matches


def titled(title: str) -> Callable[[str, str], bool]:
    return lambda _payload, shown: shown == title


def no_payload_shown(person: SmsPerson) -> None:
    for body in person.received:
        assert "/inform" not in body and '{"' not in body, body


def apply_by_sms(person: SmsPerson, language: str, last_name: str) -> str:
    """A whole eligible application, every choice answered by its number; the reference."""
    assert person.says("bonjour") == ["utter_ask_language"]
    said = person.picks(f'/choose_language{{"language":"{language}"}}')
    assert said == ["utter_about_emile_short", "utter_privacy", "utter_menu"]
    said = person.picks("/check_eligibility")
    assert said == ["utter_eligibility_intro", "utter_ask_residence_area"]
    assert person.picks(inform("residence_area", "ile_de_france")) == [
        "utter_ask_housing_situation"
    ]
    assert person.picks(inform("housing_situation", "emergency_shelter")) == [
        "utter_ask_right_to_work"
    ]
    assert person.picks(inform("right_to_work", "yes")) == ["utter_ask_work_situation"]
    assert person.picks(inform("work_situation", "unemployed")) == ["utter_ask_ready_to_move"]
    assert person.picks(inform("ready_to_move", "yes")) == ["utter_ask_adults"]
    # Titles "1 (only me)", "2"…: numbered in order, "1" is one adult.
    assert person.says("1") == ["utter_ask_children"]
    # Titles "None", "1", "2"…: lettered, so that "2" means two children.
    assert "A. " in person.text() and "\n1. " not in person.text()
    assert person.says("2") == ["utter_ask_sectors"]
    assert person.picks(inform("sector", "building")) == ["utter_ask_experience_years"]
    assert person.says("3") == ["utter_ask_driving_licence"]
    assert person.picks(inform("driving_licence", "no")) == ["utter_ask_french_level"]
    assert person.picks(inform("french_level", "intermediate")) == [
        "utter_ask_territory_preferences"
    ]
    said = person.picks(titled("Cantal"))
    assert said == ["utter_verdict_eligible", "utter_ask_consent_given"]
    assert person.picks("/affirm") == ["utter_ask_first_name"]
    assert person.says("Amina") == ["utter_ask_last_name"]
    # The SMS number is offered for confirmation: no need to type it.
    assert person.says(last_name) == ["utter_ask_phone_confirm"]
    assert person.phone[-4:] in person.text().replace(" ", "")
    assert person.picks(lambda payload, _t: payload.startswith("/affirm")) == ["utter_ask_email"]
    said = person.picks(lambda payload, _t: payload.startswith("/deny"))
    assert said == ["utter_application_sent", "utter_next_steps"]
    reference = person.slot("application_reference")
    assert re.fullmatch(r"[A-Z2-9]{6}", reference)
    assert reference in person.text()
    no_payload_shown(person)
    TRANSCRIPT[language] = {"turns": person.turns, "sent": person.received}
    return str(reference)


def check_application(stack: Stack, person: SmsPerson, last_name: str, language: str) -> None:
    [listed] = application_named(stack, last_name)
    application = stack.api("GET", f"/applications/{listed['reference']}")
    assert application["channel"] == "sms"
    assert application["language"] == language
    assert application["phone"] == person.phone
    assert application["answers"] == {
        "residence_area": "ile_de_france",
        "housing_situation": "emergency_shelter",
        "right_to_work": "yes",
        "work_situation": "unemployed",
        "ready_to_move": "yes",
        "adults": 1,
        "children": 2,
        "trades": ["building"],
        "experience_years": 3,
        "driving_licence": "no",
        "french_level": "intermediate",
    }
    assert application["territory_preferences"] == ["cantal"]
    assert application["verdict"]["result"] == "eligible"


# ---------------------------------------------------------------- whole applications


def apply_in_rtl_language_by_sms(person: SmsPerson, language: str, last_name: str) -> str:
    """A whole eligible application in Arabic, Dari or Pashto: the first message typed in
    the language (detected), every choice answered by its number in local digits, counts
    and years in local digits, "yes" typed in the language; the reference code."""
    said = person.says(GREETING[language])
    assert person.slot("language") == language, said
    assert said == ["utter_about_emile_short", "utter_privacy", "utter_menu"], said
    said = person.picks_locally("/check_eligibility", language)
    assert said == ["utter_eligibility_intro", "utter_ask_residence_area"]
    steps: list[tuple[Callable[[str, str], bool], str]] = [
        (inform("residence_area", "ile_de_france"), "utter_ask_housing_situation"),
        (inform("housing_situation", "emergency_shelter"), "utter_ask_right_to_work"),
        (inform("right_to_work", "yes"), "utter_ask_work_situation"),
        (inform("work_situation", "unemployed"), "utter_ask_ready_to_move"),
    ]
    for wanted, expected in steps:
        assert person.picks_locally(wanted, language) == [expected], person.text()
    assert person.says(YES[language]) == ["utter_ask_adults"], person.text()
    assert person.says(local("1", language)) == ["utter_ask_children"]
    assert person.says(local("2", language)) == ["utter_ask_sectors"]  # two children
    assert person.picks_locally(inform("sector", "building"), language) == [
        "utter_ask_experience_years"
    ]
    assert person.says(local("3", language)) == ["utter_ask_driving_licence"]
    assert person.picks_locally(inform("driving_licence", "no"), language) == [
        "utter_ask_french_level"
    ]
    assert person.picks_locally(inform("french_level", "intermediate"), language) == [
        "utter_ask_territory_preferences"
    ]
    said = person.picks_locally(lambda payload, _t: "cantal" in payload, language)
    assert said == ["utter_verdict_eligible", "utter_ask_consent_given"]
    assert person.says(YES[language]) == ["utter_ask_first_name"]
    assert person.says("Amina") == ["utter_ask_last_name"]
    assert person.says(last_name) == ["utter_ask_phone_confirm"]
    said = person.picks_locally(lambda payload, _t: payload.startswith("/affirm"), language)
    assert said == ["utter_ask_email"]
    said = person.picks_locally(lambda payload, _t: payload.startswith("/deny"), language)
    assert said == ["utter_application_sent", "utter_next_steps"]
    reference = person.slot("application_reference")
    assert re.fullmatch(r"[A-Z2-9]{6}", reference)
    assert reference in person.text()
    assert person.slot("language") == language
    no_payload_shown(person)
    TRANSCRIPT[language] = {"turns": person.turns, "sent": person.received}
    return str(reference)


@pytest.mark.parametrize("language", RTL_LANGUAGES)
def test_whole_application_in_a_rtl_language_by_sms(
    sms_stack: SmsStack, twilio: FakeTwilio, language: str
) -> None:
    needs_complete(language)
    person = SmsPerson(sms_stack, twilio)
    last_name = f"Rtl-Sms-{language}"
    apply_in_rtl_language_by_sms(person, language, last_name)
    [listed] = application_named(sms_stack, last_name)
    application = sms_stack.api("GET", f"/applications/{listed['reference']}")
    assert application["language"] == language
    assert application["phone"] == person.phone
    assert application["answers"]["adults"] == 1
    assert application["answers"]["children"] == 2
    assert application["answers"]["experience_years"] == 3
    assert application["territory_preferences"] == ["cantal"]
    assert application["verdict"]["result"] == "eligible"


def test_whole_application_in_french_by_sms(sms_stack: SmsStack, twilio: FakeTwilio) -> None:
    amina = SmsPerson(sms_stack, twilio)
    apply_by_sms(amina, "fr", "Diallo-Sms")
    check_application(sms_stack, amina, "Diallo-Sms", "fr")
    # French SMS: typographic characters made GSM-7 friendly.
    assert not any(c in "".join(amina.received) for c in "’«»…\u00a0\u202f")
    assert all(segments(body) <= 2 for body in amina.received)


def test_whole_application_in_english_by_sms(sms_stack: SmsStack, twilio: FakeTwilio) -> None:
    john = SmsPerson(sms_stack, twilio)
    apply_by_sms(john, "en", "Smith-Sms")
    check_application(sms_stack, john, "Smith-Sms", "en")
    assert all(segments(body) <= 2 for body in john.received)


# ---------------------------------------------------------------- the webhook


def test_wrong_signature_is_refused(sms_stack: SmsStack, twilio: FakeTwilio) -> None:
    eve = SmsPerson(sms_stack, twilio)
    params = inbound_sms(eve.phone, "bonjour")
    assert eve.post(params, signature="AAAAAAAAAAAAAAAAAAAAAAAAAAA=").status_code == 403
    assert eve.post(params, signature="").status_code == 403
    assert eve.post(params, auth_token="someone-elses-token").status_code == 403
    # Signed for the address the request reached instead of the public URL.
    forged = signed_post(sms_stack.sms_webhook, sms_stack.sms_webhook, params)
    assert forged.status_code == 403
    assert twilio.quiet_for(2, to=eve.phone) == []
    assert eve.user_events() == []
    # The genuine delivery of the same message is still processed.
    assert eve.says("bonjour") == ["utter_ask_language"]


def test_duplicate_delivery_processed_once(sms_stack: SmsStack, twilio: FakeTwilio) -> None:
    dan = SmsPerson(sms_stack, twilio)
    params = inbound_sms(dan.phone, "hello")
    assert dan.post(params).status_code == 200
    dan._read_turn(params["MessageSid"])
    assert dan.said == ["utter_ask_language"]
    again = dan.post(params)  # Twilio's retry of the same MessageSid
    assert again.status_code == 200 and again.text == EMPTY_TWIML
    assert twilio.quiet_for(2, to=dan.phone) == []
    assert len(dan.user_events()) == 1


def test_stop_then_a_message_then_start(sms_stack: SmsStack, twilio: FakeTwilio) -> None:
    lea = SmsPerson(sms_stack, twilio)
    assert lea.says("bonjour") == ["utter_ask_language"]
    assert lea.post(inbound_sms(lea.phone, "STOP")).status_code == 200
    assert lea.post(inbound_sms(lea.phone, "bonjour ?")).status_code == 200
    assert twilio.quiet_for(3, to=lea.phone) == []  # no reply at all
    assert len(lea.user_events()) == 1  # neither reached the conversation
    assert lea.post(inbound_sms(lea.phone, "Démarrer")).status_code == 200
    notice = lea.notice()
    assert notice.startswith("Vous recevrez de nouveau nos messages")  # utter_sms_opt_in
    assert len(lea.user_events()) == 1  # a notice, not a turn
    said = lea.picks('/choose_language{"language":"fr"}')  # the open question still works
    assert said == ["utter_about_emile_short", "utter_privacy", "utter_menu"]


def test_long_reply_is_split_at_sentences(sms_stack: SmsStack, twilio: FakeTwilio) -> None:
    ravi = SmsPerson(sms_stack, twilio)
    ravi.says("hello")
    ravi.picks('/choose_language{"language":"en"}')
    said = ravi.picks("/ask_program")
    assert said[0] == "utter_about_emile"
    assert len(ravi.sms) >= 2
    assert all(segments(body) <= 2 for body in ravi.sms)
    assert all(re.search(r"[.?!:)]$", body) for body in ravi.sms), ravi.sms


def test_media_message_gets_a_polite_reply(sms_stack: SmsStack, twilio: FakeTwilio) -> None:
    nour = SmsPerson(sms_stack, twilio)
    nour.says("hello")
    photo = inbound_sms(nour.phone, "", media=[("image/jpeg", media_url())])
    assert nour.post(photo).status_code == 200
    body = nour.notice()
    # utter_media_not_supported, in the conversation's language (French until chosen).
    assert body.startswith(("Je ne peux lire que du texte", "I can only read text")), body
    assert len(nour.user_events()) == 1


# ---------------------------------------------------------------- answers typed in words


@pytest.mark.parametrize("language", ["fr", "en"])
def test_whole_application_typed_in_words_by_sms(
    sms_stack: SmsStack, twilio: FakeTwilio, language: str
) -> None:
    person = SmsPerson(sms_stack, twilio)
    assert person.says("bonjour" if language == "fr" else "hello") == ["utter_ask_language"]
    said = person.says(LANGUAGE_TITLE[language])  # the choice's title, typed
    assert said == ["utter_about_emile_short", "utter_privacy", "utter_menu"]
    last_name = f"Typed-Sms-{language}"
    for text, expected in application_steps(language, last_name, phone_offered=True):
        assert person.says(text) == expected, (text, person.text())
    assert re.fullmatch(r"[A-Z2-9]{6}", person.slot("application_reference"))
    [listed] = application_named(sms_stack, last_name)
    application = sms_stack.api("GET", f"/applications/{listed['reference']}")
    assert application["answers"] == {**application["answers"], **ANSWERS[language]}
    assert application["channel"] == "sms"


def test_nonsense_three_times_by_sms_gets_a_way_out(
    sms_stack: SmsStack, twilio: FakeTwilio
) -> None:
    person = SmsPerson(sms_stack, twilio)
    person.says("bonjour")
    person.says("français")
    for text, expected in application_steps("fr", "unused", phone_offered=True)[:10]:
        assert person.says(text) == expected, text
    assert person.text().startswith("(10/12) ")
    said = person.says(NONSENSE[0])
    assert said == ["utter_rephrase_driving_licence", "utter_ask_driving_licence"]
    for text in NONSENSE[1:]:
        said = person.says(text)
        assert said == ["utter_way_out_person", "utter_ask_driving_licence"]
        assert "parler à une personne" in person.text()
    said = person.says("parler à une personne")
    assert said[-1] in ("utter_ask_phone_confirm", "utter_ask_phone")
