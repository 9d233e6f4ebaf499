"""Whole conversations through the REST channel of the real Rasa server, with the trained
model, the real action server and the real operator API (tests/e2e/stack.py).

What the bot said is checked by response name (the tracker keeps it with every message)
and, where it matters, by the text the person read."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import pytest

from tests.e2e.stack import Stack, http

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class Person:
    """One person talking to the assistant through the REST channel."""

    def __init__(self, stack: Stack, name: str, metadata: dict[str, Any] | None = None) -> None:
        self.stack = stack
        self.sender = f"{name}-{uuid.uuid4().hex[:8]}"
        self.metadata = metadata
        self.messages: list[dict[str, Any]] = []
        self.said: list[str] = []

    def says(self, text: str) -> list[str]:
        """Send a message; the names of the responses the bot answered with, in order."""
        before = len(self._bot_events())
        self.messages = self.stack.say(self.sender, text, self.metadata)
        after = self._bot_events()
        # An erased conversation has fewer events than before: nothing to read there.
        new = after[before:] if len(after) >= before else []
        self.said = [(event.get("metadata") or {}).get("utter_action") or "?" for event in new]
        return self.said

    def taps(self, title_or_index: str | int) -> list[str]:
        """Tap a button of the bot's last messages (by title, or by position)."""
        buttons = [b for m in self.messages for b in m.get("buttons") or []]
        if isinstance(title_or_index, int):
            return self.says(buttons[title_or_index]["payload"])
        for button in buttons:
            if button["title"] == title_or_index:
                return self.says(button["payload"])
        raise AssertionError(f"no button {title_or_index!r} in {buttons}")

    def answers(self, intent: str, **entities: Any) -> list[str]:
        """Send a payload, as a button would."""
        payload = f"/{intent}" + (json.dumps(entities) if entities else "")
        return self.says(payload)

    def text(self) -> str:
        """What the person read after their last message."""
        return "\n".join(m.get("text") or "" for m in self.messages)

    def slot(self, name: str) -> Any:
        return self.stack.tracker(self.sender)["slots"].get(name)

    def _bot_events(self) -> list[dict[str, Any]]:
        tracker = self.stack.tracker(self.sender)
        return [e for e in tracker.get("events") or [] if e.get("event") == "bot"]


def application_named(stack: Stack, last_name: str) -> list[dict[str, Any]]:
    return stack.api("GET", f"/applications?q={last_name}")["items"]


def start_in(person: Person, language: str) -> None:
    assert person.says("hello") == ["utter_ask_language"]
    said = person.answers("choose_language", language=language)
    assert said == ["utter_about_emile_short", "utter_privacy", "utter_menu"]


# ---------------------------------------------------------------- eligible, in French


