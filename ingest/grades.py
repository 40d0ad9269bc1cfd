"""Recommendation grades: find the label a guideline attaches to a statement and normalise it.

Every scheme in the NGC guidelines says the same three things in its own words: which way the
recommendation points (for / against / insufficient evidence), how strongly, and how certain the
evidence is. The original label is always kept beside the normalised reading; where a guideline
states no grade the result says so (``label`` None) and nothing is invented. Where a label's
meaning is not one of the known schemes, the guideline's own rating-scheme section (its
declared definitions) is read instead.
"""

from __future__ import annotations

import re

from ckg.types import Grade

ROMAN_CERTAINTY = {"i": "high", "ii": "moderate", "iii": "low", "iv": "very low", "v": "very low"}
LETTER_CERTAINTY = {"a": "high", "b": "moderate", "c": "low", "d": "very low"}
USPSTF = {
    "a": ("for", "strong", "high"),
    "b": ("for", "strong", "moderate"),
    "c": ("for", "weak", "moderate"),
    "d": ("against", "strong", "moderate"),
    "i": ("insufficient", "insufficient", "low"),
}
ACC_AHA_CLASS = {
    "i": ("for", "strong"), "iia": ("for", "moderate"), "iib": ("for", "weak"), "iii": ("against", "strong"),
}

# A bracketed note counts as a grade only if it says something a grade says.
_GRADE_WORDS = re.compile(
    r"\b(level|grade|class|strength|quality|certainty|evidence|recommendation|statement|gpp|good practice|"
    r"best practice|expert|consensus|strong|weak|conditional|standard|option|principle)\b"
    r"|^\s*([A-D]|[12][A-C]|[IV]{1,3}[ab]?(-\d)?[A-D]?|[1-4]?\|?[+]{1,4}O*)\s*$",
    re.IGNORECASE,
)
_TRAILING_NOTE = re.compile(r"[\(\[]([^\(\)\[\]]{1,120})[\)\]][.;]?\s*$")
_AGAINST = re.compile(
    r"\b((recommends?|suggests?|advises?) against|do not (use|offer|give|prescribe|perform|routinely)|"
    r"does not recommend|should not|must not|not recommended|is not indicated|avoid|no role)\b|^\s*do not\b",
    re.IGNORECASE,
)
_INSUFFICIENT = re.compile(r"\binsufficient evidence|evidence is (currently )?insufficient|"
                           r"insufficient to (assess|recommend|support)|inconclusive\b", re.IGNORECASE)
# A leading condition is not the recommendation: "If parents do not want to take part ..., offer ...".
_LEADING_CONDITION = re.compile(r"^\s*(if|when|where|unless|although|while|for (people|patients|women|men|children)"
                                r" who)\b[^,;]{0,200}[,;]\s*", re.IGNORECASE)
_QUALITY = re.compile(r"\b(high|moderate|low|very low)\b[- ]*(quality|certainty)?", re.IGNORECASE)


def trailing_grade_note(text: str) -> str | None:
    """The bracketed grade note closing a sentence, e.g. "(Level of Evidence: B)"; None otherwise."""
    match = _TRAILING_NOTE.search(text)
    if match and _GRADE_WORDS.search(match.group(1)) and not re.fullmatch(r"(new |amended )?\d{4}.*", match.group(1)):
        return match.group(1).strip()
    return None


def is_label_line(line: str) -> bool:
    """A heading-like line that grades the statements under it, e.g. "Class IIa" or "Strong recommendations"."""
    words = line.strip().rstrip(":").split()
    return 0 < len(words) <= 5 and bool(
        re.fullmatch(r"(class|grade|level)\s+[IVX]+[ab]?|(strong|weak|conditional)\s+recommendations?",
                     " ".join(words), re.IGNORECASE)
    )


def normalise(
    sentence: str, label: str | None, *, developer: str | None = None, declared: dict[str, str] | None = None,
    offer_consider_wording: bool = False,
) -> Grade:
    """Normalise a grade label (or, for NICE-style guidelines, the verb) to direction/strength/certainty."""
    sentence = main_clause(sentence)
    against = bool(_AGAINST.search(sentence))
    if _INSUFFICIENT.search(sentence):
        grade = normalise("", label, developer=developer, declared=declared) if label else None
        return Grade(label, grade.scheme if grade else None, "insufficient", "insufficient",
                     grade.certainty if grade else None)
    if label is None:
        if offer_consider_wording:
            return _nice_wording(sentence, against)
        return Grade(None, None, _direction_from_wording(sentence, against), None, None)
    text = label.strip()
    low = text.lower()
    for reader in (_uspstf, _accp, _acc_aha, _aace, _grade_style, _aap, _cap, _symbols, _practice_points, _levels):
        grade = reader(text, low, developer or "", against)
        if grade is not None:
            return grade
    definition = (declared or {}).get(_key(text))
    if definition:
        return _from_definition(text, definition, against)
    return Grade(text, "unrecognised", "against" if against else "for", None, None)


