"""Whole eligible applications answered only by typing (no button, no payload), for the REST,
Telegram and SMS end-to-end tests: in French and English with the phrasings people used when
the questions did not understand them (issue 9); in Arabic, Dari and Pashto as people type
them on a phone (issue 10): no diacritics, dialect, the digits of their keyboard."""

from __future__ import annotations

from typing import Any

Step = tuple[str, list[str]]

QUESTIONS: dict[str, list[Step]] = {
    "fr": [
        ("2", ["utter_eligibility_intro", "utter_ask_residence_area"]),  # the menu's number
        ("à Paris 18e", ["utter_ask_housing_situation"]),
        ("je suis hébergé par mon cousin", ["utter_ask_right_to_work"]),
        ("oui j'ai une carte de séjour", ["utter_ask_work_situation"]),
        ("je cherche du travail", ["utter_ask_ready_to_move"]),
        ("oui je suis prêt", ["utter_ask_adults"]),
        ("moi et ma femme", ["utter_ask_children"]),
        ("pas d'enfants", ["utter_ask_sectors"]),
        ("je suis macon", ["utter_ask_experience_years"]),
        ("3 ans", ["utter_ask_driving_licence"]),
        ("je le passe en ce moment", ["utter_ask_french_level"]),
        ("pas du tout", ["utter_ask_territory_preferences"]),
        ("n'importe où", ["utter_verdict_eligible", "utter_ask_consent_given"]),
        ("oui d'accord", ["utter_ask_first_name"]),
    ],
    "en": [
        ("2", ["utter_eligibility_intro", "utter_ask_residence_area"]),
        ("paris 19", ["utter_ask_housing_situation"]),
        ("at my brother's place", ["utter_ask_right_to_work"]),
        ("yes i can work", ["utter_ask_work_situation"]),
        ("no job right now", ["utter_ask_ready_to_move"]),
        ("yes", ["utter_ask_adults"]),
        ("just me", ["utter_ask_children"]),
        ("no kids", ["utter_ask_sectors"]),
        ("cleaning and cook", ["utter_ask_experience_years"]),
        ("10 years", ["utter_ask_driving_licence"]),
        ("yes I have a licence", ["utter_ask_french_level"]),
        ("not at all", ["utter_ask_territory_preferences"]),
        ("anywhere", ["utter_verdict_eligible", "utter_ask_consent_given"]),
        ("yes", ["utter_ask_first_name"]),
    ],
    "ar": [
        ("٢", ["utter_eligibility_intro", "utter_ask_residence_area"]),
        ("ساكن في باريس", ["utter_ask_housing_situation"]),
        ("عند عائلتي", ["utter_ask_right_to_work"]),
        ("عندي بطاقة الاقامة", ["utter_ask_work_situation"]),
        ("انا عاطل عن العمل", ["utter_ask_ready_to_move"]),
        ("نعم مستعد", ["utter_ask_adults"]),
        ("انا و زوجتي", ["utter_ask_children"]),
        ("لا ما عندي اطفال", ["utter_ask_sectors"]),
        ("خدمت في البناء", ["utter_ask_experience_years"]),
        ("٥ سنين", ["utter_ask_driving_licence"]),
        ("ما عندي رخصة", ["utter_ask_french_level"]),
        ("شوية", ["utter_ask_territory_preferences"]),
        ("اي منطقة", ["utter_verdict_eligible", "utter_ask_consent_given"]),
        ("نعم", ["utter_ask_first_name"]),
    ],
    "prs": [
        ("۲", ["utter_eligibility_intro", "utter_ask_residence_area"]),
        ("در پاریس زندگی می کنم", ["utter_ask_housing_situation"]),
        ("خانه دوستم هستم", ["utter_ask_right_to_work"]),
        ("بلی اقامت دارم", ["utter_ask_work_situation"]),
        ("بیکار هستم", ["utter_ask_ready_to_move"]),
        ("بلی آماده هستم", ["utter_ask_adults"]),
        ("من و خانمم", ["utter_ask_children"]),
        ("طفل ندارم", ["utter_ask_sectors"]),
        ("کار ساختمان", ["utter_ask_experience_years"]),
        ("۴ سال", ["utter_ask_driving_licence"]),
        ("لایسنس ندارم", ["utter_ask_french_level"]),
        ("کمی", ["utter_ask_territory_preferences"]),
        ("فرق نمی کند", ["utter_verdict_eligible", "utter_ask_consent_given"]),
        ("بلی", ["utter_ask_first_name"]),
    ],
    "ps": [
        ("۲", ["utter_eligibility_intro", "utter_ask_residence_area"]),
        ("په پاریس کې اوسېږم", ["utter_ask_housing_situation"]),
        ("د ملګري کور کې", ["utter_ask_right_to_work"]),
        ("هو اقامه لرم", ["utter_ask_work_situation"]),
        ("بیکاره یم", ["utter_ask_ready_to_move"]),
        ("هو چمتو یم", ["utter_ask_adults"]),
        ("زه او میرمن مې", ["utter_ask_children"]),
        ("ماشوم نه لرم", ["utter_ask_sectors"]),
        ("ودانۍ جوړول", ["utter_ask_experience_years"]),
        ("۶ کاله", ["utter_ask_driving_licence"]),
        ("لایسنس نه لرم", ["utter_ask_french_level"]),
        ("لږ لږ", ["utter_ask_territory_preferences"]),
        ("هر چیرته", ["utter_verdict_eligible", "utter_ask_consent_given"]),
        ("هو", ["utter_ask_first_name"]),
    ],
}

