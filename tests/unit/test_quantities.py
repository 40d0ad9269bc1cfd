from __future__ import annotations

from answering.quantities import Quantity, quantities, unmatched


def test_units_are_normalised() -> None:
    assert Quantity(0.5, "g") in quantities("metformin 500 mg")
    assert Quantity(0.5, "g") in quantities("0.5 g")
    assert {Quantity(65 * 365.0, "day"), Quantity(75 * 365.0, "day")} <= quantities("aged 65 to 75 years")
    assert Quantity(2.0, "") in quantities("twice daily")


def test_same_dose_in_other_units_matches() -> None:
    assert unmatched("give 0.5 g daily", "give 500 mg daily") == []


def test_changed_dose_threshold_or_age_is_reported() -> None:
    assert unmatched("give 1 g daily", "give 500 mg daily") == [Quantity(1.0, "g")]
    assert unmatched("men aged 65 to 80 years", "men aged 65 to 75 years") == [Quantity(80 * 365.0, "day")]
    assert unmatched("eGFR below 45", "eGFR below 30 mL/min") == [Quantity(45.0, "")]


def test_bare_number_matches_the_same_number_with_a_unit() -> None:
    assert unmatched("men aged 65 to 75", "men aged 65 to 75 years") == []


def test_dotted_dates_are_read_as_their_parts() -> None:
    # A real PubMedQA abstract writes dates as 01.04.2000; it once crashed the verifier.
    assert quantities("between 01.04.2000 and 1,500 patients") == {
        Quantity(1.0, ""), Quantity(4.0, ""), Quantity(2000.0, ""), Quantity(1500.0, "")}
    assert unmatched("enrolled on 01.04.2000", "from 01.04.2000 to 31.03.2001") == []
