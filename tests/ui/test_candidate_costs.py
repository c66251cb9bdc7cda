"""Model Selection's candidate table shows each cost with the unit its row chose."""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.frameworks.model_selection import Candidate
from ui.list_editors import RecordsModel


def test_each_cost_shows_its_unit_and_edits_as_the_bare_number(qapp) -> None:
    model = RecordsModel(Candidate)
    model.set_rows(
        [
            {"name": "a", "accuracy": 0.9, "avg_latency_ms": 900, "cost_usd": 0.00775},
            {
                "name": "b",
                "accuracy": 0.8,
                "avg_latency_ms": 700,
                "cost_usd": 1.5e-7,
                "cost_unit": "per_token",
            },
            {
                "name": "c",
                "accuracy": 0.8,
                "avg_latency_ms": 700,
                "cost_usd": 0.002,
                "cost_unit": "per_request",
            },
        ]
    )
    cost = model.names.index("cost_usd")
    shown = [model.data(model.index(row, cost)) for row in range(3)]
    # A row without a unit yet shows the bare number; the others say theirs.
    assert shown == ["0.00775", "1.5e-07 per token ($0.15 per 1M)", "0.002 per request"]
    edit = model.data(model.index(1, cost), Qt.ItemDataRole.EditRole)
    assert edit == "1.5e-07"
    accuracy = model.names.index("accuracy")
    assert model.data(model.index(0, accuracy)) == "0.9"
