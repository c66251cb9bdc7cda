"""Catalog operations: the catalog with the user's data on top, quality scores imported from
a CSV file or a benchmark table (HELM, leaderboards) with its model names matched to catalog
ids, the source whose scores are in use, and the shipped example scores.

The Models tab (through its queue of edits) and the command line (`cli/catalog.py`) call these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from core.catalog import (
    Catalog,
    ImportReport,
    LatencyProfile,
    QualityScore,
    RowProblem,
    load_catalog,
)
from core.model_matching import Matcher, NameMatch
from core.score_files import (
    ELO_RULE,
    FileFormat,
    Scale,
    ScoreFile,
    ScoreFileError,
    ScoreRow,
    SourcedScore,
    read_score_file,
)
from storage import CatalogStore, StorageError
from storage.catalog import read_score_text


def user_catalog(db_path: Path, public: Catalog | None = None) -> Catalog:
    """The public price map (`public`, else the bundled one) with the user's scores,
    overrides and custom models of the database at `db_path` on top. A database that does not
    exist yet is not created just to read it: the public map alone.

    CatalogError when the price map cannot be read, StorageError when the database cannot."""
    base = public if public is not None else load_catalog()
    if not Path(db_path).exists():
        return base
    with CatalogStore(Path(db_path)) as store:
        return store.apply(base)


@dataclass(frozen=True)
class ScoreChange:
    """One model's quality score before an import (None: it had none) and after it."""

    model_id: str
    before: QualityScore | None
    after: QualityScore


@dataclass(frozen=True)
class ScoreImport:
    """The scores a CSV file holds, read and checked, nothing written yet."""

    path: Path
    scores: dict[str, QualityScore]
    report: ImportReport
    changes: list[ScoreChange]
    # The same scores as scores of their source, kept beside other sources' (none unnamed).
    sourced: tuple[SourcedScore, ...] = ()


def read_scores(
    store: CatalogStore, path: Path, known_ids: Collection[str], source: str | None = None
) -> ScoreImport:
    """Read `model,score[,benchmark]` rows (bad ones skipped, each in the report); `source`
    names where the scores come from and prefixes each row's benchmark. StorageError for a
    file that cannot be read, is binary or empty, or has no header."""
    path = Path(path)
    scores, report = store.read_quality_csv(path, known_ids)
    sourced = tuple(
        SourcedScore(mid, source, q.score, q.score, "unit", q.benchmark, q.date)
        for mid, q in scores.items()
        if source
    )
    if source:
        scores = {
            mid: q.model_copy(
                update={"benchmark": f"{source}: {q.benchmark}" if q.benchmark else source}
            )
            for mid, q in scores.items()
        }
    current = store.user_data().quality if scores else {}
    changes = [ScoreChange(mid, current.get(mid), q) for mid, q in scores.items()]
    return ScoreImport(path, scores, report, changes, sourced)


def apply_scores(store: CatalogStore, plan: ScoreImport) -> ImportReport:
    """Save the scores `read_scores` found, in one transaction (all or none); with a source,
    as that source's scores too (see CatalogStore.save_sourced)."""
    if plan.sourced:
        store.save_sourced(list(plan.sourced), doing=f"import quality scores from {plan.path}")
    else:
        store.set_qualities(plan.scores, f"import quality scores from {plan.path}")
    return plan.report


def import_scores(
    store: CatalogStore, path: Path, known_ids: Collection[str], source: str | None = None
) -> ImportReport:
    """Read and save at once (the Models tab shows the report afterwards)."""
    return apply_scores(store, read_scores(store, path, known_ids, source))


def load_example_scores(store: CatalogStore, known_ids: Collection[str]) -> ImportReport:
    """The shipped example quality scores and latencies, for models without the user's own;
    `report.imported` counts the models that received anything."""
    return store.load_examples(known_ids)


# Benchmark tables (HELM, leaderboards, provider benchmarks) as a source of scores


@dataclass(frozen=True)
class TableOptions:
    """How to read a table of scores; None: guessed (see core.score_files.read_score_file)."""

    file_format: FileFormat = "auto"
    table: str | None = None
    model_column: str | None = None
    score_column: str | None = None
    scale: Scale | None = None


@dataclass(frozen=True)
class RowMatch:
    """A row of the file, the id its name was matched to (None: not matched) and how."""

    row: ScoreRow
    match: NameMatch
    model_id: str | None
    how: str  # "remembered", "exact", "given" (--map or the review), or "none"


