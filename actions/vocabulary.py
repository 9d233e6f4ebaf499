"""Closed vocabularies of the answers, mirrored from api/enums.py (tests keep them equal)."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

# The action server runs in the assistant environment and cannot import `api`: these tuples
# copy api/enums.py value for value, in the same order (buttons follow it), and
# tests/actions/test_vocabulary.py parses that file to make sure they never drift apart.

LANGUAGE: Final = ("fr", "en", "ar", "prs", "ps", "ti", "uk", "ru", "bn")
CHANNEL: Final = ("telegram", "sms", "rest", "operator")
APPLICATION_STATUS: Final = (
    "new",
    "contacted",
    "in_assessment",
    "accepted",
    "declined",
    "withdrawn",
)
VERDICT: Final = ("eligible", "to_review", "not_eligible")
RESIDENCE_AREA: Final = ("ile_de_france", "lyon_metropole", "elsewhere", "dont_know")
HOUSING_SITUATION: Final = (
    "street",
    "emergency_shelter",
    "social_hotel",
    "hosted_by_family_or_friends",
    "facing_eviction",
    "overcrowded_or_unfit",
    "stable_housing",
    "dont_know",
)
RIGHT_TO_WORK: Final = ("yes", "pending_renewal", "no", "dont_know")
WORK_SITUATION: Final = (
    "unemployed",
    "short_contract",
    "temping",
    "part_time",
    "insertion_contract",
    "training",
    "stable_job",
    "dont_know",
)
READY_TO_MOVE: Final = ("yes", "maybe", "no")
DRIVING_LICENCE: Final = ("yes", "in_progress", "no")
FRENCH_LEVEL: Final = ("none", "basic", "intermediate", "fluent")
SECTOR: Final = (
    "transport_logistics",
    "building",
    "personal_care",
    "hospitality_catering",
    "industry",
    "agriculture",
    "crafts_joinery",
    "cleaning",
    "retail",
    "health",
    "other",
)
WORKSHOP_KIND: Final = ("awareness_workshop", "information_meeting")
AUDIENCE: Final = ("professionals", "candidates")
REGISTRATION_STATUS: Final = ("confirmed", "cancelled")
CALLBACK_STATUS: Final = ("open", "closed")

ENUMS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "Language": LANGUAGE,
        "Channel": CHANNEL,
        "ApplicationStatus": APPLICATION_STATUS,
        "Verdict": VERDICT,
        "ResidenceArea": RESIDENCE_AREA,
        "HousingSituation": HOUSING_SITUATION,
        "RightToWork": RIGHT_TO_WORK,
        "WorkSituation": WORK_SITUATION,
        "ReadyToMove": READY_TO_MOVE,
        "DrivingLicence": DRIVING_LICENCE,
        "FrenchLevel": FRENCH_LEVEL,
        "Sector": SECTOR,
        "WorkshopKind": WORKSHOP_KIND,
        "Audience": AUDIENCE,
        "RegistrationStatus": REGISTRATION_STATUS,
        "CallbackStatus": CALLBACK_STATUS,
    }
)
"""Every enumeration of api/enums.py the assistant uses, by class name."""

# The eligibility answers (the `answers` object of POST /applications), by kind.
ANSWER_CHOICES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "residence_area": RESIDENCE_AREA,
        "housing_situation": HOUSING_SITUATION,
        "right_to_work": RIGHT_TO_WORK,
        "work_situation": WORK_SITUATION,
        "ready_to_move": READY_TO_MOVE,
        "driving_licence": DRIVING_LICENCE,
        "french_level": FRENCH_LEVEL,
    }
)
"""Answers that take one value of a closed vocabulary."""

ANSWER_NUMBERS: Final = ("adults", "children", "experience_years")
"""Answers that are whole numbers."""

ANSWER_LISTS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType({"trades": SECTOR})
"""Answers that are lists of values of a closed vocabulary."""

ANSWER_FIELDS: Final = (*ANSWER_CHOICES, *ANSWER_NUMBERS, *ANSWER_LISTS)
"""Every answer field the API accepts."""

DONT_KNOW: Final = "dont_know"
"""The value a button or the `dont_know` intent sets where the question allows it."""

# docs/conversation-contract.md, "Intents": domain.yml and the NLU data of every language
# have exactly these (tests/actions/test_domain_contract.py, scripts/nlu_report.py).
INTENTS: Final = (
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "dont_know",
    "inform",
    "ask_program",
    "check_eligibility",
    "ask_territories",
    "ask_territory_info",
    "ask_workshops",
    "ask_cost",
    "ask_documents",
    "ask_housing",
    "ask_jobs",
    "ask_support",
    "ask_family",
    "ask_human",
    "choose_language",
    "check_status",
    "delete_my_data",
    "bot_challenge",
    "out_of_scope",
    "menu",
    "ask_why",
    "ask_territory_for_trade",
    "cancel_registration",
    "stop_form",
)
