"""The Compare page with a DeepEval metric: the judge grades both runs on the local server,
each arm's mean and interval are shown beside the lift, G-Eval asks for its criterion, and the
Compare button cancels a grading in progress."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from core.evaluation import DatasetItem, Sample, Variant
from storage.experiments import ExperimentStore
from tests.llm_server import LlmTestServer
from tests.operations.test_deepeval_metrics import _judge
from tests.ui.test_experiments_tab import bench_of, panel, services, wait_idle  # noqa: F401

CONTEXT = json.dumps(["agreed context 1", "contradicted context 2"])
# Faithfulness = claims not contradicted / claims. Baseline: a 1/2, b 0/1 (mean 0.25);
# variant: a 2/2, b 1/2 (mean 0.75); paired lift = mean(0.5, 0.5) = 0.5.
OUTPUTS = (
    {"a": "good fact 1. bad fact 2.", "b": "bad fact 1."},
    {"a": "good fact 1. good fact 2.", "b": "good fact 1. bad fact 2."},
)


def _two_runs(services) -> None:  # noqa: F811
    items = [DatasetItem(id=i, input=f"Question {i}?", fields={"context": CONTEXT}) for i in "ab"]
    with ExperimentStore(services.db_path) as store:
        dataset = store.add_dataset("rag", items)
        for name, outputs in zip(("base", "new"), OUTPUTS, strict=True):
            samples = [Sample(item_id=i, output=text) for i, text in outputs.items()]
            store.import_run(dataset.id, Variant(name=name, model=name), samples, name=name)


def test_a_deepeval_metric_is_judged_shown_per_arm_and_cancellable(
    qtbot,
    panel,  # noqa: F811
    services,  # noqa: F811
    llm_server: LlmTestServer,
) -> None:
    llm_server.set_responder(_judge)
    _two_runs(services)
    bench = bench_of(panel)
    bench.reload()
    wait_idle(qtbot, services)
    compare = bench.compare_page
    compare.baseline_combo.setCurrentIndex(
        compare.baseline_combo.findText("#1", Qt.MatchFlag.MatchStartsWith)
    )
    compare.metric_combo.setCurrentIndex(compare.metric_combo.findData("deepeval_faithfulness"))
    assert compare.judge_model_edit.isEnabled() and not compare.criterion_edit.isEnabled()
    compare.judge_model_edit.setText("judge-model")
    compare.judge_base_edit.setText(llm_server.url)
    qtbot.mouseClick(compare.compare_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    c = compare.comparison
    assert c is not None and c.metric == "deepeval_faithfulness", compare.verdict_label.text()
    assert c.lift == 0.5 and c.judge_cost_usd == 0  # a local server has no price
    reasons = compare.reasons_label.text()
    assert "Baseline: Faithfulness (DeepEval) mean 0.250 (95% bootstrap interval" in reasons
    assert "Variant: Faithfulness (DeepEval) mean 0.750 (95% bootstrap interval" in reasons
    assert compare.compare_button.text() == "Compare" and compare.compare_button.isEnabled()

    # G-Eval needs its criterion.
    compare.metric_combo.setCurrentIndex(compare.metric_combo.findData("deepeval_geval"))
    assert compare.criterion_edit.isEnabled()
    qtbot.mouseClick(compare.compare_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    assert "criterion" in compare.verdict_label.text()

    # A slow judge: the button reads Cancel while it grades, and a cancel records nothing.
    compare.criterion_edit.setText("Is the answer supported?")
    llm_server.set_responder(_judge, latency_s=0.3)
    with ExperimentStore(services.db_path) as store:
        kept = len(store.experiments())
    qtbot.mouseClick(compare.compare_button, Qt.MouseButton.LeftButton)
    assert compare.compare_button.text() == "Cancel"
    qtbot.mouseClick(compare.compare_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    assert "Cancelled" in compare.verdict_label.text()
    assert compare.compare_button.text() == "Compare"
    with ExperimentStore(services.db_path) as store:
        assert len(store.experiments()) == kept
