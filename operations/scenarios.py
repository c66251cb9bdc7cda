"""Scenario operations: save, save as (with a name in use), restore a version, open a saved
version as it was decided, compare two, write and read scenario files, load the examples.

The window (through its worker threads) and the command line (`cli/scenarios.py`,
`cli/report.py`) call these; each face only asks its questions and shows the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from core.catalog import Catalog
from core.compare import FigureRow, InputRow, TableInput, figure_rows, input_rows, table_inputs
from core.evidence import SavedView, open_saved
from core.files import write_atomic
from core.frameworks import Framework, get, ids
from core.scenario import Scenario, ScenarioVersion, dump_scenario_file, parse_scenario_file
from core.validation import error_lines
from storage import ScenarioStore, StorageError

if TYPE_CHECKING:
    from core.report import SummaryMeta

#: The decision summary's formats by file suffix.
SUMMARY_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}


class ScenarioError(Exception):
    """A scenario operation refused, with one plain line per reason (a bad field each)."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)


@dataclass(frozen=True)
class ScenarioContent:
    """What a tab holds and a save writes: its framework, inputs, result, evidence, notes."""

    framework_id: str
    inputs: dict[str, Any]
    result: dict[str, Any] | None = None
    notes: str = ""
    evidence: dict[str, Any] | None = None


@dataclass(frozen=True)
class SaveAs:
    """The outcome of a save under a new name: the new scenario, or the one that has the name."""

    saved: Scenario | None = None
    taken: Scenario | None = None

    def may_add_version(self, framework_id: str) -> bool:
        """Whether the content may become a new version of the scenario that has the name:
        only of one that decides the same question."""
        return self.taken is not None and self.taken.framework_id == framework_id


@dataclass(frozen=True)
class SavedScenario:
    """A saved version as the window shows it: computed from its own evidence."""

    scenario: Scenario
    #: The version shown: `scenario` itself (its latest) or an earlier ScenarioVersion.
    version: Scenario | ScenarioVersion
    framework: Framework
    inputs: BaseModel
    view: SavedView


@dataclass(frozen=True)
class ScenarioComparison:
    """Two saved scenarios of one framework side by side."""

    a: SavedScenario
    b: SavedScenario
    inputs: list[InputRow] = field(default_factory=list)
    figures: list[FigureRow] = field(default_factory=list)
    #: The inputs that are lists of rows (a task mix), each side as a table.
    tables: list[TableInput] = field(default_factory=list)

    @property
    def differing_inputs(self) -> list[InputRow]:
        return [r for r in self.inputs if r.differs]


# ----- saving ------------------------------------------------------------------------------


def save(store: ScenarioStore, scenario_id: int, content: ScenarioContent) -> Scenario:
    """A new version of a saved scenario."""
    return store.save(
        scenario_id, content.inputs, content.result, content.notes, evidence=content.evidence
    )


def save_as(store: ScenarioStore, name: str, content: ScenarioContent) -> SaveAs:
    """A new scenario named `name`, unless a scenario has that name already: then nothing is
    written and the caller asks for another name or a new version of that one (never a silent
    overwrite, never only an error)."""
    try:
        taken = store.get_by_name(name)
    except StorageError:  # no such name (a real database problem fails create too)
        made = store.create(
            content.framework_id,
            name,
            content.inputs,
            content.result,
            content.notes,
            evidence=content.evidence,
        )
        return SaveAs(saved=made)
    return SaveAs(taken=taken)


def save_as_version(store: ScenarioStore, taken: Scenario, content: ScenarioContent) -> Scenario:
    """The content as the next version of `taken`, the scenario whose name it was saved under."""
    if taken.framework_id != content.framework_id or taken.id is None:
        raise ScenarioError(
            f"“{taken.name}” decides another question: this scenario needs another name"
        )
    return save(store, taken.id, content)


def restore_version(store: ScenarioStore, scenario_id: int, version: int) -> Scenario:
    """An earlier version saved again as the newest (nothing is lost: it is a new version)."""
    return store.restore(scenario_id, version)


# ----- inputs and saved versions -----------------------------------------------------------


def framework(framework_id: str) -> Framework:
    """The framework with that id, or a ScenarioError naming the known ones."""
    try:
        return get(framework_id)
    except KeyError as exc:
        raise ScenarioError(str(exc.args[0])) from None


def valid_inputs(fw: Framework, raw: Mapping[str, Any], where: str = "") -> BaseModel:
    """The framework's Inputs from plain data; each bad field is one line of the error."""
    try:
        return fw.Inputs.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(*(f"{where}{line}" for line in error_lines(exc, fw.Inputs))) from None