def main_clause(sentence: str) -> str:
    """The sentence without a leading condition, which says when, not which way."""
    return _LEADING_CONDITION.sub("", sentence, count=1)


def _uspstf(text: str, low: str, developer: str, against: bool) -> Grade | None:
    match = re.fullmatch(r"(?:grade\s+)?([a-d]|i)\s*(?:recommendation|statement)?", low)
    uspstf = "preventive services task force" in developer.lower()
    if match and (uspstf or "statement" in low or "recommendation" in low):
        direction, strength, certainty = USPSTF[match.group(1)]
        return Grade(text, "USPSTF", direction, strength, certainty)
    return None


def _accp(text: str, low: str, developer: str, against: bool) -> Grade | None:
    match = re.fullmatch(r"(?:grade\s+)?([12])([a-c])", low)
    if match:
        strength = "strong" if match.group(1) == "1" else "weak"
        certainty = LETTER_CERTAINTY[match.group(2)]
        return Grade(text, "GRADE (1/2, A-C)", "against" if against else "for", strength, certainty)
    return None


def _acc_aha(text: str, low: str, developer: str, against: bool) -> Grade | None:
    cls = re.search(r"\bclass\s+(iii|iib|iia|i)\b", low)
    loe = re.search(r"level of evidence[:=\s]+([a-c])\b", low)
    if not cls:
        return None
    direction, strength = ACC_AHA_CLASS[cls.group(1)]
    return Grade(text, "ACC/AHA", direction, strength, LETTER_CERTAINTY[loe.group(1)] if loe else None)


def _aace(text: str, low: str, developer: str, against: bool) -> Grade | None:
    """AACE: "Grade A; BEL 1" or "Grade A [strong]" (A strong, B intermediate, C weak, D not evidence based)."""
    grade = re.search(r"\bgrade\s+([a-d])\b", low)
    bel = re.search(r"\bbel\s*([1-4])\b", low)
    worded = re.search(r"\bgrade\s+[a-d]\s*[\[(]\s*(strong|intermediate|moderate|weak|conditional)", low)
    if not grade or not (bel or worded or "clinical endocrinolog" in developer.lower()):
        return None
    word = worded.group(1) if worded else {"a": "strong", "b": "moderate", "c": "weak", "d": "expert-opinion"}[
        grade.group(1)]
    strength = {"intermediate": "moderate", "conditional": "weak"}.get(word, word)
    certainty = {"1": "high", "2": "moderate", "3": "low", "4": "very low"}[bel.group(1)] if bel else None
    return Grade(text, "AACE", "against" if against else "for", strength, certainty)


def _cap(text: str, low: str, developer: str, against: bool) -> Grade | None:
    """CAP and AAP's bare labels: "Recommendation" (between strong and option), "No recommendation"."""
    if re.fullmatch(r"no recommendation", low):
        return Grade(text, "declared", "insufficient", "insufficient", None)
    if re.fullmatch(r"recommendation", low):
        return Grade(text, "declared", "against" if against else "for", "moderate", None)
    return None


_STRENGTH_WORD = r"(strong|moderate|weak|conditional)"
_STRENGTH_NEAR_RECOMMENDATION = re.compile(
    rf"\b{_STRENGTH_WORD}\s+(?:positive |negative )?recommendation|"
    rf"(?:strength of recommendation|recommendation strength|recommendation)\s*[:=]\s*{_STRENGTH_WORD}"
)


def _grade_style(text: str, low: str, developer: str, against: bool) -> Grade | None:
    near = _STRENGTH_NEAR_RECOMMENDATION.search(low)
    first = re.search(rf"\b{_STRENGTH_WORD}\b(?! quality| certainty|-quality)", low)
    if not near and not (first and _QUALITY.search(low[first.end():])):
        return None
    word = (near.group(1) or near.group(2)) if near else first.group(1)  # type: ignore[union-attr]
    strength = {"conditional": "weak"}.get(word, word)
    certainty = None
    quality = re.search(r"\b(high|moderate|low|very low)\b[- ]*(?:quality|certainty)|(?:quality|certainty|evidence "
                        r"strength|strength of evidence)[^;,]*?\b(high|moderate|low|very low)\b", low)
    if quality:
        certainty = quality.group(1) or quality.group(2)
    elif first and not near:  # "Weak; Moderate": strength first, then certainty
        rest = _QUALITY.search(low[first.end():])
        certainty = rest.group(1) if rest else None
    letter = re.search(r"\bgrade\s+([a-d])\b|strength of evidence\s*=\s*([a-d])\b|quality:\s*([a-d])\b", low)
    roman = re.search(r"quality:\s*(i{1,3}|iv|v)\b", low)
    if certainty is None and letter:
        certainty = LETTER_CERTAINTY[next(g for g in letter.groups() if g)]
    if certainty is None and roman:
        certainty = ROMAN_CERTAINTY[roman.group(1)]
    direction = "against" if against or "against" in low or "negative" in low else "for"
    return Grade(text, "GRADE", direction, strength, certainty)