def test_french_candidate_applies_and_the_application_is_in_the_api(stack: Stack) -> None:
    amina = Person(stack, "amina")
    start_in(amina, "fr")
    assert "EMILE" in amina.text()
    # Texts are in French (the source is English).
    assert "What would you like to do" not in amina.text()

    said = amina.says("/check_eligibility")
    assert said == ["utter_eligibility_intro", "utter_ask_residence_area"]
    assert amina.answers("inform", residence_area="ile_de_france") == [
        "utter_ask_housing_situation"
    ]
    # A question in the middle is answered, then the same question again.
    assert amina.says("pourquoi vous me demandez ça ?") == [
        "utter_why_housing_situation",
        "utter_ask_housing_situation",
    ]
    assert amina.answers("inform", housing_situation="emergency_shelter") == [
        "utter_ask_right_to_work"
    ]
    assert amina.says("c'est payant ?") == ["utter_cost", "utter_ask_right_to_work"]
    assert amina.says("oui") == ["utter_ask_work_situation"]
    assert amina.answers("inform", work_situation="unemployed") == ["utter_ask_ready_to_move"]
    assert amina.says("oui") == ["utter_ask_adults"]
    # An impossible answer is asked again with a hint.
    assert amina.says("0") == ["utter_hint_adults", "utter_ask_adults"]
    assert amina.says("1") == ["utter_ask_children"]
    assert amina.says("deux") == ["utter_ask_sectors"]
    assert amina.answers("inform", sector="building") == ["utter_ask_experience_years"]
    assert amina.says("3") == ["utter_ask_driving_licence"]
    assert amina.says("non") == ["utter_ask_french_level"]
    assert amina.answers("inform", french_level="intermediate") == [
        "utter_ask_territory_preferences"
    ]
    assert {b["title"] for b in amina.messages[0]["buttons"]} >= {"Cantal", "Lozère"}
    said = amina.taps("Cantal")
    assert said == ["utter_verdict_eligible", "utter_ask_consent_given"]
    assert amina.says("oui") == ["utter_ask_first_name"]
    assert amina.says("Amina") == ["utter_ask_last_name"]
    assert amina.says("Diallo-Test") == ["utter_ask_phone"]
    assert amina.says("06 12 34 56 78") == ["utter_ask_email"]
    said = amina.says("/deny")
    assert said == ["utter_application_sent", "utter_next_steps"]
    reference = amina.slot("application_reference")
    assert re.fullmatch(r"[A-Z2-9]{6}", reference)
    assert reference in amina.text()

    [listed] = application_named(stack, "Diallo-Test")
    application = stack.api("GET", f"/applications/{listed['reference']}")
    assert application["reference"] == reference
    assert application["first_name"] == "Amina"
    assert application["phone"] == "+33612345678"
    assert application["language"] == "fr" and application["channel"] == "rest"
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
    assert application["verdict"]["reasons"] == []

    # Asking again does not create a second application.
    assert amina.says("/check_eligibility") == ["utter_already_applied"]
    assert len(application_named(stack, "Diallo-Test")) == 1


# ---------------------------------------------------------------- to review, in English


def test_english_candidate_to_review_with_the_sms_number(stack: Stack) -> None:
    john = Person(stack, "john", metadata={"phone": "+33687654321"})
    start_in(john, "en")
    assert "What would you like to do" in john.text()
    john.says("am I eligible?")
    assert john.said[-1] == "utter_ask_residence_area"
    john.answers("inform", residence_area="lyon_metropole")
    john.answers("inform", housing_situation="hosted_by_family_or_friends")
    assert john.answers("inform", right_to_work="pending_renewal") == ["utter_ask_work_situation"]
    assert john.says("I don't know") == ["utter_ask_ready_to_move"]
    assert john.says("maybe") == ["utter_ask_adults"]  # the title of a choice, typed
    assert john.says("2") == ["utter_ask_children"]
    assert john.says("none") == ["utter_ask_sectors"]
    john.answers("inform", sector="personal_care")
    john.says("10")
    john.answers("inform", driving_licence="in_progress")
    john.answers("inform", french_level="basic")
    said = john.says("/deny")  # No preference.
    assert said[0] == "utter_verdict_to_review"
    assert "utter_reason_right_to_work_pending" in said
    assert said[-1] == "utter_ask_consent_given"
    john.says("/affirm")
    john.says("John")
    # The number the channel gave is offered for confirmation.
    assert john.says("Smith-Test") == ["utter_ask_phone_confirm"]
    assert "+33687654321" in john.text()
    assert john.says("yes") == ["utter_ask_email"]
    said = john.says("john.smith@example.org")
    assert said == ["utter_application_sent", "utter_next_steps"]

    [application] = application_named(stack, "Smith-Test")
    assert application["phone"] == "+33687654321"
    assert application["email"] == "john.smith@example.org"
    assert application["language"] == "en"
    full = stack.api("GET", f"/applications/{application['reference']}")
    assert full["verdict"]["result"] == "to_review"
    assert set(full["verdict"]["reasons"]) >= {"right_to_work_pending", "work_unknown"}
    assert full["answers"]["right_to_work"] == "pending_renewal"
    assert full["answers"]["children"] == 0
    assert full["territory_preferences"] == []


# ---------------------------------------------------------------- not eligible


