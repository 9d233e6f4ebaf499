"""Host territories: the catalogue entry an admin writes and what a reader gets."""

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from api.enums import Language, Sector
from api.models import Territory
from api.schemas.fields import Line, Paragraph

TERRITORY_CODE_PATTERN = r"^[a-z0-9][a-z0-9_]{0,39}$"

TerritoryCode = Annotated[str, StringConstraints(pattern=TERRITORY_CODE_PATTERN)]
"""A territory's code: lower-case letters, digits and underscores, such as `maine_et_loire`."""

TextLine = Annotated[Paragraph, Field(max_length=2000)]
Town = Annotated[Line, Field(max_length=80)]
Year = Annotated[int, Field(ge=2000, le=2100)]


def _deduplicated(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def pick_text(texts: dict[str, Any], lang: Language) -> str:
    """The text in `lang`, or in French when it is not translated."""
    return str(texts.get(lang.value) or texts.get(Language.fr.value) or "")


class Texts(BaseModel):
    """One text in several languages; French is the source and is required."""

    model_config = ConfigDict(extra="forbid")

    fr: TextLine
    en: TextLine | None = None
    ar: TextLine | None = None
    prs: TextLine | None = None
    ps: TextLine | None = None
    ti: TextLine | None = None
    uk: TextLine | None = None
    ru: TextLine | None = None
    bn: TextLine | None = None

    def as_dict(self) -> dict[str, str]:
        """The texts that exist, keyed by language code."""
        return {lang: text for lang, text in self.model_dump().items() if text is not None}


class TerritoryData(BaseModel):
    """Everything about a territory but its code (the body of `PUT /territories/{code}`)."""

    model_config = ConfigDict(extra="forbid")

    name: Line = Field(max_length=80, examples=["Cantal"])
    department_code: str = Field(pattern=r"^(2[AB]|[0-9]{2,3})$", examples=["15"])
    region: Line = Field(max_length=80)
    active: bool = True
    years: Annotated[list[Year], AfterValidator(sorted), AfterValidator(_deduplicated)] = Field(
        default_factory=list, max_length=50, description="Years the territory took candidates."
    )
    main_towns: list[Town] = Field(default_factory=list, max_length=20)
    sectors_hiring: Annotated[list[Sector], AfterValidator(_deduplicated)] = Field(
        default_factory=list, max_length=len(Sector)
    )
    housing: Texts
    daily_life: Texts
    operator_name: Annotated[Line, Field(max_length=120)] | None = None
    contact: Annotated[Line, Field(max_length=200)] | None = None


class TerritoryEntry(TerritoryData):
    """One territory of the data file, with its code."""

    code: TerritoryCode


class TerritoryOut(BaseModel):
    """A territory as the assistant shows it, its texts in one language."""

    code: str
    name: str
    department_code: str
    region: str
    active: bool
    years: list[int]
    main_towns: list[str]
    sectors_hiring: list[Sector]
    housing: str
    daily_life: str
    translated: bool = Field(
        description="Whether `housing` and `daily_life` are both in the language asked for; "
        "a text not translated yet is given in French."
    )
    operator_name: str | None
    contact: str | None

    @classmethod
    def of(cls, territory: Territory, lang: Language) -> "TerritoryOut":
        """The territory with its texts in `lang`, French when a text is missing in it."""
        return cls(
            code=territory.code,
            name=territory.name,
            department_code=territory.department_code,
            region=territory.region,
            active=territory.active,
            years=territory.years,
            main_towns=territory.main_towns,
            sectors_hiring=[Sector(s) for s in territory.sectors_hiring],
            housing=pick_text(territory.housing, lang),
            daily_life=pick_text(territory.daily_life, lang),
            translated=all(lang.value in t for t in (territory.housing, territory.daily_life)),
            operator_name=territory.operator_name,
            contact=territory.contact,
        )


class TerritoryRecord(BaseModel):
    """A territory as stored, with every translation (the answer to `PUT`)."""

    code: str
    name: str
    department_code: str
    region: str
    active: bool
    years: list[int]
    main_towns: list[str]
    sectors_hiring: list[Sector]
    housing: dict[Language, str]
    daily_life: dict[Language, str]
    operator_name: str | None
    contact: str | None

    @classmethod
    def of(cls, territory: Territory) -> "TerritoryRecord":
        """The stored territory."""
        return cls(
            code=territory.code,
            name=territory.name,
            department_code=territory.department_code,
            region=territory.region,
            active=territory.active,
            years=territory.years,
            main_towns=territory.main_towns,
            sectors_hiring=[Sector(s) for s in territory.sectors_hiring],
            housing={Language(k): str(v) for k, v in territory.housing.items()},
            daily_life={Language(k): str(v) for k, v in territory.daily_life.items()},
            operator_name=territory.operator_name,
            contact=territory.contact,
        )
