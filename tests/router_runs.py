"""Two stored runs for the router's tests: a cheap and a strong model on the same six items,
imported through the store as logged outputs are.

Item i expects "a{i}". The cheap model answers q0, q2, q4 right and states its confidence
(0.9, 0.8, 0.6, 0.4, none, 0.2); the strong model answers every item but q2 right. Prices:
cheap $1 / $4 and strong $10 / $40 per million input / output tokens (100 input tokens, 10 x
(i + 1) output tokens); latency 200 + 10 ms per output token (cheap), 500 + 20 (strong).
"""

from __future__ import annotations

from core.evaluation import DatasetItem, Sample, Variant
from storage.experiments import ExperimentStore

ITEMS = [DatasetItem(id=f"q{i}", input=f"Question {i}?", expected=f"a{i}") for i in range(6)]
CONFIDENCE = ["0.9", "0.8", "0.6", "0.4", None, "0.2"]
CHEAP_RIGHT = {0, 2, 4}
STRONG_RIGHT = {0, 1, 3, 4, 5}


def _sample(
    i: int, right: bool, stated: str | None, price: float, ms: float, per_token: float
) -> Sample:
    out = 10 * (i + 1)
    answer = f"a{i}" if right else "no idea"
    if stated is not None:
        answer += f" (confidence: {stated})"
    return Sample(
        item_id=f"q{i}",
        output=answer,
        latency_ms=ms + per_token * out,
        input_tokens=100,
        output_tokens=out,
        cost_usd=price * (100 + 4 * out) / 1_000_000,
    )


def router_runs(store: ExperimentStore, dataset: str = "capitals") -> tuple[int, int]:
    """The cheap and the strong run's ids."""
    info = store.add_dataset(dataset, ITEMS)
    cheap = [_sample(i, i in CHEAP_RIGHT, CONFIDENCE[i], 1.0, 200, 10) for i in range(6)]
    strong = [_sample(i, i in STRONG_RIGHT, None, 10.0, 500, 20) for i in range(6)]
    return (
        store.import_run(info.id, Variant(name="mini", model="mini-model"), cheap, name="mini"),
        store.import_run(info.id, Variant(name="big", model="big-model"), strong, name="big"),
    )
