"""The abstention model's features, its artifact, and the abbreviations the gate spells out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from answering.abstention import FEATURES, PACKAGED, AbstentionModel, signals, why_not
from ckg.errors import ConfigurationError
from ckg.nlp.abbreviations import definitions, expand

SENTENCES = [
    "Vancomycin trough concentrations should be monitored in patients with burns.",
    "Vancomycin dosage should be adjusted individually.",
    "Aspirin is not recommended for primary prevention.",
]


def test_signals_measure_closeness_agreement_and_how_much_of_the_question_the_evidence_names() -> None:
    found = signals("Should vancomycin be monitored in burns patients?", SENTENCES, np.array([0.8, 0.7, 0.2]),
                    ["g1", "g1", "g2"], {"dense": 0, "bm25": 0})
    assert set(found.values) == set(FEATURES)
    assert found.values["best"] == pytest.approx(0.8) and found.values["margin"] == pytest.approx(0.1)
    assert found.values["dense_top"] == 1.0 and found.values["coverage_best"] > 0.9
    unrelated = signals("Which insulin regimen for gestational diabetes?", SENTENCES, np.array([0.5, 0.4, 0.3]),
                        ["g1", "g1", "g2"], {"bm25": 4})
    assert unrelated.values["coverage_guideline"] == 0.0 and unrelated.values["dense_top"] < 0.02
    assert "do not mention" in why_not(unrelated)
    assert found.values["question_form"] == unrelated.values["question_form"] == 1.0
    topic = signals("Management of vancomycin dosing in burns", SENTENCES, np.array([0.8, 0.7, 0.2]),
                    ["g1", "g1", "g2"], {})
    assert topic.values["question_form"] == 0.0  # typed as a topic, not asked


def model(embedder: str = "minilm (torch)") -> AbstentionModel:
    n = len(FEATURES)
    return AbstentionModel("logistic-test", embedder, [0.0] * n, [1.0] * n, [1.0] + [0.0] * (n - 1), -0.5, 0.5)


def test_the_model_reads_back_what_it_wrote_and_answers_when_the_evidence_is_close(tmp_path: Path) -> None:
    path = tmp_path / "abstention.json"
    model().save(path)
    loaded = AbstentionModel.load(path, "minilm (torch)")
    close = signals("vancomycin burns", SENTENCES, np.array([2.0, 0.1, 0.1]), ["g", "g", "g"], {})
    far = signals("vancomycin burns", SENTENCES, np.array([0.1, 0.0, 0.0]), ["g", "g", "g"], {})
    assert loaded.probability(close) > loaded.threshold > loaded.probability(far)


def test_a_model_fitted_with_another_embedder_or_other_features_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "abstention.json"
    model("other-model (onnx-int8)").save(path)
    with pytest.raises(ConfigurationError, match="refit it with `ckg eval calibrate`"):
        AbstentionModel.load(path, "minilm (torch)")
    path.write_text(path.read_text().replace('"best"', '"something-else"'))
    with pytest.raises(ConfigurationError, match="other features"):
        AbstentionModel.load(path, "other-model (onnx-int8)")
    path.write_text("{not json")
    with pytest.raises(ConfigurationError, match="cannot be read"):
        AbstentionModel.load(path, "minilm (torch)")


def test_every_packaged_model_loads_with_todays_features_and_was_cross_validated() -> None:
    packaged = sorted(PACKAGED.parent.glob("abstention*.json"))
    assert {p.name for p in packaged} == {"abstention.json", "abstention-onnx-int8.json"}
    for path in packaged:
        model = AbstentionModel.load(path, json.loads(path.read_text())["embedder"])  # refused if stale
        assert model.fitted_on["cross_validated"] and 0.0 < model.threshold < 1.0


def test_abbreviations_a_guideline_defines_are_spelled_out_where_it_uses_them() -> None:
    found = definitions(["The management of blunt traumatic aortic injury (BTAI) was first addressed in 2000.",
                         "No definitions here."])
    assert found == {"BTAI": "blunt traumatic aortic injury"}
    assert expand("In patients with BTAI, endovascular repair is recommended.", found) == (
        "In patients with blunt traumatic aortic injury (BTAI), endovascular repair is recommended.")
    assert expand("blunt traumatic aortic injury (BTAI) again", found) == "blunt traumatic aortic injury (BTAI) again"
    assert expand("Nothing to spell out.", {}) == "Nothing to spell out."