def test_not_eligible_hears_why_and_where_to_turn(stack: Stack) -> None:
    sam = Person(stack, "sam")
    start_in(sam, "en")
    sam.says("/check_eligibility")
    sam.answers("inform", residence_area="ile_de_france")
    said = sam.answers("inform", housing_situation="stable_housing")
    # A decisive answer ends the questions.
    assert said[0] == "utter_verdict_not_eligible"
    assert "utter_reason_housing_stable" in said
    assert "utter_where_else" in said
    assert "utter_referral_france_travail" in said
    assert said[-1] == "utter_verdict_not_final"
    assert "France Travail" in sam.text()
    assert sam.slot("verdict") == "not_eligible"

    # Starting again clears the answers.
    said = sam.says("/check_eligibility")
    assert said == ["utter_eligibility_restart", "utter_ask_residence_area"]


# ---------------------------------------------------------------- workshops


def test_workshop_booking_and_cancellation(stack: Stack) -> None:
    claire = Person(stack, "claire")
    start_in(claire, "fr")
    assert claire.says("/ask_workshops") == ["utter_ask_audience"]
    said = claire.answers("inform", audience="professionals")
    assert said[0] == "utter_workshops_intro"
    assert "utter_workshop_item" in said
    item = next(m for m in claire.messages if m.get("buttons"))
    workshop_id = json.loads(item["buttons"][0]["payload"].removeprefix("/inform"))["workshop_id"]
    workshop = stack.api("GET", f"/workshops/{workshop_id}", role="admin")
    # The date is written the French way, not as ISO 8601.
    assert workshop["starts_at"][:10] not in item["text"]
    assert re.search(r"\d{1,2} \w+\.? \d{4}", item["text"]), item["text"]

    assert claire.taps(0) == ["utter_ask_attendee_name"]
    assert claire.says("Claire Martin") == ["utter_ask_organisation"]
    assert claire.says("CIAS de Montreuil") == ["utter_ask_contact"]
    said = claire.says("claire.martin@example.org")
    assert said == ["utter_workshop_booked"]
    code = claire.slot("registration_reference")
    assert code in claire.text()
    registrations = stack.api("GET", f"/workshops/{workshop_id}/registrations", role="admin")
    items = registrations["items"] if isinstance(registrations, dict) else registrations
    mine = [r for r in items if r["reference"] == code]
    assert mine and mine[0]["status"] == "confirmed"

    said = claire.says("je voudrais annuler mon inscription")
    assert said == ["utter_registration_cancelled"]
    registrations = stack.api("GET", f"/workshops/{workshop_id}/registrations", role="admin")
    items = registrations["items"] if isinstance(registrations, dict) else registrations
    assert [r["status"] for r in items if r["reference"] == code] == ["cancelled"]


# ---------------------------------------------------------------- status and erasure


def apply_quickly(person: Person, last_name: str, phone: str = "0611223344") -> None:
    """Answer every question by buttons, up to the e-mail question."""
    person.says("/check_eligibility")
    for slot, value in [
        ("residence_area", "ile_de_france"),
        ("housing_situation", "street"),
        ("right_to_work", "yes"),
        ("work_situation", "temping"),
        ("ready_to_move", "yes"),
        ("number", "1"),
        ("number", "0"),
        ("sector", "cleaning"),
        ("number", "2"),
        ("driving_licence", "no"),
        ("french_level", "fluent"),
    ]:
        person.answers("inform", **{slot: value})
    assert person.says("/deny")[-1] == "utter_ask_consent_given"
    person.says("/affirm")
    person.says("Fatou")
    person.says(last_name)
    assert person.says(phone) == ["utter_ask_email"]


def test_status_then_erasure_of_the_application_and_the_conversation(stack: Stack) -> None:
    fatou = Person(stack, "fatou")
    start_in(fatou, "fr")
    apply_quickly(fatou, "Sow-Test")
    assert fatou.says("/deny") == ["utter_application_sent", "utter_next_steps"]
    reference = fatou.slot("application_reference")

    # An operator moves it along; the person asks where it stands.
    stack.api("POST", f"/applications/{reference}/status", {"status": "contacted"})
    assert fatou.says("où en est ma demande ?") == ["utter_status_contacted"]
    assert reference in fatou.text()

    # Someone else, with the code and the phone number.
    other = Person(stack, "relative")
    start_in(other, "en")
    assert other.says("/check_status") == ["utter_ask_status_reference"]
    assert other.says(reference.lower()) == ["utter_ask_phone"]
    assert other.says("06 11 22 33 44") == ["utter_status_contacted"]

    assert fatou.says("supprimer mes données") == ["utter_confirm_erasure"]
    # The conversation is erased with this answer: only the message itself tells.
    fatou.says("/affirm")
    assert len(fatou.messages) == 1, fatou.messages
    status, _ = http(
        "GET",
        f"{stack.api_url}/api/v1/applications/{reference}",
        headers={"X-API-Key": stack.keys["operator"]},
    )
    assert status in (404, 410)
    # The stored conversation is gone: the next message starts from the beginning.
    events = stack.tracker(fatou.sender).get("events") or []
    assert not [e for e in events if e.get("event") == "user"]
    assert fatou.says("bonjour") == ["utter_ask_language"]