def _aap(text: str, low: str, developer: str, against: bool) -> Grade | None:
    """AAP / AAO-HNS style: Standard, (Strong) Recommendation, Option with an evidence grade."""
    letter = re.search(r"evidence (?:quality|strength)[: ]*(?:grade\s*)?([a-d])\b", low)
    if not letter:
        return None
    strength = next((s for word, s in (("strong recommendation", "strong"), ("standard", "strong"),
                                        ("recommendation", "moderate"), ("option", "weak")) if word in low), None)
    return Grade(text, "AAP", "against" if against else "for", strength, LETTER_CERTAINTY[letter.group(1)])


def _symbols(text: str, low: str, developer: str, against: bool) -> Grade | None:
    match = re.fullmatch(r"(?:([12])\s*\|)?\s*([+⊕]{1,4})[o○]*", low)
    if not match:
        return None
    certainty = {4: "high", 3: "moderate", 2: "low", 1: "very low"}[len(match.group(2))]
    strength = {"1": "strong", "2": "weak"}.get(match.group(1) or "")
    return Grade(text, "GRADE", "against" if against else "for", strength, certainty)


def _practice_points(text: str, low: str, developer: str, against: bool) -> Grade | None:
    direction = "against" if against else "for"
    if re.search(r"\bgpp\b|good practice|best practice|ungraded", low):
        return Grade(text, "good practice point", direction, "good-practice", None)
    if re.search(r"expert opinion|consensus|clinical principle", low):
        return Grade(text, "expert opinion", direction, "expert-opinion", None)
    return None


def _levels(text: str, low: str, developer: str, against: bool) -> Grade | None:
    """Evidence level alone ("Level of Evidence: C", "Level II"): certainty only, strength unstated."""
    quality_only = re.fullmatch(r"(high|moderate|low|very low)[- ]quality evidence|(high|moderate|low|very low)", low)
    if quality_only:
        certainty_word = quality_only.group(1) or quality_only.group(2)
        return Grade(text, "evidence quality", "against" if against else "for", None, certainty_word)
    match = re.fullmatch(r"(?:level of evidence|level|evidence level|loe)\s*[:=]?\s*([a-d]|[iv]{1,3})\b.*", low)
    if not match:
        return None
    value = match.group(1)
    certainty = LETTER_CERTAINTY.get(value) or ROMAN_CERTAINTY.get(value)
    return Grade(text, "evidence level", "against" if against else "for", None, certainty)


def _direction_from_wording(sentence: str, against: bool) -> str | None:
    if against:
        return "against"
    return "for" if re.search(r"\b(recommend|recommends|recommended|should|is indicated|suggest)\b", sentence,
                              re.IGNORECASE) else None


def _nice_wording(sentence: str, against: bool) -> Grade:
    low = main_clause(sentence).lower()
    verb = re.search(r"\b(do not offer|do not|must not|must|offer|consider)\b", low)
    if not verb:
        return Grade(None, None, _direction_from_wording(sentence, against), None, None)
    word = verb.group(1)
    strength = "weak" if word == "consider" else "strong"
    direction = "against" if word.startswith(("do not", "must not")) or against else "for"
    return Grade(f"'{word}'", "NICE wording", direction, strength, None)


def _key(label: str) -> str:
    return re.sub(r"^(grade|level|class|strength of recommendation)[:\s=]*", "", label.strip().lower()).strip(" :.")


# A scheme's own label: a short token or two ("A", "Grade B", "Class IIa", "++", "Option").
_SCHEME_LABEL = r"[A-Za-z0-9+\-]{1,12}(?: [A-Za-z0-9+\-]{1,12}){0,1}"


def declared_scheme(text: str) -> dict[str, str]:
    """Label -> definition from a guideline's own rating scheme: "A: Strong ..." or a label line
    followed by its definition line (the NGC table layout)."""
    scheme: dict[str, str] = {}
    lines = [line.strip() for line in text.split("\n")]
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        inline = re.match(rf"^({_SCHEME_LABEL})\s*[:.=\-–]\s*(.{{10,}})$", line, re.IGNORECASE)
        if inline:
            scheme.setdefault(_key(inline.group(1)), inline.group(2))
        elif re.fullmatch(_SCHEME_LABEL, line, re.IGNORECASE) and len(following) >= 10:
            scheme.setdefault(_key(line), following)
    return scheme


def _from_definition(label: str, definition: str, against: bool) -> Grade:
    low = definition.lower()
    if re.search(r"insufficient|inconclusive|conflicting", low):
        return Grade(label, "declared", "insufficient", "insufficient", "low")
    strength = next((s for s, words in (
        ("weak", r"\bweak|conditional|\boption|may be considered|limited|low quality|expert opinion|consensus"),
        ("strong", r"strong recommendation|strongly recommend|should be (done|performed|used)|good evidence"),
        ("moderate", r"moderate recommendation|fair evidence|\brecommended\b"),
    ) if re.search(words, low)), None)
    direction = "against" if against or re.search(r"\bagainst\b|should not|not recommended", low) else "for"
    return Grade(label, "declared", direction, strength, None)
