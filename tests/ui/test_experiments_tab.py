"""The Experiments panel: import the example dataset, run two variants against the local
server through litellm, compare them, keep the comparison and feed the decision form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QMessageBox

from core.evaluation import Variant
from core.frameworks import experiments
from storage.experiments import ExperimentStore
from tests.llm_server import LlmTestServer, Reply, last_user_text
from ui.experiments.plots import ExperimentsPanel
from ui.experiments.workbench import Workbench
from ui.services import AppServices
from ui.tasks import TaskRunner

#: The first run in a process imports litellm in the worker (several seconds here).
RUN_TIMEOUT_MS = 90_000
EXAMPLE_DATASET = (
    Path(__file__).resolve().parents[2] / "resources" / "datasets" / "capitals-qa.jsonl"
)
ANSWERS = {
    json.loads(line)["input"]: json.loads(line)["expected"]
    for line in EXAMPLE_DATASET.read_text(encoding="utf-8").splitlines()
    if line.strip()
}


def _answer(body: dict) -> Reply:
    """The right capital for every question, except that the "terse" prompt gets 9 of the 30
    wrong (answers "Atlantis"): the baseline scores 21/30, the variant 30/30."""
    text = last_user_text(body)
    question = next(q for q in ANSWERS if q in text)
    wrong = text.startswith("Terse:") and sorted(ANSWERS).index(question) < 9
    return Reply("Atlantis" if wrong else ANSWERS[question], input_tokens=20, output_tokens=3)


@pytest.fixture
def server():
    with LlmTestServer(responder=_answer, latency_s=0.01) as s:
        yield s


@pytest.fixture
def services(tmp_path: Path):
    path = tmp_path / "experiments.sqlite3"
    ExperimentStore(path).close()
    runner = TaskRunner()
    yield AppServices(runner, path)
    assert runner.pending == 0


@pytest.fixture
def panel(qtbot, services):
    p = ExperimentsPanel(services=services)
    qtbot.addWidget(p)
    p.resize(1300, 950)
    p.update_result(experiments.compute(experiments.Inputs()))
    p.show()
    qtbot.waitExposed(p)
    wait_idle(qtbot, services)
    yield p
    wait_idle(qtbot, services)


def wait_idle(qtbot, services: AppServices, timeout: int = RUN_TIMEOUT_MS) -> None:
    qtbot.waitUntil(lambda: services.runner.pending == 0, timeout=timeout)


def bench_of(panel: ExperimentsPanel) -> Workbench:
    assert panel.workbench is not None
    return panel.workbench


def add_example(qtbot, panel, services) -> None:
    bench = bench_of(panel)
    qtbot.mouseClick(bench.datasets_page.example_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)


def answer_questions(monkeypatch, answer: QMessageBox.StandardButton) -> list[str]:
    """Answer every question box with `answer`; the list collects what each one asked, as
    shown (the boxes get rich text that shows their text literally)."""
    asked: list[str] = []

    def question(_parent, _title, text, *a, **k):
        document = QTextDocument()
        document.setHtml(text)
        asked.append(document.toPlainText())
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def run_variant(qtbot, panel, services, server, name: str, template: str, monkeypatch) -> None:
    page = bench_of(panel).run_page
    page.variant_form.name_edit.setText(name)
    page.variant_form.model_edit.setText("test-model")
    page.variant_form.base_url_edit.setText(server.url)
    page.variant_form.template_edit.setPlainText(template)
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    assert asked and asked[0].startswith("30 requests to test-model")
    assert "unknown cost" in asked[0]


def test_example_dataset_imports_once_and_shows_its_items(qtbot, panel, services):
    add_example(qtbot, panel, services)
    page = bench_of(panel).datasets_page
    assert page.model.rowCount() == 1
    assert page.model.index(0, 2).data() == "30"
    wait_idle(qtbot, services)
    assert page.items.rowCount() == 30
    # The same content again is the same version, not a second copy.
    add_example(qtbot, panel, services)
    assert page.model.rowCount() == 1
    assert "already holds exactly this content" in page.status.text()


def test_two_runs_compared_give_a_ship_verdict_and_fill_the_form(
    qtbot, panel, services, server, monkeypatch
):
    """Baseline 21/30 exact matches, variant 30/30 on the same items: b = 0, c = 9,
    McNemar p = 2 * 0.5**9 = 0.0039; lift = 9/30 = 0.30, above the 2-point minimum."""
    add_example(qtbot, panel, services)
    run_variant(qtbot, panel, services, server, "terse", "Terse: {input}", monkeypatch)
    run_variant(qtbot, panel, services, server, "careful", "Answer: {input}", monkeypatch)
    bench = bench_of(panel)
    runs = bench.run_page.runs
    assert runs.rowCount() == 2
    assert {runs.index(r, 3).data() for r in range(2)} == {"Completed"}
    assert server.served == 60

    compare = bench.compare_page
    compare.baseline_combo.setCurrentIndex(
        compare.baseline_combo.findText("#1", Qt.MatchFlag.MatchStartsWith)
    )
    compare.variant_combo.setCurrentIndex(0)
    compare.metric_combo.setCurrentIndex(compare.metric_combo.findData("exact_match"))
    qtbot.mouseClick(compare.compare_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    c = compare.comparison
    assert c is not None
    assert (c.b, c.c, c.n_paired) == (0, 9, 30)
    assert c.lift == pytest.approx(0.3)
    assert c.mcnemar_p == pytest.approx(2 * 0.5**9)
    assert c.verdict == "ship"
    assert "Ship" in compare.verdict_label.text()

    compare.filter_combo.setCurrentIndex(compare.filter_combo.findData("won"))
    assert compare.outcomes.rowCount() == 9
    assert {compare.outcomes.index(r, 4).data() for r in range(9)} == {"Atlantis"}

    with qtbot.waitSignal(panel.inputs_suggested) as got:
        qtbot.mouseClick(compare.use_button, Qt.MouseButton.LeftButton)
    values = got.args[0]
    assert (values["both_pass"], values["baseline_only"], values["variant_only"]) == (21, 0, 9)
    assert values["both_fail"] == 0
    experiments.Inputs(**values)  # every suggested value is a valid form input

    history = bench.history_page
    wait_idle(qtbot, services)
    assert history.model.rowCount() == 1
    assert history.model.index(0, 8).data() == "Ship"


def test_cancel_keeps_finished_samples_and_resume_runs_only_the_rest(
    qtbot, panel, services, server, monkeypatch
):
    add_example(qtbot, panel, services)
    server.set_responder(_answer, latency_s=0.3)
    page = bench_of(panel).run_page
    page.settings_form.concurrency_spin.setValue(2)
    page.variant_form.model_edit.setText("test-model")
    page.variant_form.base_url_edit.setText(server.url)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.progress.value() >= 4, timeout=RUN_TIMEOUT_MS)
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    first = page.runs.rows[0]
    assert first.status == "cancelled"
    assert 4 <= first.samples < 30
    asked_before = len(server.requests)

    server.set_responder(_answer, latency_s=0.0)
    page.runs_view.selectRow(0)
    assert page.resume_button.isEnabled()
    qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    done = page.runs.rows[0]
    assert done.status == "completed" and done.samples == 30
    # Only the missing items were asked for, each once.
    asked = [last_user_text(b) for b in server.requests[asked_before:]]
    assert len(asked) == 30 - first.samples
    assert len(set(asked)) == len(asked)


def _answer_or_grade(body: dict) -> Reply:
    """Answers as `_answer`; a grading request gets PASS when the graded answer is the
    reference, priced by the tokens the server reports."""
    text = last_user_text(body)
    if "Answer to grade:" not in text:
        return _answer(body)
    reference = text.split("Reference answer:\n", 1)[1].split("\n", 1)[0]
    answer = text.split("Answer to grade:\n", 1)[1].split("\n", 1)[0]
    return Reply("PASS" if answer == reference else "FAIL", input_tokens=40, output_tokens=1)


def test_an_llm_judge_grades_both_runs_through_the_runner(
    qtbot, panel, services, server, monkeypatch
):
    """The judge grades the baseline's 30 outputs (30 requests), then only the variant's 9
    outputs that differ from the baseline's (the 21 identical gradings come from the response
    cache): 60 + 30 + 9 = 99 requests. It agrees with exact match here (b = 0, c = 9), and a
    second comparison is graded from the cache alone."""
    server.set_responder(_answer_or_grade, latency_s=0.0)
    add_example(qtbot, panel, services)
    run_variant(qtbot, panel, services, server, "terse", "Terse: {input}", monkeypatch)
    run_variant(qtbot, panel, services, server, "careful", "Answer: {input}", monkeypatch)
    compare = bench_of(panel).compare_page
    compare.baseline_combo.setCurrentIndex(
        compare.baseline_combo.findText("#1", Qt.MatchFlag.MatchStartsWith)
    )
    compare.metric_combo.setCurrentIndex(compare.metric_combo.findData("llm_judge"))
    assert compare.judge_model_edit.isEnabled() and not compare.pattern_edit.isEnabled()
    qtbot.mouseClick(compare.compare_button, Qt.MouseButton.LeftButton)
    assert "Name the judge model" in compare.verdict_label.text()
    compare.judge_model_edit.setText("judge-model")
    compare.judge_base_edit.setText(server.url)
    qtbot.mouseClick(compare.compare_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    c = compare.comparison
    assert c is not None and c.metric == "llm_judge"
    assert (c.b, c.c) == (0, 9)
    assert server.served == 99
    assert c.judge_cost_usd == 0  # a local server has no price
    qtbot.mouseClick(compare.compare_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    assert server.served == 99


def test_logged_outputs_import_as_a_run_and_a_bad_file_imports_nothing(
    qtbot, panel, services, tmp_path, monkeypatch
):
    """28 logged answers, 4 of them wrong: exact match 24/28 = 0.857 on 28 items, 2 missing."""
    add_example(qtbot, panel, services)
    items = [json.loads(x) for x in EXAMPLE_DATASET.read_text(encoding="utf-8").splitlines() if x]
    lines = [
        {"id": it["id"], "output": "Atlantis" if k < 3 else it["expected"], "latency_ms": 500}
        for k, it in enumerate(items[:28])
    ]
    lines[3]["output"] = "=1+1"  # a fourth wrong answer that a spreadsheet would run
    good = tmp_path / "prod.jsonl"
    good.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "cap-01", "output": "Paris"}\n{"id": "nope", "output": "x"}\n')
    page = bench_of(panel).run_page
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warned.append(text))
    page.import_outputs(str(bad), page.variant_form.dataset_combo.currentData(), name="broken")
    wait_idle(qtbot, services)
    assert warned and "nope" in warned[0]
    assert page.runs.rowCount() == 0

    page.import_outputs(str(good), page.variant_form.dataset_combo.currentData(), name="production")
    wait_idle(qtbot, services)
    assert page.runs.rowCount() == 1
    assert page.runs.index(0, 3).data() == "Imported outputs"
    assert "2 items have no output" in page.status.text()
    page.runs_view.selectRow(0)
    wait_idle(qtbot, services)
    assert page.samples.rowCount() == 28
    assert page.summary.text().startswith("Exact match 0.857")
    assert "on 28 items" in page.summary.text()
    assert "2 items not answered yet" in page.summary.text()

    # Export as CSV: 28 rows in item order, a formula-looking output neutralised.
    page.export_run(page.runs.rows[0], str(tmp_path / "run.csv"))
    wait_idle(qtbot, services)
    import csv

    with (tmp_path / "run.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 28 and rows[0]["item_id"] == "cap-01"
    assert rows[3]["output"] == "'=1+1"
    assert "Wrote 28 samples" in page.status.text()


def test_push_to_catalog_stores_the_variant_models_measured_score(
    qtbot, panel, services, server, monkeypatch
):
    from storage import CatalogStore

    updated: list[bool] = []
    panel.workbench.services = AppServices(
        services.runner, services.db_path, catalog_updated=lambda: updated.append(True)
    )
    add_example(qtbot, panel, services)
    run_variant(qtbot, panel, services, server, "terse", "Terse: {input}", monkeypatch)
    run_variant(qtbot, panel, services, server, "careful", "Answer: {input}", monkeypatch)
    compare = bench_of(panel).compare_page
    compare.baseline_combo.setCurrentIndex(
        compare.baseline_combo.findText("#1", Qt.MatchFlag.MatchStartsWith)
    )
    qtbot.mouseClick(compare.compare_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    qtbot.mouseClick(compare.push_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    assert updated == [True]
    with CatalogStore(services.db_path) as store:
        quality = store.user_data().quality["test-model"]
    assert quality.score == pytest.approx(1.0)
    assert quality.source == "measured"
    assert quality.benchmark == "Exact match on capitals-qa v1 (30 items)"
    assert "Pushed to the catalog for test-model" in compare.verdict_label.text()


def test_plan_plots_mark_the_planned_and_observed_lifts(qtbot):
    """Defaults observe 400 items with a +5.0 pp lift, Tango's 95% interval +1.4 to +8.8 pp
    (checked against scipy in tests/core/test_paired_intervals); the plan is sized for an
    expected lift of 8 points, so its line sits at 8, the observed one at 5."""
    import math

    from ui.experiments.plots import comparison_plot

    p = ExperimentsPanel()
    qtbot.addWidget(p)
    result = experiments.compute(experiments.Inputs(expected_lift_pct=8))
    p.update_result(result)
    assert p.workbench is None
    assert p.samples.planned.value() == pytest.approx(8.0)
    assert p.samples.observed.value() == pytest.approx(5.0)
    assert p.samples.observed_n.value() == pytest.approx(math.log10(400))
    assert p.lift.label.toPlainText() == "Ship: +5.0 pp (95% interval +1.4 to +8.8 pp)"
    empty = experiments.compute(
        experiments.Inputs(both_pass=0, baseline_only=0, variant_only=0, both_fail=0)
    )
    p.update_result(empty)
    assert p.lift.label.toPlainText() == "No outcomes observed yet"
    assert not p.samples.observed.isVisible()
    plot = comparison_plot([("a", result), ("b", empty)])
    qtbot.addWidget(plot)
    import pyqtgraph as pg

    bars = [i for i in plot.getPlotItem().items if isinstance(i, pg.ErrorBarItem)]
    assert len(bars) == 1  # only the scenario with outcomes has an interval


def test_the_estimate_prices_a_catalog_model_and_no_starts_nothing(
    qtbot, panel, services, server, monkeypatch
):
    """30 items at max 256 output tokens: 7,680 output tokens x $2e-6 = $0.01536, plus about
    20 input tokens an item x 30 x $1e-6 = about $0.0006: "about $0.01594"-ish, so the text
    starts "about $0.01". Answering No stores no run and sends nothing."""
    from core.catalog import Catalog, ModelInfo

    catalog = Catalog(
        [
            ModelInfo(
                id="priced-model",
                provider="openai",
                input_cost_per_token=1e-6,
                output_cost_per_token=2e-6,
            )
        ]
    )
    panel.workbench.services = AppServices(
        services.runner, services.db_path, catalog=lambda: catalog
    )
    add_example(qtbot, panel, services)
    page = bench_of(panel).run_page
    page.variant_form.model_edit.setText("priced-model")
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.No)
    qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    assert "up to 7,680 output tokens: about $0.01" in asked[0]
    assert "at the catalog's prices" in asked[0]
    assert "stops starting requests at $5.00" in asked[0]
    assert page.runs.rowCount() == 0
    assert server.served == 0


def test_a_run_without_the_providers_api_key_shows_the_estimate_and_the_variable(
    qtbot, panel, services, monkeypatch
):
    """gpt-4o-mini at OpenAI, no key typed and OPENAI_API_KEY unset: the estimate box names
    the variable, asks nothing, and no run is stored."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
    warned: list[str] = []

    def warning(_parent, _title, text, *a, **k):
        document = QTextDocument()
        document.setHtml(text)
        warned.append(document.toPlainText())
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warning)
    add_example(qtbot, panel, services)
    page = bench_of(panel).run_page
    page.variant_form.model_edit.setText("gpt-4o-mini")
    qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    assert asked == [] and len(warned) == 1
    assert "30 requests to gpt-4o-mini" in warned[0]
    assert "no API key for gpt-4o-mini: OPENAI_API_KEY is not set" in warned[0]
    assert "OPENAI_API_KEY" in page.status.text()
    assert page.runs.rowCount() == 0


