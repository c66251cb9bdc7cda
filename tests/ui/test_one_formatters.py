"""The window writes durations, counts and verdict colours through the one helper of each."""

from __future__ import annotations

from core.frameworks.common import count, duration
from ui.experiments import texts
from ui.models.columns import count_text
from ui.plots.common import VERDICT_COLOURS


def test_a_runs_time_reads_as_every_duration_does():
    assert texts.duration(None) == "…"
    for seconds in (0.4, 3.2, 95, 150, 5400, 200_000):
        assert texts.duration(seconds) == duration(seconds * 1000)
    assert texts.duration(150) == "2.5 min"


def test_the_models_table_writes_counts_as_every_count_is_written():
    assert count_text(None) == ""
    for value in (0.5, 45.6, 128_000):
        assert count_text(value) == count(value)
    assert count_text(45.6) == "45.6"


def test_every_verdict_has_a_colour():
    assert set(VERDICT_COLOURS) == {"ship", "do_not_ship", "need_more_data"}
