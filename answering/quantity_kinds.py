"""Which kind of quantity a question asks for, and whether a sentence states one of that kind.

"How soon after a Whipple should adjuvant chemotherapy start?" asks for a time to start, and is
answered by "within 8 weeks of surgical resection", not by "6 months of adjuvant chemotherapy"
(a duration), although both state a number. Six kinds are told apart by the question's words:
how often (frequency), how long (duration), how soon (timing), what age, what dose, what rate.
Other quantity questions ("what blood pressure target") ask for no particular kind: any stated
quantity may answer them (``question_form.states_quantity``).
"""

from __future__ import annotations

import re

from answering.quantities import stated

_WHAT = r"\b(?:what|which)\s+(?:[\w/-]+\s+){0,3}?"
_NUMBER = r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a few|several)"
_TIME_UNIT = r"(?:minutes?|min|hours?|h|hrs?|days?|weeks?|wks?|months?|years?|yrs?)"

ASKED = {
    "frequency": re.compile(rf"\bhow (?:often|frequently)\b|{_WHAT}(?:interval|intervals|frequency|schedule)\b",
                            re.IGNORECASE),
    "duration": re.compile(rf"\bhow long\b|\bfor how many\b|{_WHAT}(?:duration|period|length)\b", re.IGNORECASE),
    "timing": re.compile(rf"\bhow (?:soon|quickly|fast|early|late)\b|{_WHAT}(?:timing|time frame|timeframe)\b",
                         re.IGNORECASE),
    "age": re.compile(rf"{_WHAT}ages?\b|\bhow old\b", re.IGNORECASE),
    "dose": re.compile(rf"{_WHAT}(?:dose|doses|dosage|dosing)\b|\bhow much\b", re.IGNORECASE),
    "rate": re.compile(rf"{_WHAT}(?:rate|infusion rate)\b", re.IGNORECASE),
}

STATED = {
    "frequency": re.compile(
        rf"\bevery\b|\b(?:once|twice|thrice)\b|\b{_NUMBER}\s+times\b|\b(?:daily|weekly|fortnightly|monthly|yearly"
        rf"|annually|hourly|nightly)\b|\b{_NUMBER}[- ]?(?:hourly|daily|weekly|monthly|yearly)\b|\bintervals?\b"
        rf"|\b(?:per|a|each)\s+(?:day|week|month|year)\b|\bq\d+h\b", re.IGNORECASE),
    "duration": re.compile(
        rf"\bfor\s+(?:at least\s+|up to\s+|a (?:minimum|maximum|total) of\s+|a further\s+|another\s+)?{_NUMBER}"
        rf"(?:\s*(?:-|to|–)\s*{_NUMBER})?[\s-]*{_TIME_UNIT}\b"
        rf"|\b{_NUMBER}(?:\s*(?:-|to|–)\s*{_NUMBER})?[\s-]*{_TIME_UNIT}\s+(?:of|course)\b"
        rf"|\b(?:at least|minimum of|up to|maximum of)\s+{_NUMBER}[\s-]*{_TIME_UNIT}\b", re.IGNORECASE),
    "timing": re.compile(
        rf"\bwithin\b|\b(?:immediately|promptly|as soon as|without delay|at once)\b"
        rf"|\b{_NUMBER}[\s-]*{_TIME_UNIT}\s+(?:after|before|from|post)\b"
        rf"|\b(?:after|before|by|from|until)\s+(?:the\s+)?(?:first\s+)?{_NUMBER}[\s-]*{_TIME_UNIT}\b", re.IGNORECASE),
    "age": re.compile(
        r"\baged?\s+(?:of\s+)?(?:[<>≤≥]=?\s*)?\d|\b\d+\s*(?:-|to|–)?\s*(?:\d+\s*)?years?(?:\s+of\s+age|\s+old|-old)\b"
        r"|\bage\s+(?:greater|less|older|younger|under|over|above|below)|\b(?:over|under|above|below) the age\b"
        r"|\bage\s*(?:of\s*)?[<>≤≥]", re.IGNORECASE),
    "rate": re.compile(r"\bper\s+(?:hour|minute|h|min|second)\b|/\s*(?:h|hr|hour|min|minute)\b|\b\w+/kg/h",
                       re.IGNORECASE),
}
_DOSE_UNITS = {"g", "iu", "l"}  # mass, international units, volume (canonical units of ``quantities``)
_PER_BODY = re.compile(r"/\s*(?:kg|m2|m²)\b", re.IGNORECASE)


def asked(question: str) -> str | None:
    """The kind of quantity the question asks for, if it asks for one of the six."""
    return next((kind for kind, pattern in ASKED.items() if pattern.search(question)), None)


def states(kind: str, sentence: str) -> bool:
    """Whether the sentence states a quantity of that kind."""
    if kind == "dose":
        return bool(_PER_BODY.search(sentence)) or any(q.unit in _DOSE_UNITS for q in stated(sentence))
    return bool(STATED[kind].search(sentence))