def test_deletion_can_be_declined(stack: Stack) -> None:
    leo = Person(stack, "leo")
    start_in(leo, "en")
    assert leo.says("/delete_my_data") == ["utter_confirm_erasure"]
    assert leo.says("/deny") == ["utter_erasure_cancelled"]
    assert leo.slot("language") == "en"


# ---------------------------------------------------------------- the API down


def test_api_down_during_submission_arrives_once_and_nothing_false_is_said(stack: Stack) -> None:
    nadia = Person(stack, "nadia")
    start_in(nadia, "en")
    apply_quickly(nadia, "Haddad-Test", phone="0677889900")
    stack.stop_api()
    try:
        said = nadia.says("/deny")
        assert said == ["utter_application_saved", "utter_next_steps"]
        assert "utter_application_sent" not in said
        assert nadia.slot("application_reference") is None
        assert "reference code is" not in nadia.text()
        # Asked meanwhile: still waiting, and said so.
        assert nadia.says("where is my application?") == ["utter_status_pending"]
        # A territory's details need the API: a polite message, the conversation goes on.
        assert nadia.answers("ask_territory_info", territory="cantal") == ["utter_api_unavailable"]
        assert nadia.says("/ask_cost") == ["utter_cost"]
    finally:
        stack.start_api()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not application_named(stack, "Haddad-Test"):
        time.sleep(1)
    [application] = application_named(stack, "Haddad-Test")
    time.sleep(3)  # More retries would not make a second one.
    assert len(application_named(stack, "Haddad-Test")) == 1
    said = nadia.says("where is my application?")
    assert said == ["utter_status_new"]
    assert application["reference"] in nadia.text()


# ---------------------------------------------------------------- coming back later


def test_coming_back_later_picks_up_where_the_person_stopped(stack: Stack) -> None:
    ali = Person(stack, "ali")
    start_in(ali, "en")
    ali.says("/check_eligibility")
    ali.answers("inform", residence_area="ile_de_france")
    assert ali.answers("inform", housing_situation="social_hotel") == ["utter_ask_right_to_work"]
    # A new session (as after an hour away).
    result = stack.execute(ali.sender, "action_session_start")
    texts = [m.get("text") for m in result.get("messages") or []]
    assert any("Welcome back" in (t or "") for t in texts), texts
    # The next answer goes to the question the person stopped at.
    assert ali.says("yes") == ["utter_ask_work_situation"]
    assert ali.slot("housing_situation") == "social_hotel"


def test_stop_and_resume(stack: Stack) -> None:
    mia = Person(stack, "mia")
    start_in(mia, "en")
    mia.says("/check_eligibility")
    mia.answers("inform", residence_area="ile_de_france")
    assert mia.says("stop") == ["utter_form_paused"]
    assert mia.says("what is emile?") == ["utter_about_emile", "utter_path"]
    assert mia.says("/check_eligibility") == [
        "utter_eligibility_resume",
        "utter_ask_housing_situation",
    ]
    assert mia.says("menu") == ["utter_menu"]
    assert mia.says("/ask_human") == ["utter_ask_phone"]
    assert mia.says("+44 7700 900123") == ["utter_callback_created"]
    callbacks = stack.api("GET", "/callbacks?status=open")
    items = callbacks["items"] if isinstance(callbacks, dict) else callbacks
    assert any(c["phone"] == "+447700900123" for c in items)
