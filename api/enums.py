"""Closed vocabularies shared by the models, the schemas and the eligibility answers."""

from enum import Enum


class StrEnum(str, Enum):
    """A string enumeration whose value is what is stored and sent."""

    def __str__(self) -> str:
        return str(self.value)


class Language(StrEnum):
    """Languages the assistant speaks (ISO 639 codes; Dari is `prs`)."""

    fr = "fr"
    en = "en"
    ar = "ar"
    prs = "prs"
    ps = "ps"
    ti = "ti"
    uk = "uk"
    ru = "ru"
    bn = "bn"


class Channel(StrEnum):
    """Where the conversation took place."""

    telegram = "telegram"
    sms = "sms"
    rest = "rest"
    operator = "operator"


class ApplicationStatus(StrEnum):
    """Where an application stands in the operators' pipeline."""

    new = "new"
    contacted = "contacted"
    in_assessment = "in_assessment"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"


class Verdict(StrEnum):
    """The assistant's pre-qualification; an operator decides."""

    eligible = "eligible"
    to_review = "to_review"
    not_eligible = "not_eligible"


class ResidenceArea(StrEnum):
    """Where the person lives or is domiciled."""

    ile_de_france = "ile_de_france"
    lyon_metropole = "lyon_metropole"
    elsewhere = "elsewhere"
    dont_know = "dont_know"


class HousingSituation(StrEnum):
    """The person's housing today."""

    street = "street"
    emergency_shelter = "emergency_shelter"
    social_hotel = "social_hotel"
    hosted_by_family_or_friends = "hosted_by_family_or_friends"
    facing_eviction = "facing_eviction"
    overcrowded_or_unfit = "overcrowded_or_unfit"
    stable_housing = "stable_housing"
    dont_know = "dont_know"


class RightToWork(StrEnum):
    """Whether the person may work in France (never their nationality)."""

    yes = "yes"
    pending_renewal = "pending_renewal"
    no = "no"
    dont_know = "dont_know"


class WorkSituation(StrEnum):
    """The person's work today."""

    unemployed = "unemployed"
    short_contract = "short_contract"
    temping = "temping"
    part_time = "part_time"
    insertion_contract = "insertion_contract"
    training = "training"
    stable_job = "stable_job"
    dont_know = "dont_know"


class ReadyToMove(StrEnum):
    """Whether the person is willing to move to a host territory."""

    yes = "yes"
    maybe = "maybe"
    no = "no"


class DrivingLicence(StrEnum):
    """Driving licence valid in France."""

    yes = "yes"
    in_progress = "in_progress"
    no = "no"


class FrenchLevel(StrEnum):
    """Self-assessed spoken French."""

    none = "none"
    basic = "basic"
    intermediate = "intermediate"
    fluent = "fluent"


class Sector(StrEnum):
    """Trades and sectors, used both for a person's trades and a territory's hiring sectors."""

    transport_logistics = "transport_logistics"
    building = "building"
    personal_care = "personal_care"
    hospitality_catering = "hospitality_catering"
    industry = "industry"
    agriculture = "agriculture"
    crafts_joinery = "crafts_joinery"
    cleaning = "cleaning"
    retail = "retail"
    health = "health"
    other = "other"


class WorkshopKind(StrEnum):
    """Awareness workshop (for professionals) or information meeting (for candidates)."""

    awareness_workshop = "awareness_workshop"
    information_meeting = "information_meeting"


class Audience(StrEnum):
    """Who a workshop is for."""

    professionals = "professionals"
    candidates = "candidates"


class RegistrationStatus(StrEnum):
    """A seat held or given back."""

    confirmed = "confirmed"
    cancelled = "cancelled"


class CallbackStatus(StrEnum):
    """A callback request waiting for an operator, or done."""

    open = "open"
    closed = "closed"


class Scope(StrEnum):
    """What an API key may do."""

    applications_write = "applications:write"
    registrations_write = "registrations:write"
    callbacks_write = "callbacks:write"
    person_access = "person:access"
    applications_read = "applications:read"
    applications_update = "applications:update"
    callbacks_read = "callbacks:read"
    workshops_admin = "workshops:admin"
    territories_admin = "territories:admin"
    keys_admin = "keys:admin"


ROLE_SCOPES: dict[str, frozenset[Scope]] = {
    "assistant": frozenset(
        {
            Scope.applications_write,
            Scope.registrations_write,
            Scope.callbacks_write,
            Scope.person_access,
        }
    ),
    "operator": frozenset(
        {Scope.applications_read, Scope.applications_update, Scope.callbacks_read}
    ),
    "admin": frozenset(Scope),
}

ALLOWED_TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    ApplicationStatus.new: frozenset(
        {ApplicationStatus.contacted, ApplicationStatus.declined, ApplicationStatus.withdrawn}
    ),
    ApplicationStatus.contacted: frozenset(
        {ApplicationStatus.in_assessment, ApplicationStatus.declined, ApplicationStatus.withdrawn}
    ),
    ApplicationStatus.in_assessment: frozenset(
        {ApplicationStatus.accepted, ApplicationStatus.declined, ApplicationStatus.withdrawn}
    ),
    ApplicationStatus.accepted: frozenset({ApplicationStatus.withdrawn}),
    ApplicationStatus.declined: frozenset(),
    ApplicationStatus.withdrawn: frozenset(),
}
