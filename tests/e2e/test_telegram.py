"""Whole conversations through the Telegram channel, with the real stack.

Telegram is played by the fake Bot API server (tests/fakes/telegram_api.py) on loopback: it
delivers updates to the Rasa server's webhook with the secret token, as Telegram does, and
records what the bot sends through python-telegram-bot. Behind the webhook run the real
Rasa server (trained model), action server and operator API of `tests/e2e/stack.py`.

The Rasa server here is a second one, started for this module on the session stack's API and
action server with the Telegram channel configured (the session stack's Rasa server has no
Telegram settings): the `bot.channels.telegram.TelegramInput` section of the repository's
credentials.yml when it has one, else the same section written here, with TELEGRAM_*
variables pointing at the fake server. The webhook is registered with the real command
(`python -m bot.channels.telegram_admin set-webhook`).

A turn is over when the tracker shows the person's message (message id
`telegram-<update_id>`) followed by `action_listen`: every reply has then been sent (Rasa
sends during the turn and saves the tracker at its end).
"""

from __future__ import annotations

import itertools
import os
import random
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.bidi import has_rtl
from tests.e2e.languages import GREETING, RTL_LANGUAGES, needs_complete
from tests.e2e.stack import (
    MODEL_NAME,
    MODELS_DIR,
    ROOT,
    Stack,
    free_port,
    http,
    rasa_command,
    set_telegram_webhook,
    wait_until,
)
from tests.e2e.typed import ANSWERS, LANGUAGE_TITLE, NONSENSE, application_steps
from tests.fakes.telegram_api import TOKEN, Call, FakeTelegram, Person

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SECRET = "e2e-telegram_Secret-0123456789"
SECTION = "bot.channels.telegram.TelegramInput"
DEFAULT_SECTION = f"""{SECTION}:
  access_token: ${{TELEGRAM_BOT_TOKEN}}
  secret_token: ${{TELEGRAM_SECRET_TOKEN}}
  mode: ${{TELEGRAM_MODE}}
  base_url: ${{TELEGRAM_BASE_URL}}
  public_url: ${{TELEGRAM_PUBLIC_URL}}
  data_dir: ${{TELEGRAM_DATA_DIR}}
"""
_chat_ids = itertools.count(random.randint(10**9, 2 * 10**9))


def telegram_section() -> str:
    """The Telegram section of the repository's credentials.yml, as text (else ours)."""
    lines = (ROOT / "credentials.yml").read_text(encoding="utf-8").splitlines()
    for start, line in enumerate(lines):
        if line.rstrip() == f"{SECTION}:":
            section = [line]
            for following in lines[start + 1 :]:
                if following and not following[0].isspace() and not following.startswith("#"):
                    break
                section.append(following)
            return "\n".join(section) + "\n"
    return DEFAULT_SECTION


