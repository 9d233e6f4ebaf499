"""The Babel extractor for domain.yml."""

from __future__ import annotations

import io

from babel.messages.extract import DEFAULT_KEYWORDS, extract

from bot.i18n_extract import extract_domain

from .conftest import FIXTURES

DOMAIN = b"""
responses:
  # A comment that is not for translators.
  # TRANSLATORS: said once, at the start.
  #   Friendly, not formal.
  utter_greet:
    - text: "Hello {first_name}!"
    - channel: sms
      text: "Hi {first_name}"
  utter_menu:
    - text: |
        What now?
        Pick one.
      buttons:
        # TRANSLATORS: the programme's name stays EMILE.
        - title: About EMILE
          payload: /ask_program
        - title: "{first_name}"
          payload: /inform
  utter_choose_language:
    - text: Choose your language.
      buttons:
        - title: English
          payload: '/choose_language{"language":"en"}'
  utter_only_value:
    - text: "{count} ..."
  utter_image:
    - image: https://example.org/a.png
"""


def messages(source: bytes, comment_tags: tuple[str, ...] = ("TRANSLATORS:",)) -> list:
    return list(
        extract(
            extract_domain,
            io.BytesIO(source),
            DEFAULT_KEYWORDS,
            comment_tags=comment_tags,
            strip_comment_tags=True,
        )
    )


def test_texts_and_buttons_with_their_context():
    found = {(context, message) for _line, message, _comments, context in messages(DOMAIN)}
    assert found == {
        ("utter_greet", "Hello {first_name}!"),
        ("utter_greet", "Hi {first_name}"),
        ("utter_menu", "What now?\nPick one.\n"),
        ("utter_menu|button", "About EMILE"),
        ("utter_choose_language", "Choose your language."),
    }


def test_line_numbers_point_at_the_text():
    lines = {message: line for line, message, _comments, _context in messages(DOMAIN)}
    source_lines = DOMAIN.decode().splitlines()
    assert "Hello {first_name}!" in source_lines[lines["Hello {first_name}!"] - 1]
    assert "About EMILE" in source_lines[lines["About EMILE"] - 1]


def test_translator_comments():
    comments = {message: found for _line, message, found, _context in messages(DOMAIN)}
    assert comments["Hello {first_name}!"] == [
        "said once, at the start.",
        "Friendly, not formal.",
        "Keep the placeholders as they are: {first_name}.",
    ]
    assert "SMS: keep it short" in " ".join(comments["Hi {first_name}"])
    assert "the programme's name stays EMILE." in comments["About EMILE"]
    assert "Button title of utter_menu: a few words." in comments["About EMILE"]
    assert not any("not for translators" in c for found in comments.values() for c in found)


def test_no_tagged_comments_without_comment_tags():
    comments = {message: found for _line, message, found, _context in messages(DOMAIN, ())}
    assert comments["Hello {first_name}!"] == ["Keep the placeholders as they are: {first_name}."]


def test_language_names_are_not_extracted():
    titles = [m for _line, m, _comments, ctx in messages(DOMAIN) if ctx and "|button" in ctx]
    assert "English" not in titles


def test_conditions_are_explained():
    source = b"""
responses:
  utter_verdict:
    - condition:
        - type: slot
          name: verdict
          value: eligible
      text: You can apply.
"""
    [(_line, _message, comments, _context)] = messages(source)
    assert comments == ["Shown when verdict is eligible."]


def test_files_without_responses_give_nothing():
    assert messages(b"version: '3.1'\nintents: [greet]\n") == []
    assert messages(b"- just\n- a list\n") == []


def test_the_fixture_domain():
    with (FIXTURES / "domain.yml").open("rb") as stream:
        found = list(extract(extract_domain, stream, DEFAULT_KEYWORDS))
    contexts = {context for *_, context in found}
    assert "utter_menu|button" in contexts
    assert "utter_only_placeholder" not in contexts


def test_placeholder_kinds_are_explained():
    source = b"""
responses:
  utter_booked:
    - text: "{title} on {starts_at}, from {first_date}: {seats_left_count} seats."
"""
    [(_line, _message, comments, _context)] = messages(source)
    assert comments == [
        "Keep the placeholders as they are: {title}, {starts_at} (a date and time), "
        "{first_date} (a date), {seats_left_count} (a number)."
    ]