ANSWERS: dict[str, dict[str, Any]] = {
    "fr": {
        "residence_area": "ile_de_france",
        "housing_situation": "hosted_by_family_or_friends",
        "right_to_work": "yes",
        "work_situation": "unemployed",
        "ready_to_move": "yes",
        "adults": 2,
        "children": 0,
        "trades": ["building"],
        "experience_years": 3,
        "driving_licence": "in_progress",
        "french_level": "none",
    },
    "en": {
        "residence_area": "ile_de_france",
        "housing_situation": "hosted_by_family_or_friends",
        "right_to_work": "yes",
        "work_situation": "unemployed",
        "ready_to_move": "yes",
        "adults": 1,
        "children": 0,
        "trades": ["cleaning", "hospitality_catering"],
        "experience_years": 10,
        "driving_licence": "yes",
        "french_level": "none",
    },
    "ar": {
        "residence_area": "ile_de_france",
        "housing_situation": "hosted_by_family_or_friends",
        "right_to_work": "yes",
        "work_situation": "unemployed",
        "ready_to_move": "yes",
        "adults": 2,
        "children": 0,
        "trades": ["building"],
        "experience_years": 5,
        "driving_licence": "no",
        "french_level": "basic",
    },
    "prs": {
        "residence_area": "ile_de_france",
        "housing_situation": "hosted_by_family_or_friends",
        "right_to_work": "yes",
        "work_situation": "unemployed",
        "ready_to_move": "yes",
        "adults": 2,
        "children": 0,
        "trades": ["building"],
        "experience_years": 4,
        "driving_licence": "no",
        "french_level": "basic",
    },
    "ps": {
        "residence_area": "ile_de_france",
        "housing_situation": "hosted_by_family_or_friends",
        "right_to_work": "yes",
        "work_situation": "unemployed",
        "ready_to_move": "yes",
        "adults": 2,
        "children": 0,
        "trades": ["building"],
        "experience_years": 6,
        "driving_licence": "no",
        "french_level": "basic",
    },
}
NO_EMAIL = {
    "fr": "non merci",
    "en": "no thanks",
    "ar": "لا شكرا",
    "prs": "نه تشکر",
    "ps": "نه مننه",
}
YES = {"fr": "oui", "en": "yes", "ar": "نعم", "prs": "بلی", "ps": "هو"}
# A French mobile number typed with the digits of each keyboard.
PHONE = {
    "fr": "06 12 34 56 78",
    "en": "06 12 34 56 78",
    "ar": "٠٦ ١٢ ٣٤ ٥٦ ٧٨",
    "prs": "۰۶ ۱۲ ۳۴ ۵۶ ۷۸",
    "ps": "۰۶ ۱۲ ۳۴ ۵۶ ۷۸",
}
LANGUAGE_TITLE = {"fr": "français", "en": "english"}


def contact_steps(language: str, last_name: str, phone_offered: bool) -> list[Step]:
    """First name to the reference: the SMS number is offered, others type one."""
    steps: list[Step] = [("Amina", ["utter_ask_last_name"])]
    if phone_offered:
        steps += [
            (last_name, ["utter_ask_phone_confirm"]),
            (YES[language], ["utter_ask_email"]),
        ]
    else:
        steps += [(last_name, ["utter_ask_phone"]), (PHONE[language], ["utter_ask_email"])]
    steps.append((NO_EMAIL[language], ["utter_application_sent", "utter_next_steps"]))
    return steps


def application_steps(language: str, last_name: str, phone_offered: bool = False) -> list[Step]:
    """From the menu to the reference code, every answer typed."""
    return [*QUESTIONS[language], *contact_steps(language, last_name, phone_offered)]


# Someone who cannot answer a question: nonsense three times, then a way out.
NONSENSE = ["xkq blorp", "hmm ??", "zzz"]
WAY_OUT_PERSON = {"fr": "parler à une personne", "en": "talk to a person"}