def test_a_run_just_imported_is_selected_and_scrolled_into_view(
    qtbot, panel, services, tmp_path: Path
):
    """Forty runs listed and the list scrolled to its oldest: the outputs imported next are
    the newest run, at the top, selected and in view."""
    add_example(qtbot, panel, services)
    page = bench_of(panel).run_page
    dataset_id = page.variant_form.dataset_combo.currentData()
    items = [json.loads(x) for x in EXAMPLE_DATASET.read_text(encoding="utf-8").splitlines() if x]
    with ExperimentStore(services.db_path) as store:
        for k in range(40):
            store.import_run(dataset_id, Variant(name=f"old {k}", model="m"), [], name=f"old {k}")
    bench_of(panel).reload()
    wait_idle(qtbot, services)
    page.runs_view.scrollToBottom()
    top = page.runs_view.visualRect(page.runs.index(0, 0))
    assert not page.runs_view.viewport().rect().intersects(top)
    outputs = tmp_path / "new.jsonl"
    outputs.write_text(json.dumps({"id": items[0]["id"], "output": "x"}), encoding="utf-8")
    page.import_outputs(str(outputs), dataset_id, name="newest")
    wait_idle(qtbot, services)
    assert page.selected_run() is not None and page.selected_run().name == "newest"
    shown = page.runs_view.visualRect(page.runs.index(0, 0))
    assert page.runs_view.viewport().rect().intersects(shown)