def english_texts() -> dict[str, str]:
    """The English source text of every response (first variation)."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {
        name: variations[0].get("text") or ""
        for name, variations in (domain.get("responses") or {}).items()
        if variations
    }


@dataclass
class TelegramStack:
    stack: Stack
    fake: FakeTelegram
    rasa_url: str
    workdir: Path

    def tracker(self, chat_id: int) -> dict[str, Any]:
        status, body = http("GET", f"{self.rasa_url}/conversations/{chat_id}/tracker")
        assert status == 200, body
        return body

    def logs(self) -> str:
        path = self.workdir / "rasa.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


@pytest.fixture(scope="module")
def telegram(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramStack]:
    workdir = tmp_path_factory.mktemp("telegram")
    fake = FakeTelegram().start()
    port = free_port()
    rasa_url = f"http://127.0.0.1:{port}"
    credentials = workdir / "credentials.yml"
    credentials.write_text("rest:\n" + telegram_section(), encoding="utf-8")
    env = {
        **stack.env,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_SECRET_TOKEN": SECRET,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_BASE_URL": fake.base_url,
        "TELEGRAM_PUBLIC_URL": f"{rasa_url}/webhooks/telegram/webhook",
        "TELEGRAM_DATA_DIR": str(workdir),
        "EMILE_TRACKER_DB": str(workdir / "trackers.db"),
    }
    model = Path(os.environ.get("EMILE_E2E_MODEL") or MODELS_DIR / f"{MODEL_NAME}.tar.gz")
    log = open(workdir / "rasa.log", "ab")  # noqa: SIM115 - kept with the process
    process = subprocess.Popen(
        rasa_command(port, model, credentials),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    running = TelegramStack(stack, fake, rasa_url, workdir)
    try:
        wait_until(
            lambda: _ready(rasa_url),
            300,
            "Rasa server with the Telegram channel",
            process,
        )
        # Register the webhook as an operator would.
        set_telegram_webhook(credentials, env)
        assert fake.webhook["url"] == env["TELEGRAM_PUBLIC_URL"]
        assert fake.webhook["secret_token"] == SECRET
        yield running
    except Exception:
        print(f"----- rasa.log (tail)\n{running.logs()[-4000:]}")
        raise
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
        log.close()
        fake.stop()


def _ready(rasa_url: str) -> bool:
    status, body = http("GET", f"{rasa_url}/status", timeout=2)
    return status == 200 and isinstance(body, dict) and bool(body.get("model_file"))


class Chat:
    """One person talking to the assistant from the Telegram app."""

    def __init__(self, telegram: TelegramStack, name: str, language_code: str | None) -> None:
        self.telegram = telegram
        self.fake = telegram.fake
        self.person = Person(next(_chat_ids), first_name=name, language_code=language_code)
        self.replies: list[Call] = []
        self.said: list[str] = []

    @property
    def id(self) -> int:
        return self.person.id

    def send(self, update: dict[str, Any], timeout: float = 90.0) -> list[str]:
        """Deliver an update; when the turn is over, the response names the bot used."""
        mark = self.fake.mark()
        answer = self.fake.deliver(update)
        assert answer.status_code == 200, answer.text
        message_id = f"telegram-{update['update_id']}"
        deadline = time.monotonic() + timeout
        while True:
            events = self.telegram.tracker(self.id).get("events") or []
            positions = [
                i
                for i, e in enumerate(events)
                if e.get("event") == "user" and e.get("message_id") == message_id
            ]
            if positions and _turn_over(events, positions[-1]):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"no end of turn for {update}: {events[-5:]}")
            time.sleep(0.2)
        after = events[positions[-1] + 1 :]
        self.said = [
            (e.get("metadata") or {}).get("utter_action") or "?"
            for e in after
            if e.get("event") == "bot"
        ]
        self.replies = [
            c for c in self.fake.calls[mark:] if c.method == "sendMessage" and c.chat_id == self.id
        ]
        return self.said

    def says(self, text: str) -> list[str]:
        return self.send(self.fake.text(self.person, text))

    def taps(self, title: str | None = None, *, data: str | None = None) -> list[str]:
        """Press a button of the keyboards the bot showed in its last turn."""
        return self.send(self.fake.press(self.person, title, data=data))

    def text(self) -> str:
        """What the person read in the last turn (bot messages, not the ✓ echo)."""
        return "\n".join(c.text or "" for c in self.replies if not (c.text or "").startswith("✓"))

    def titles(self) -> list[str]:
        return [b["text"] for c in self.replies for b in c.buttons]

    def slot(self, name: str) -> Any:
        return self.telegram.tracker(self.id)["slots"].get(name)

    def start(self, language: str) -> None:
        """Open the bot (/start), choosing the language if asked."""
        said = self.says("/start")
        if said == ["utter_ask_language"]:
            said = self.taps(data=f'/choose_language{{"language":"{language}"}}')
        assert said == ["utter_about_emile_short", "utter_privacy", "utter_menu"], said
        assert self.slot("language") == language


def _turn_over(events: list[dict[str, Any]], user_at: int) -> bool:
    after = events[user_at + 1 :]
    return (
        bool(after)
        and after[-1].get("event") == "action"
        and (after[-1].get("name") == "action_listen")
    )


def application_named(stack: Stack, last_name: str) -> list[dict[str, Any]]:
    return stack.api("GET", f"/applications?q={last_name}")["items"]


# ---------------------------------------------------------------- eligible, in French


def test_french_application_through_telegram(telegram: TelegramStack) -> None:
    amina = Chat(telegram, "Amina", "fr")
    amina.start("fr")
    assert "What would you like to do" not in amina.text()
    assert amina.replies[-1].buttons, "the menu is an inline keyboard"
    # session_started_metadata holds what the channel gave at session start.
    assert amina.slot("session_started_metadata") == {
        "channel": "telegram",
        "language_hint": "fr",
    }

    assert amina.taps(data="/check_eligibility") == [
        "utter_eligibility_intro",
        "utter_ask_residence_area",
    ]
    # The press was answered, its keyboard removed, the choice echoed.
    assert amina.replies[0].text.startswith("✓ ")
    assert telegram.fake.calls_to("answerCallbackQuery")
    assert amina.taps(data='/inform{"residence_area":"ile_de_france"}') == [
        "utter_ask_housing_situation"
    ]
    assert amina.says("pourquoi vous me demandez ça ?") == [
        "utter_why_housing_situation",
        "utter_ask_housing_situation",
    ]
    assert amina.taps(data='/inform{"housing_situation":"emergency_shelter"}') == [
        "utter_ask_right_to_work"
    ]
    assert amina.says("oui") == ["utter_ask_work_situation"]
    assert amina.taps(data='/inform{"work_situation":"unemployed"}') == ["utter_ask_ready_to_move"]
    assert amina.says("oui") == ["utter_ask_adults"]
    assert amina.taps(data='/inform{"number":"1"}') == ["utter_ask_children"]
    assert amina.says("deux") == ["utter_ask_sectors"]
    assert amina.taps(data='/inform{"sector":"building"}') == ["utter_ask_experience_years"]
    assert amina.says("3") == ["utter_ask_driving_licence"]
    assert amina.says("non") == ["utter_ask_french_level"]
    assert amina.taps(data='/inform{"french_level":"intermediate"}') == [
        "utter_ask_territory_preferences"
    ]
    assert {"Cantal", "Lozère"} <= set(amina.titles())
    assert amina.taps("Cantal") == ["utter_verdict_eligible", "utter_ask_consent_given"]
    assert amina.taps(data="/affirm") == ["utter_ask_first_name"]
    assert amina.says("Amina") == ["utter_ask_last_name"]
    assert amina.says("Diallo-Telegram") == ["utter_ask_phone"]
    assert amina.says("06 12 34 56 78") == ["utter_ask_email"]
    assert amina.taps(data="/deny") == ["utter_application_sent", "utter_next_steps"]
    reference = amina.slot("application_reference")
    assert re.fullmatch(r"[A-Z2-9]{6}", reference)
    assert reference in amina.text()

    [listed] = application_named(telegram.stack, "Diallo-Telegram")
    application = telegram.stack.api("GET", f"/applications/{listed['reference']}")
    assert application["reference"] == reference
    assert application["channel"] == "telegram"
    assert application["language"] == "fr"
    assert application["phone"] == "+33612345678"
    assert application["answers"]["housing_situation"] == "emergency_shelter"
    assert application["answers"]["children"] == 2
    assert application["territory_preferences"] == ["cantal"]
    assert application["verdict"]["result"] == "eligible"
    # Telegram refused nothing the channel sent.
    assert not [c for c in telegram.fake.calls if c.status != 200 and c.chat_id == amina.id]


# ---------------------------------------------------------------- eligible, in English


def test_english_application_through_telegram(telegram: TelegramStack) -> None:
    john = Chat(telegram, "John", "en")
    john.start("en")
    assert "What would you like to do" in john.text()
    assert john.says("am I eligible?")[-1] == "utter_ask_residence_area"
    john.taps(data='/inform{"residence_area":"lyon_metropole"}')
    john.taps(data='/inform{"housing_situation":"hosted_by_family_or_friends"}')
    assert john.taps(data='/inform{"right_to_work":"yes"}') == ["utter_ask_work_situation"]
    assert john.taps(data='/inform{"work_situation":"temping"}') == ["utter_ask_ready_to_move"]
    assert john.says("yes") == ["utter_ask_adults"]
    assert john.says("2") == ["utter_ask_children"]
    assert john.taps(data='/inform{"number":"0"}') == ["utter_ask_sectors"]
    assert john.taps(data='/inform{"sector":"personal_care"}') == ["utter_ask_experience_years"]
    assert john.says("10") == ["utter_ask_driving_licence"]
    assert john.taps(data='/inform{"driving_licence":"yes"}') == ["utter_ask_french_level"]
    assert john.taps(data='/inform{"french_level":"fluent"}') == ["utter_ask_territory_preferences"]
    said = john.taps(data="/deny")  # No preference.
    assert said[0] == "utter_verdict_eligible"
    assert said[-1] == "utter_ask_consent_given"
    assert john.says("yes") == ["utter_ask_first_name"]
    john.says("John")
    assert john.says("Smith-Telegram") == ["utter_ask_phone"]
    assert john.says("07 98 76 54 32") == ["utter_ask_email"]
    said = john.says("john.smith@example.org")
    assert said == ["utter_application_sent", "utter_next_steps"]
    assert "reference code" in john.text()

    [application] = application_named(telegram.stack, "Smith-Telegram")
    assert application["language"] == "en"
    assert application["email"] == "john.smith@example.org"
    full = telegram.stack.api("GET", f"/applications/{application['reference']}")
    assert full["channel"] == "telegram"
    assert full["verdict"]["result"] == "eligible"
    assert full["answers"]["children"] == 0


# ---------------------------------------------------------------- the language hint


def test_language_code_en_is_greeted_in_english(telegram: TelegramStack) -> None:
    """Telegram says the phone is in English: the first words are English, unasked."""
    kate = Chat(telegram, "Kate", "en")
    said = kate.says("/start")
    assert kate.slot("session_started_metadata") == {
        "channel": "telegram",
        "language_hint": "en",
    }
    assert kate.slot("language") == "en", said
    english = english_texts()
    names = [n for n in said if n in english and "{" not in english[n]]
    assert names, said
    shown = kate.text()
    for name in names:
        assert english[name].strip() in shown, name


def test_language_code_fa_is_greeted_in_dari(telegram: TelegramStack) -> None:
    """Telegram says "fa" (Persian): the programme's Persian speakers are mostly Afghan."""
    needs_complete("prs")
    zahra = Chat(telegram, "Zahra", "fa")
    said = zahra.says("/start")
    assert zahra.slot("language") == "prs", said
    assert zahra.slot("language_source") == "hint"
    assert said == ["utter_about_emile_short", "utter_privacy", "utter_menu"], said
    assert has_rtl(zahra.text())
    # "1" picks the first choice of the menu and keeps Dari.
    assert zahra.says("۱") == ["utter_about_emile", "utter_path"]
    assert zahra.slot("language") == "prs"


