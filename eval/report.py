"""An evaluation report: Markdown with tables and PNG plots, plus the same metrics as JSON.

Each suite fills one ``Report`` and saves it into its own folder (``reports/<suite>/`` by
default): ``report.md`` for people, ``metrics.json`` for machines, ``*.png`` beside them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display on a server
import matplotlib.pyplot as plt  # noqa: E402


class Report:
    def __init__(self, suite: str, title: str, command: str) -> None:
        self.suite = suite
        self.lines = [f"# {title}", "", f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{command}`.", ""]
        self.metrics: dict[str, Any] = {"suite": suite, "command": command}
        self._plots: dict[str, Any] = {}

    def text(self, *paragraphs: str) -> None:
        for paragraph in paragraphs:
            self.lines += [paragraph, ""]

    def heading(self, text: str) -> None:
        self.lines += [f"## {text}", ""]

    def table(self, rows: Mapping[str, Mapping[str, Any]], first: str = "") -> None:
        """One row per key; the columns are the union of the rows' keys, in first-seen order."""
        columns = list(dict.fromkeys(c for row in rows.values() for c in row))
        self.lines.append("| " + " | ".join([first, *columns]) + " |")
        self.lines.append("|" + "---|" * (len(columns) + 1))
        for name, row in rows.items():
            self.lines.append("| " + " | ".join([f"**{name}**", *(_cell(row.get(c)) for c in columns)]) + " |")
        self.lines.append("")

    def bars(self, name: str, title: str, series: Mapping[str, Mapping[str, float]], ylabel: str = "") -> None:
        """Grouped bars: one group per metric, one bar per series (e.g. per retriever)."""
        metrics = list(dict.fromkeys(m for values in series.values() for m in values))
        figure, axes = plt.subplots(figsize=(max(6, 1.4 * len(metrics) * max(1, len(series)) / 3), 4))
        width = 0.8 / max(1, len(series))
        for i, (label, values) in enumerate(series.items()):
            xs = [j + i * width for j in range(len(metrics))]
            axes.bar(xs, [values.get(m, 0.0) for m in metrics], width, label=label)
        axes.set_xticks([j + width * (len(series) - 1) / 2 for j in range(len(metrics))], metrics)
        axes.set_title(title)
        axes.set_ylabel(ylabel)
        axes.legend(fontsize="small")
        self._plots[f"{name}.png"] = figure
        self.lines += [f"![{title}]({name}.png)", ""]

    def histogram(self, name: str, title: str, groups: Mapping[str, Sequence[float]], xlabel: str,
                  marker: float | None = None) -> None:
        figure, axes = plt.subplots(figsize=(7, 4))
        for label, values in groups.items():
            axes.hist(values, bins=30, alpha=0.55, label=label)
        if marker is not None:
            axes.axvline(marker, color="black", linestyle="--", label=f"threshold {marker:.3f}")
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        axes.legend(fontsize="small")
        self._plots[f"{name}.png"] = figure
        self.lines += [f"![{title}]({name}.png)", ""]

    def curves(self, name: str, title: str, series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
               xlabel: str, ylabel: str) -> None:
        """Lines through (x, y) points, one per series (e.g. ROC curves)."""
        figure, axes = plt.subplots(figsize=(6, 5))
        for label, (xs, ys) in series.items():
            axes.plot(xs, ys, label=label)
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        axes.legend(fontsize="small")
        self._plots[f"{name}.png"] = figure
        self.lines += [f"![{title}]({name}.png)", ""]

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for filename, figure in self._plots.items():
            figure.tight_layout()
            figure.savefig(folder / filename, dpi=110)
            plt.close(figure)
        (folder / "report.md").write_text("\n".join(self.lines).rstrip() + "\n", encoding="utf-8")
        (folder / "metrics.json").write_text(json.dumps(self.metrics, indent=2) + "\n", encoding="utf-8")
        return folder / "report.md"


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"
    return str(value)
