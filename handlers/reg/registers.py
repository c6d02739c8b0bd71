"""The registers, their stages and their competence areas, in one table.

Sources for the competence labels:
- Science Council registers (RSciTech, RSci, CSci): the Science Council's competence framework,
  whose five areas A–E are Application of knowledge and understanding, Personal responsibility,
  Interpersonal skills, Professional practice, Professional standards.
- Engineering Council registers (EngTech, IEng, CEng): UK-SPEC (4th edition), areas A–E:
  Knowledge and understanding; Design and development; Responsibility, management and
  leadership; Communication and interpersonal skills; Professional commitment.
- ICTTech: the Engineering Council's ICT Technician standard (with BCS/IET), which follows the
  same A–E structure applied to ICT systems and services.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.errors import UserError
from handlers.parsing import quote_typed

SCIENCE_COUNCIL = (
    "Application of knowledge and understanding",
    "Personal responsibility",
    "Interpersonal skills",
    "Professional practice",
    "Professional standards",
)
UK_SPEC = (
    "Knowledge and understanding",
    "Design and development",
    "Responsibility, management and leadership",
    "Communication and interpersonal skills",
    "Professional commitment",
)
ICT_TECH = (
    "Knowledge and understanding of ICT",
    "Design, development and support of ICT systems",
    "Responsibility, management and leadership",
    "Communication and interpersonal skills",
    "Professional commitment",
)
COMPETENCES = ("A", "B", "C", "D", "E")
STAGES = ("exploring", "joined", "evidence", "referees", "submitted", "assessment", "registered")
STAGE_LABELS = {
    "exploring": "Exploring (choosing a register)",
    "joined": "Joined a licensed body",
    "evidence": "Gathering evidence",
    "referees": "Supporters / referees secured",
    "submitted": "Application submitted",
    "assessment": "Assessment (review and interview)",
    "registered": "Registered",
}


@dataclass(frozen=True)
class Register:
    code: str
    name: str
    council: str
    competences: tuple[str, ...]

    def competence(self, letter: str) -> str:
        return self.competences[COMPETENCES.index(letter)]


REGISTERS = {
    r.code.lower(): r
    for r in (
        Register("RSciTech", "Registered Science Technician", "Science Council", SCIENCE_COUNCIL),
        Register("RSci", "Registered Scientist", "Science Council", SCIENCE_COUNCIL),
        Register("CSci", "Chartered Scientist", "Science Council", SCIENCE_COUNCIL),
        Register("EngTech", "Engineering Technician", "Engineering Council", UK_SPEC),
        Register("IEng", "Incorporated Engineer", "Engineering Council", UK_SPEC),
        Register("CEng", "Chartered Engineer", "Engineering Council", UK_SPEC),
        Register("ICTTech", "ICT Technician", "Engineering Council", ICT_TECH),
    )
}
REGISTER_EXAMPLE = "`RSciTech`, `RSci`, `CSci`, `EngTech`, `IEng`, `CEng` or `ICTTech`"


def parse_register(text: str) -> Register:
    try:
        return REGISTERS[text.strip().lower()]
    except KeyError:
        raise UserError(f"`{quote_typed(text)}` isn't a register I know.", example=REGISTER_EXAMPLE) from None


def parse_stage(text: str) -> str:
    stage = text.strip().lower()
    if stage not in STAGES:
        raise UserError(f"`{quote_typed(text)}` isn't a stage.", example=", ".join(f"`{s}`" for s in STAGES))
    return stage


def parse_competence(text: str) -> str:
    letter = text.strip().upper()
    if letter not in COMPETENCES:
        raise UserError(f"`{quote_typed(text)}` isn't a competence; they are A to E.", example="`/reg evidence A 12`")
    return letter