# ---------------------------------------------------------------- refused, repeated


def test_wrong_secret_token_is_refused(telegram: TelegramStack) -> None:
    eve = Chat(telegram, "Eve", "fr")
    update = telegram.fake.text(eve.person, "bonjour")
    for secret in ("wrong-secret", ""):
        assert telegram.fake.deliver(update, secret=secret).status_code == 403
    # Straight to the webhook without the header at all.
    status, _ = http("POST", f"{telegram.rasa_url}/webhooks/telegram/webhook", update, timeout=10)
    assert status == 403
    time.sleep(1)
    events = telegram.tracker(eve.id).get("events") or []
    assert not [e for e in events if e.get("event") == "user"]
    assert telegram.fake.sent(eve.id) == []


def test_duplicate_update_is_processed_once(telegram: TelegramStack) -> None:
    dan = Chat(telegram, "Dan", "en")
    dan.start("en")
    update = telegram.fake.text(dan.person, "how much does it cost?")
    said = dan.send(update)
    assert said and said[0] == "utter_cost"
    sent = len(telegram.fake.sent(dan.id))
    # Telegram delivers it again (it thought the first delivery timed out).
    assert telegram.fake.deliver(update).status_code == 200
    time.sleep(2)
    events = telegram.tracker(dan.id).get("events") or []
    ids = [e.get("message_id") for e in events if e.get("event") == "user"]
    assert ids.count(f"telegram-{update['update_id']}") == 1
    assert len(telegram.fake.sent(dan.id)) == sent