@dataclass(frozen=True)
class TableImport:
    """A table of scores read and its names matched, nothing written yet."""

    path: Path
    source: str
    read: ScoreFile
    rows: list[RowMatch]
    date: dt.date

    @property
    def matched(self) -> list[RowMatch]:
        """Rows with an id, the first row of each id (a later row of the same id is reported)."""
        seen: set[str] = set()
        out = []
        for r in self.rows:
            if r.model_id is not None and r.model_id not in seen:
                seen.add(r.model_id)
                out.append(r)
        return out

    def scores(self) -> list[SourcedScore]:
        return [
            SourcedScore(
                r.model_id or "",
                self.source,
                r.row.score,
                r.row.value,
                self.read.scale,
                self.read.benchmark,
                self.date,
            )
            for r in self.matched
        ]

    def latency(self) -> dict[str, LatencyProfile]:
        """Provider benchmarks' time to first token and output speed, by matched id."""
        return {
            r.model_id or "": LatencyProfile(
                ttft_ms=r.row.ttft_ms,
                output_tokens_per_second=r.row.output_tokens_per_second,
                source="imported",
                date=self.date,
            )
            for r in self.matched
            if r.row.ttft_ms is not None and r.row.output_tokens_per_second is not None
        }

    def report(self) -> ImportReport:
        """The rows imported and every row skipped: unreadable, not matched (with the best
        suggestions), or a second row of one id."""
        problems = list(self.read.problems)
        kept = {id(r) for r in self.matched}
        for r in self.rows:
            if r.model_id is None:
                close = ", ".join(f"'{s.model_id}'" for s in r.match.suggestions[:3])
                hint = f"; closest: {close}" if close else ""
                reason = f"not matched to a catalog id{hint}"
            elif id(r) not in kept:
                reason = f"also matched to '{r.model_id}', whose first row was kept"
            else:
                continue
            problems.append(RowProblem(row=r.row.row, model=r.row.name, reason=reason))
        problems.sort(key=lambda p: p.row)
        unknown = [r.row.name for r in self.rows if r.model_id is None]
        return ImportReport(imported=len(self.matched), problems=problems, unknown_ids=unknown)

    def describe(self) -> str:
        """Where the scores come from and how they were put on 0..1, for the report."""
        rule = {
            "unit": "read as 0..1",
            "percent": "percentages divided by 100",
            "elo": ELO_RULE,
        }[self.read.scale]
        return f"{self.source}: {self.read.benchmark} ({rule})"


def read_score_table(
    store: CatalogStore,
    path: Path,
    known_ids: Collection[str],
    source: str,
    options: TableOptions | None = None,
    given: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> TableImport:
    """Read a HELM group JSON or a leaderboard CSV and match its model names to `known_ids`:
    `given` mappings (display name → id, from --map or the review) first, then the names the
    user matched before, then exact normal forms. StorageError when the file cannot be read
    or is not such a table, or a given id is not in the catalog."""
    path = Path(path)
    options = options or TableOptions()
    text = read_score_text(path)
    try:
        read = read_score_file(
            text,
            file_format=options.file_format,
            table=options.table,
            model_column=options.model_column,
            score_column=options.score_column,
            scale=options.scale,
        )
    except ScoreFileError as exc:
        raise StorageError(
            f"Could not import scores from {path}: {exc}. Nothing was imported.", path=path
        ) from exc
    given = {name.strip(): mid.strip() for name, mid in (given or {}).items()}
    unknown = sorted({mid for mid in given.values() if mid not in known_ids})
    if unknown:
        raise StorageError(
            f"Not in the catalog: {', '.join(unknown)}; a name can only be matched to a "
            "model the catalog has. Nothing was imported."
        )
    matcher = Matcher(known_ids)
    remembered = store.remembered_names()
    rows = []
    for row in read.rows:
        match = matcher.match(row.name, remembered)
        if row.name in given:
            rows.append(RowMatch(row, match, given[row.name], "given"))
        else:
            rows.append(RowMatch(row, match, match.model_id, match.how))
    return TableImport(path, source, read, rows, today or dt.date.today())


def rematch(plan: TableImport, choices: Mapping[str, str | None]) -> TableImport:
    """The plan with the review's choices (display name → id, None: skip the row)."""
    rows = [
        RowMatch(r.row, r.match, choices[r.row.name], "given" if choices[r.row.name] else "none")
        if r.row.name in choices
        else r
        for r in plan.rows
    ]
    return TableImport(plan.path, plan.source, plan.read, rows, plan.date)


def apply_score_table(store: CatalogStore, plan: TableImport) -> ImportReport:
    """Save the matched scores as the plan's source, the names the user gave (remembered for
    next time) and, from provider benchmarks, latency profiles; one transaction."""
    remember = {r.row.name: r.model_id for r in plan.matched if r.how == "given" and r.model_id}
    store.save_sourced(
        plan.scores(),
        remember=remember,
        latency=plan.latency(),
        doing=f"import scores from {plan.path}",
    )
    return plan.report()


def choose_quality_source(store: CatalogStore, source: str | None) -> None:
    """Use `source`'s scores in the frameworks (None: each model's latest score)."""
    store.set_quality_source(source)
