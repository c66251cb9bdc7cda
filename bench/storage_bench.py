"""Storage figures: listing 10,000 scenarios with 100,000 versions, and saving one.

Measured when the list stopped reading results (storage/scenarios.py, migration 6): reading
each scenario's headline from its results (2-20 kB each) took the list of ten thousand from
10 ms to 70 ms.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from core.frameworks import REGISTRY
from storage import ScenarioStore
from storage.db import scenario_verdict
from storage.jsoncolumn import encode

SCENARIOS = 10_000
VERSIONS_EACH = 10

Timer = Callable[[Callable[[], object], int], list[float]]
Row = tuple[str, list[float], str, list[float], str]


def build_database(path: Path) -> None:
    """Ten thousand scenarios over every framework, ten versions each.

    The latest version of each holds its framework's real default inputs and result (plot
    series included, 2-20 kB), which is what a list reads; older versions hold small stand-ins,
    as a full-size history would take a gigabyte of disk for no change in what a list reads.
    """
    payloads = [
        (
            fw.ID,
            encode(fw.Inputs().model_dump(mode="json")),
            encode(fw.compute(fw.Inputs(), None).model_dump(mode="json")),
        )
        for fw in REGISTRY
    ]
    verdicts = [scenario_verdict(result_json) for _, _, result_json in payloads]  # as saves do
    ScenarioStore(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO scenarios (id, name, framework_id, notes, created_at, updated_at, "
        "current_version, headline, recommendation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                n,
                f"Scenario {n}",
                payloads[n % len(payloads)][0],
                f"note {n}",
                "2025-01-01T00:00:00.000000+00:00",
                f"2025-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000000+00:00",
                VERSIONS_EACH,
                *verdicts[n % len(payloads)],
            )
            for n in range(1, SCENARIOS + 1)
        ),
    )
    small = encode({"recommendation": "build"})
    conn.executemany(
        "INSERT INTO scenario_versions (scenario_id, version, inputs_json, result_json, notes, "
        "saved_at) VALUES (?, ?, ?, ?, '', '2025-01-01T00:00:00.000000+00:00')",
        (
            (n, v, *payloads[n % len(payloads)][1:]) if v == VERSIONS_EACH else (n, v, small, small)
            for v in range(1, VERSIONS_EACH + 1)
            for n in range(1, SCENARIOS + 1)
        ),
    )
    conn.execute("COMMIT")
    conn.close()


def rows(timed: Timer) -> list[Row]:
    """(figure, samples, baseline name, baseline samples, budget) for the table."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        build_database(path)
        size_mb = path.stat().st_size / 1e6
        bare = sqlite3.connect(path)
        names_only = timed(
            lambda: bare.execute(
                "SELECT id, name, framework_id, notes, updated_at, current_version "
                "FROM scenarios ORDER BY updated_at DESC, id DESC"
            ).fetchall(),
            9,
        )
        bare.close()

        def open_and_list() -> None:
            with ScenarioStore(path) as opened:
                opened.summaries()

        opened_listed = timed(open_and_list, 9)
        with ScenarioStore(path) as store:
            summaries = timed(store.summaries, 9)
            full = timed(store.list, 3)
            first = store.summaries()[0]
            latest = store.get(first.id)
            inputs, result = latest.inputs, latest.result
            # A save keeps its evidence: Cost-Quality-Latency's defaults over the example
            # scores read eight catalog rows, the most of any default (about 5 kB).
            evidence = _default_evidence()
            saves = timed(lambda: store.save(first.id, inputs, result, evidence=evidence), 30)
            gets = timed(lambda: store.get(first.id), 30)
    table = "10,000 scenarios / 100,000 versions"
    return [
        (f"list {table} (Open dialog)", summaries, "names only, bare SQL", names_only, "< 100 ms"),
        (
            f"open the database ({size_mb:.0f} MB, integrity check included) and list {table}",
            opened_listed,
            "names only, bare SQL",
            names_only,
            "< 100 ms",
        ),
        (f"list {table} with inputs+results", full, "names only, bare SQL", names_only, "-"),
        (
            "save a scenario version with its evidence (same file)",
            saves,
            "read it back",
            gets,
            "< 10 ms",
        ),
    ]


def _default_evidence() -> dict[str, object]:
    """The evidence Cost-Quality-Latency's defaults record over the shipped example scores."""
    import resources
    from core.catalog import load_catalog, with_examples
    from core.evidence import record
    from core.frameworks import cost_quality_latency as cql

    catalog = with_examples(load_catalog(), resources.example_scores().read_text(encoding="utf-8"))
    return record(cql, cql.Inputs(), catalog)[1].to_json()
