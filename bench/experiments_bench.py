"""Experiment figures: storing 100,000 run samples, showing a 10,000-sample run in its table,
and comparing two 10,000-item runs; each against a baseline measured in the same run."""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

REPEAT = 5
N_STORE = 100_000
N_SHOW = 10_000


def _items(n: int) -> list:
    from core.evaluation import DatasetItem

    return [
        DatasetItem(id=f"i{k}", input=f"question {k}", expected=f"answer {k % 7}") for k in range(n)
    ]


def _samples(n: int, wrong_every: int) -> list:
    from core.evaluation import Sample

    return [
        Sample(
            item_id=f"i{k}",
            output=f"answer {k % 7}" if k % wrong_every else "no",
            latency_ms=180.0 + k % 40,
            input_tokens=40,
            output_tokens=3,
            cost_usd=1.2e-5,
        )
        for k in range(n)
    ]


def _raw_insert(path: Path, samples: list) -> None:
    """The floor: one executemany of the same values into a bare table, one transaction."""
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS s (run INTEGER, item TEXT, output TEXT, latency REAL, "
        "tin INTEGER, tout INTEGER, cost REAL, PRIMARY KEY (run, item))"
    )
    with conn:
        conn.execute("DELETE FROM s")
        conn.executemany(
            "INSERT INTO s VALUES (1, ?, ?, ?, ?, ?, ?)",
            [
                (s.item_id, s.output, s.latency_ms, s.input_tokens, s.output_tokens, s.cost_usd)
                for s in samples
            ],
        )
    conn.close()


def rows() -> list[str]:
    from bench.__main__ import row
    from core.comparison import compare_runs, summarize_run
    from core.evaluation import Variant
    from storage.experiments import ExperimentStore

    out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = ExperimentStore(folder / "bench.sqlite3")
        dataset = store.add_dataset("bench", _items(N_STORE)).id
        samples = _samples(N_STORE, 9)
        ours, raw = [], []
        for k in range(REPEAT):
            run_id = store.create_run(dataset, Variant(name=f"r{k}", model="m"), None)
            started = time.perf_counter()
            store.add_samples(run_id, samples)
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            _raw_insert(folder / "raw.sqlite3", samples)
            raw.append(time.perf_counter() - started)
        out.append(
            row(
                f"store {N_STORE:,} run samples (one transaction)",
                ours,
                "bare sqlite3 executemany",
                raw,
                "< 2 s",
            )
        )

        small = store.add_dataset("bench-10k", _items(N_SHOW)).id
        base_run = store.create_run(small, Variant(name="base", model="m"), None)
        var_run = store.create_run(small, Variant(name="var", model="m"), None)
        store.add_samples(base_run, _samples(N_SHOW, 5))
        store.add_samples(var_run, _samples(N_SHOW, 9))
        out.append(_table_row(store, var_run, row))

        items = store.items(small)
        base, var = store.samples(base_run), store.samples(var_run)
        compare = [_timed(lambda: compare_runs(items, base, var, "exact_match")) for _ in range(3)]
        one = [_timed(lambda: summarize_run(items, var, "exact_match")) for _ in range(3)]
        out.append(
            row(
                f"compare two {N_SHOW:,}-item runs (exact match, bootstrap CIs)",
                compare,
                "summarise one run",
                one,
                "-",
            )
        )
        store.close()
    return out


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _table_row(store, run_id: int, row) -> str:
    """Read a 10,000-sample run from the store and paint it in the Runs page's table."""
    from PySide6.QtWidgets import QApplication

    from ui.experiments.dialogs import table_view
    from ui.experiments.models import SamplesModel

    app = QApplication.instance() or QApplication([])
    model = SamplesModel()
    view = table_view(model, "bench")
    view.resize(1200, 600)
    view.show()
    app.processEvents()

    def show(n: int | None) -> float:
        started = time.perf_counter()
        samples = store.samples(run_id)
        model.set_rows(samples if n is None else samples[:n])
        view.viewport().repaint()
        app.processEvents()
        return time.perf_counter() - started

    show(None)
    full = [show(None) for _ in range(REPEAT)]
    few = [show(10) for _ in range(REPEAT)]
    view.close()
    return row(
        f"a {N_SHOW:,}-sample run read and shown (model/view, painted)",
        full,
        "the same read, 10 rows shown",
        few,
        "< 200 ms",
    )
