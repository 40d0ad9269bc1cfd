"""Numbers in clinical text, with units normalised, so that "0.5 g" and "500 mg" compare equal.

Doses, thresholds, ages, durations and frequencies are where a generated answer most often
departs from its source; every quantity of a claim must be found in the evidence.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# unit -> (canonical unit, factor to it)
UNITS: dict[str, tuple[str, float]] = {
    "kg": ("g", 1000.0), "g": ("g", 1.0), "gram": ("g", 1.0), "grams": ("g", 1.0), "mg": ("g", 1e-3),
    "milligram": ("g", 1e-3), "milligrams": ("g", 1e-3), "mcg": ("g", 1e-6), "µg": ("g", 1e-6), "μg": ("g", 1e-6),
    "ug": ("g", 1e-6), "microgram": ("g", 1e-6), "micrograms": ("g", 1e-6), "ng": ("g", 1e-9),
    "l": ("l", 1.0), "liter": ("l", 1.0), "litre": ("l", 1.0), "ml": ("l", 1e-3), "dl": ("l", 0.1),
    "%": ("%", 1.0), "percent": ("%", 1.0),
    "year": ("day", 365.0), "years": ("day", 365.0), "yr": ("day", 365.0), "yrs": ("day", 365.0),
    "month": ("day", 30.0), "months": ("day", 30.0), "week": ("day", 7.0), "weeks": ("day", 7.0),
    "wk": ("day", 7.0), "day": ("day", 1.0), "days": ("day", 1.0), "hour": ("hour", 1.0), "hours": ("hour", 1.0),
    "h": ("hour", 1.0), "hr": ("hour", 1.0), "minute": ("minute", 1.0), "minutes": ("minute", 1.0),
    "min": ("minute", 1.0), "mmhg": ("mmhg", 1.0), "iu": ("iu", 1.0), "units": ("iu", 1.0), "unit": ("iu", 1.0),
    "mmol/l": ("mmol/l", 1.0), "mg/dl": ("mg/dl", 1.0), "bpm": ("bpm", 1.0), "times": ("times", 1.0),
    "pack-year": ("pack-year", 1.0), "pack-years": ("pack-year", 1.0),
    "mm": ("m", 1e-3), "cm": ("m", 1e-2),
}
WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "once": 1, "twice": 2, "single": 1, "half": 0.5,
}
# The unit names as one regex alternation, longest first ("mmhg" before "mm").
UNIT_PATTERN = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_NUMBER = r"\d+(?:[.,]\d+)*(?:\.\d+)?"
_QUANTITY = re.compile(
    rf"(?P<num>{_NUMBER}|\b(?:{'|'.join(WORD_NUMBERS)})\b)(?:\s*(?:-|to|–)\s*(?P<num2>{_NUMBER}))?"
    rf"[\s-]*(?P<unit>(?:{UNIT_PATTERN})(?![a-z]))?",
    re.IGNORECASE,
)


_UNIT_WORDS = re.compile(rf"(?<=\d)[\s-]*(?:{UNIT_PATTERN})(?![a-z])", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str  # canonical unit, "" when none was written

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}".strip()


def quantities(text: str) -> set[Quantity]:
    return set(stated(text))


def stated(text: str) -> list[Quantity]:
    """Every quantity in the order written, repeats included ("200 to 400 mL": two)."""
    found: list[Quantity] = []
    for match in _QUANTITY.finditer(text):
        unit, factor = UNITS.get((match.group("unit") or "").lower(), ("", 1.0))
        for raw in (match.group("num"), match.group("num2")):
            if raw is None:
                continue
            found += [Quantity(round(value * factor, 9), unit) for value in _values(raw)]
    return found


def _values(raw: str) -> list[float]:
    """"1,500" and "2.5" are one number; "01.04.2000" (a date, a version) is several."""
    if raw.lower() in WORD_NUMBERS:
        return [float(WORD_NUMBERS[raw.lower()])]
    try:
        return [float(raw.replace(",", ""))]
    except ValueError:
        return [float(part) for part in re.split(r"[.,]", raw) if part]


def repeated(claim: str, evidence_sentence: str) -> list[Quantity]:
    """Numbers the claim states more often than the evidence sentence it quotes ("400 to 400 mL"
    where the evidence says "200 to 400 mL"): one of them was changed into the other."""
    said, written = Counter(stated(claim)), Counter(stated(evidence_sentence))
    if not set(said) <= set(written):
        return []  # numbers from elsewhere: the unmatched check speaks for those
    return sorted((q for q, n in said.items() if n > written[q]), key=lambda q: (q.unit, q.value))


def unmatched(claim: str, evidence: str) -> list[Quantity]:
    """Quantities of the claim the evidence does not state (a bare number matches the same number
    written with any unit: "aged 65" against "65 years")."""
    have = quantities(evidence)
    bare = {q.value for q in quantities(_UNIT_WORDS.sub(" ", evidence))}
    return sorted(
        (q for q in quantities(claim) if q not in have and not (q.unit == "" and q.value in bare)),
        key=lambda q: (q.unit, q.value),
    )
