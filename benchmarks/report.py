"""The report's building blocks (sections, tables) and RESULTS.md itself."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""

    def markdown(self) -> str:
        lines = []
        if self.caption:
            lines += [self.caption, ""]
        lines.append("| " + " | ".join(self.headers) + " |")
        lines.append("| " + " | ".join("---" for _ in self.headers) + " |")
        lines += [
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in self.rows
        ]
        return "\n".join(lines)


@dataclass
class Section:
    key: str
    number: int
    title: str
    intro: str
    rounds: int = 0
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    skipped: str | None = None  # why nothing was measured
    failed: bool = False
    load: tuple[tuple[float, ...], tuple[float, ...]] | None = None
    seconds: float = 0.0

    def markdown(self) -> str:
        parts = [f"## {self.number}. {self.title}", "", self.intro, ""]
        if self.skipped:
            verb = "Failed" if self.failed else "Not measured"
            parts += [f"**{verb}:** {self.skipped}", ""]
        meta = []
        if self.rounds:
            meta.append(f"{self.rounds} round(s), interleaved")
        if self.load:
            start, end = self.load
            meta.append(f"load average {_load(start)} at the start, {_load(end)} at the end")
        if self.seconds:
            meta.append(f"section took {self.seconds:.0f} s")
        if meta:
            parts += ["_" + "; ".join(meta) + "._", ""]
        for table in self.tables:
            parts += [table.markdown(), ""]
        if self.notes:
            parts += [f"- {note}" for note in self.notes] + [""]
        return "\n".join(parts)


def _load(values: tuple[float, ...]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def render(
    *,
    title: str,
    preamble: list[str],
    machine: Table,
    conditions: list[str],
    budgets: Table,
    sections: list[Section],
) -> str:
    parts = [f"# {title}", "", *preamble, "", "## Machine", "", machine.markdown(), ""]
    parts += ["## Conditions", "", *[f"- {line}" for line in conditions], ""]
    parts += ["## Budgets", "", budgets.markdown(), ""]
    for section in sections:
        parts.append(section.markdown())
    return "\n".join(parts).rstrip() + "\n"
