"""Run every benchmark and print one table: median, spread, baseline, ratio, budget."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from pydantic import BaseModel

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

ROOT = Path(__file__).resolve().parent.parent


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _revalidated(inputs: type[BaseModel], x: BaseModel) -> object:
    """The inputs validated again from their dump: the floor a compute is measured against."""
    return inputs.model_validate(x.model_dump())


def row(
    name: str,
    samples: list[float],
    base_name: str,
    base: list[float],
    budget: str,
    unit: str = "ms",
    scale: float = 1e3,
) -> str:
    med = statistics.median(samples)
    spread = (max(samples) - min(samples)) / 2
    bmed = statistics.median(base) if base else float("nan")
    ratio = med / bmed if base else float("nan")
    return (
        f"| {name} | {med * scale:.2f} {unit} | ±{spread * scale:.2f} | {base_name} "
        f"{bmed * scale:.2f} {unit} | {ratio:.2f}x | {budget} |"
    )


def main() -> int:
    import json

    from core.catalog import QualityScore, load_catalog, with_examples
    from core.frameworks import REGISTRY
    from core.frameworks import build_vs_buy as bvb
    from core.frameworks import cost_quality_latency as cql
    from core.frameworks import model_selection as ms

    rows = []
    cache = Path(tempfile.mkdtemp())
    public = load_catalog(cache)  # writes the snapshot: what a second start reads
    snap = next(cache.glob("*.json"))
    loads = timed(lambda: load_catalog(cache), 15)
    raw = timed(lambda: json.loads(snap.read_text()), 15)
    rows.append(
        row(
            f"catalog load from snapshot ({len(public):,} models)",
            loads,
            "json.loads of the snapshot",
            raw,
            "< 100 ms",
        )
    )
    examples = (ROOT / "resources" / "catalog" / "examples.csv").read_text()
    example_catalog = with_examples(public, examples)

    for fw in REGISTRY:
        x = fw.Inputs()
        # partial, not a lambda with defaults, binds the loop's framework (and mypy can type it).
        samples = timed(partial(fw.compute, x, example_catalog), 30)
        base = timed(partial(_revalidated, fw.Inputs, x), 30)
        rows.append(
            row(f"compute {fw.ID} (defaults)", samples, "validate its inputs", base, "< 5 ms")
        )

    everyone = public.replace(
        m.model_copy(update={"quality": QualityScore(score=0.5 + (i % 50) / 100)})
        for i, m in enumerate(public)
    )
    from bench import edit_bench

    rows.append(row(*edit_bench.whole_catalog_row(everyone)))
    whole = timed(lambda: cql.compute(cql.Inputs(), everyone), 15)
    eight = timed(lambda: cql.compute(cql.Inputs(), example_catalog), 15)
    rows.append(
        row(
            f"cost_quality_latency over all {len(everyone):,} models",
            whole,
            "the same over 8 scored models",
            eight,
            "< 20 ms",
        )
    )

    twenty = ms.Inputs(
        candidates=[
            ms.Candidate(
                name=f"model-{i}",
                accuracy=0.6 + i / 60,
                avg_latency_ms=300 + 97 * i,
                cost_usd=0.0001 * (1 + (i * 7) % 20),
            )
            for i in range(20)
        ]
    )
    wmap = timed(lambda: ms.compute(twenty), 30)
    three = timed(lambda: ms.compute(ms.Inputs()), 30)
    rows.append(
        row(
            "model_selection with its weight map, 20 models",
            wmap,
            "the same, 3 models",
            three,
            "< 50 ms",
        )
    )

    x = bvb.Inputs()
    first = timed(lambda: bvb.compute_first(x), 30)
    base = timed(partial(_revalidated, bvb.Inputs, x), 30)
    rows.append(
        row(
            f"compute {bvb.ID}, first stage (the tab's; its Monte Carlo follows)",
            first,
            "validate its inputs",
            base,
            "< 5 ms",
        )
    )
    p = bvb._Params.of(x)
    few = bvb.Inputs(monte_carlo_draws=100)
    mc = timed(lambda: bvb._monte_carlo(x, p, 5.0), 30)
    mc_few = timed(lambda: bvb._monte_carlo(few, p, 5.0), 30)
    rows.append(row("Monte Carlo, 10,000 draws", mc, "the same, 100 draws", mc_few, "< 50 ms"))

    from bench import storage_bench

    for name, samples, base_name, base, budget in edit_bench.rows(example_catalog):
        rows.append(row(name, samples, base_name, base, budget))

    for name, samples, base_name, base, budget in storage_bench.rows(timed):
        rows.append(row(name, samples, base_name, base, budget))

    from bench import experiments_bench, runner

    rows.extend(experiments_bench.rows())
    rows.extend(runner.rows())

    from bench import startup_bench

    bare, app = startup_bench.measure()
    bare_start, bare_rss = [b["start"] for b in bare], [b["rss"] for b in bare]
    rows.append(
        row(
            "start-up to first painted window",
            [a["start"] for a in app],
            "bare PySide6+pyqtgraph window",
            bare_start,
            "< 1.3x",
        )
    )
    counted = startup_bench.instructions()
    if counted is not None:
        rows.append(
            row(
                "start-up instructions to first painted window (callgrind, one run each)",
                [counted[1]],
                "bare PySide6+pyqtgraph window",
                [counted[0]],
                "< 1.3x",
                "M",
                1e-6,
            )
        )
    mb = ("MB", 1e-6)
    rows.append(
        row("resident memory, idle", [a["rss"] for a in app], "bare window", bare_rss, "-", *mb)
    )
    rows.append(
        row(
            "resident memory, every tab opened",
            [a["rss_tabs"] for a in app],
            "bare window",
            bare_rss,
            "-",
            *mb,
        )
    )

    print(
        f"Machine: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores"
    )
    print("| figure | median | spread | baseline (same run) | ratio | budget |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