# ---------------------------------------------------------------- media, long replies


def test_media_message_gets_a_polite_reply(telegram: TelegramStack) -> None:
    lea = Chat(telegram, "Léa", "en")
    lea.start("en")
    for update in (telegram.fake.photo(lea.person), telegram.fake.voice(lea.person)):
        mark = telegram.fake.mark()
        assert telegram.fake.deliver(update).status_code == 200
        [reply] = telegram.fake.wait_quiet(lea.id, since=mark, quiet=1.0)
        assert reply.text
    # Not a message for NLU: the conversation did not move.
    events = telegram.tracker(lea.id).get("events") or []
    assert not [
        e for e in events if str(e.get("message_id", "")).endswith(str(update["update_id"]))
    ]
    assert reply.text == english_texts()["utter_media_not_supported"].strip()
    # The person can go on.
    assert lea.says("menu") == ["utter_menu"]


def test_long_reply_is_split_at_sentences(telegram: TelegramStack) -> None:
    """A bot message over 4,096 characters, pushed through Rasa's HTTP API to the Telegram
    output channel (built without a request)."""
    max_ = Chat(telegram, "Max", "en")
    max_.start("en")
    sentence = "EMILE helps people move to a region with jobs and homes, step by step. "
    long_text = (sentence * 130).strip()  # about 9,200 characters
    event = {
        "event": "bot",
        "text": long_text,
        "data": {"buttons": [{"title": "Menu", "payload": "/menu"}]},
    }
    mark = telegram.fake.mark()
    status, body = http(
        "POST",
        f"{telegram.rasa_url}/conversations/{max_.id}/tracker/events"
        "?output_channel=telegram&execute_side_effects=true",
        event,
    )
    assert status == 200, body
    parts = telegram.fake.wait_quiet(
        max_.id, since=mark, until=lambda sent: len(sent) >= 3, quiet=1.0
    )
    assert len(parts) == 3
    assert all(len(p.text.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert all(p.text.endswith("step by step.") for p in parts)
    assert " ".join(p.text for p in parts) == long_text
    assert [bool(p.buttons) for p in parts] == [False, False, True]
    # The button works like any other.
    assert max_.taps("Menu") == ["utter_menu"]


def test_the_bot_speaks_first(telegram: TelegramStack) -> None:
    """trigger_intent with output_channel=telegram: no request from the person."""
    zoe = Chat(telegram, "Zoé", "fr")
    zoe.start("fr")
    mark = telegram.fake.mark()
    status, body = http(
        "POST",
        f"{telegram.rasa_url}/conversations/{zoe.id}/trigger_intent?output_channel=telegram",
        {"name": "menu"},
    )
    assert status == 200, body
    [menu] = telegram.fake.wait_quiet(zoe.id, since=mark, quiet=1.0)
    assert menu.buttons
    assert "What would you like to do" not in menu.text  # French, like the conversation


# ---------------------------------------------------------------- answers typed, not tapped


# What a phone set to each language tells Telegram ("fa": Persian, read as Dari).
TELEGRAM_LANGUAGE_CODE = {"fr": "fr", "en": "en", "ar": "ar", "prs": "fa", "ps": "ps"}


def start_typing(chat: Chat, language: str) -> None:
    """Open the conversation by typing; the channel's language hint sets the language."""
    said = chat.says({"fr": "bonjour", "en": "hello"}.get(language) or GREETING[language])
    if said == ["utter_ask_language"]:
        said = chat.says(LANGUAGE_TITLE[language])
    assert said == ["utter_about_emile_short", "utter_privacy", "utter_menu"], said
    assert chat.slot("language") == language


def test_3_at_the_menu_on_telegram(telegram: TelegramStack) -> None:
    chat = Chat(telegram, "Samir", "fr")
    start_typing(chat, "fr")
    # The menu says "write its number": the numbers are on the buttons.
    assert chat.titles()[2].startswith("3. "), chat.titles()
    assert chat.says("3") == ["utter_territory_list"]
    assert chat.telegram.tracker(chat.id)["latest_message"]["intent"]["name"] == "ask_territories"


@pytest.mark.parametrize("language", ["fr", "en", *RTL_LANGUAGES])
def test_a_whole_application_typed_on_telegram(telegram: TelegramStack, language: str) -> None:
    """Every answer typed, in the person's words and script (the phone number too)."""
    needs_complete(language)
    chat = Chat(telegram, "Amina", TELEGRAM_LANGUAGE_CODE[language])
    start_typing(chat, language)
    last_name = f"Typed-Telegram-{language}"
    for text, expected in application_steps(language, last_name):
        assert chat.says(text) == expected, (text, chat.text())
    reference = chat.slot("application_reference")
    assert re.fullmatch(r"[A-Z2-9]{6}", reference)
    assert reference in chat.text()
    [listed] = application_named(telegram.stack, last_name)
    application = telegram.stack.api("GET", f"/applications/{listed['reference']}")
    assert application["answers"] == {**application["answers"], **ANSWERS[language]}
    assert application["channel"] == "telegram"
    assert application["language"] == language
    assert application["phone"] == "+33612345678"


def test_nonsense_on_telegram_gets_numbered_choices_then_a_way_out(
    telegram: TelegramStack,
) -> None:
    chat = Chat(telegram, "Lost", "en")
    start_typing(chat, "en")
    for text, expected in application_steps("en", "unused")[:4]:
        assert chat.says(text) == expected, text
    assert chat.said == ["utter_ask_work_situation"]
    assert chat.text().startswith("(4/12) ")
    said = chat.says(NONSENSE[0])
    assert said == ["utter_rephrase_work_situation", "utter_ask_work_situation"]
    assert chat.titles()[0] == "1. No job"
    said = chat.says(NONSENSE[1])
    assert said == ["utter_way_out_dont_know", "utter_ask_work_situation"]
    assert "I don't know" in chat.text()
    assert chat.says("I don't know") == ["utter_ask_ready_to_move"]
    assert chat.slot("work_situation") == "dont_know"