def open_version(
    scenario: Scenario,
    catalog: Catalog | Callable[[], Catalog],
    version: Scenario | ScenarioVersion | None = None,
) -> SavedScenario:
    """`version` of `scenario` (its latest by default) computed from the evidence it was saved
    with; `catalog` is today's (for drift, and for a version saved before evidence was kept).
    A callable catalog is only loaded once the inputs are known to be usable."""
    chosen = version if version is not None else scenario
    fw = framework(scenario.framework_id)
    inputs = valid_inputs(fw, chosen.inputs, where=f"scenario '{scenario.name}': ")
    today = catalog() if callable(catalog) else catalog
    view = open_saved(fw, inputs, chosen.evidence, today)
    return SavedScenario(scenario, chosen, fw, inputs, view)


def find_version(
    store: ScenarioStore, name: str, version: int | None = None
) -> tuple[Scenario, Scenario | ScenarioVersion]:
    """The scenario named `name` and its version `version` (the latest when None)."""
    scenario = store.get_by_name(name)
    if version is None or version == scenario.version:
        return scenario, scenario
    found = [v for v in store.versions(scenario.id or 0) if v.version == version]
    if not found:
        raise ScenarioError(
            f"scenario '{' '.join(scenario.name.split())}' has no version {version}; its "
            f"versions are 1 to {scenario.version}"
        )
    return scenario, found[0]


# ----- comparing ---------------------------------------------------------------------------


def compare_saved(a: SavedScenario, b: SavedScenario) -> ScenarioComparison:
    """Every input of A and B (flagged where they differ) and each key figure with B − A."""
    if a.framework.ID != b.framework.ID:
        raise ScenarioError(
            f"'{' '.join(a.scenario.name.split())}' is a {a.framework.TITLE} scenario and "
            f"'{' '.join(b.scenario.name.split())}' a {b.framework.TITLE} one: only scenarios "
            "of one framework compare"
        )
    return ScenarioComparison(
        a,
        b,
        input_rows(a.inputs, b.inputs),
        figure_rows(a.view.result, b.view.result),
        table_inputs(a.inputs, b.inputs),
    )


def compare_scenarios(a: Scenario, b: Scenario, catalog: Catalog) -> ScenarioComparison:
    """Two scenarios' latest versions, each computed as its tab shows it."""
    return compare_saved(open_version(a, catalog), open_version(b, catalog))


# ----- decision summaries ------------------------------------------------------------------


def summary_format(path: Path) -> str | None:
    """The summary format ("md", "html" or "pdf") a file name asks for; None when it is
    not one of those."""
    return SUMMARY_SUFFIXES.get(Path(path).suffix.lower())


def saved_summary_meta(saved: SavedScenario) -> SummaryMeta:
    """What the decision summary of a saved version says about itself: its name and notes,
    "Accepted" (a saved version, as the window calls a saved tab without edits), the evidence
    the result rests on and what today's catalog would change."""
    from core.report import SummaryMeta  # markdown-it is not needed until a summary

    view = saved.view
    return SummaryMeta(
        scenario_name=saved.scenario.name,
        notes=saved.scenario.notes,
        status="Accepted",
        price_date=view.evidence.price_date,
        evidence=view.evidence,
        evidence_recorded=view.recorded,
        drift=view.drift.text if view.drift is not None else None,
    )


# ----- files -------------------------------------------------------------------------------


def export_scenario_file(store: ScenarioStore, scenario_id: int, path: Path) -> None:
    """The saved scenario (its latest version) written to a scenario file, atomically."""
    store.export_file(scenario_id, Path(path))


def write_copy(path: Path, name: str, content: ScenarioContent) -> Scenario:
    """What a tab shows now, unsaved edits included, as a scenario file written without the
    database: the way out when saving fails (a read-only database, a full disk)."""
    scenario = Scenario(
        name=name,
        framework_id=content.framework_id,
        inputs=content.inputs,
        result=content.result,
        evidence=content.evidence,
        notes=content.notes,
    )
    # Atomic like every file the app writes: this copy is the user's last resort, and a full
    # disk must not leave half of it over an older good one.
    write_atomic(Path(path), dump_scenario_file(scenario).encode("utf-8"))
    return scenario


def read_scenario_text(text: str) -> Scenario:
    """A scenario file's text, checked (its format, its evidence, its inputs against the
    engine) and nothing stored: ScenarioFileError says what is wrong."""
    return parse_scenario_file(text, ids())


def import_scenario_text(store: ScenarioStore, text: str) -> Scenario:
    """A scenario file's text added as a new scenario (a taken name gets a free suffix).
    ScenarioFileError for text that is not a usable scenario file; nothing is stored then."""
    return store.import_scenario(read_scenario_text(text))


def import_scenario_file(store: ScenarioStore, path: Path) -> Scenario:
    """A scenario file added as a new scenario; StorageError, saying why, for a file that
    cannot be read or used (nothing is stored then)."""
    return store.import_file(Path(path), ids())


def import_examples(store: ScenarioStore, files: Iterable[Path]) -> list[Scenario]:
    """The example scenario files, imported in the order given."""
    known = ids()
    return [store.import_file(Path(f), known) for f in files]
