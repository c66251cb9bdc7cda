"""The Sequential page: baseline and variant over a dataset's items in a seeded random order,
stopped as soon as the verdict is settled. A live plot of the running lift with its
anytime-valid band, the verdict so far, and items and money saved against the fixed-size plan.

Planning and running are the operations layer's (operations/sequential.py), in a worker; this
page asks, shows each pair as it is read and keeps the cancel switch.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from pydantic import ValidationError
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import stats
from core.evaluation import RunSettings
from core.metrics import METRICS
from core.sequential import Look
from core.validation import error_lines
from operations.sequential import (
    SequentialOutcome,
    SequentialPlan,
    SequentialProgress,
    execute_sequential,
    plan_sequential,
    savings_sentence,
)
from storage.experiments import DatasetInfo
from ui.experiments.fields import dspin, spin
from ui.experiments.models import usd_text
from ui.experiments.texts import message
from ui.experiments.variant_form import VariantForm
from ui.plain_text import literal_html, plain_label
from ui.plots.common import (
    BLUE,
    GREEN,
    GREY,
    VERDICT_COLOURS,
    keep_label_inside,
    make_plot,
    pen,
    sample_at,
    set_points,
)

if TYPE_CHECKING:
    from ui.experiments.workbench import Workbench

PLOT_TITLE = "Running lift with its anytime-valid interval"


def _hline(colour: str, label: str, position: float) -> pg.InfiniteLine:
    opts = {"position": position, "color": colour, "fill": (255, 255, 255, 200), "movable": False}
    return keep_label_inside(
        pg.InfiniteLine(
            angle=0, movable=False, pen=pen(colour, 1.2, True), label=label, labelOpts=opts
        )
    )


class SequentialPlot(QWidget):
    """The lift after each pair (percentage points) inside its anytime-valid band, against no
    change and the minimum lift either side; hovering names a pair's figures."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(PLOT_TITLE, "items read (pairs of answers)", "", None)
        self.plot.getPlotItem().setLabel("left", "lift (percentage points)")
        self.low_curve = self.plot.plot([], [], pen=pen(BLUE, 1))
        self.high_curve = self.plot.plot([], [], pen=pen(BLUE, 1))
        self.band = pg.FillBetweenItem(
            self.low_curve, self.high_curve, brush=pg.mkBrush(26, 115, 232, 50)
        )
        self.plot.addItem(self.band)
        self.lift_curve = self.plot.plot([], [], pen=pen(BLUE, 2.4))
        self.zero = _hline(GREY, "no change", 0.9)
        self.plus = _hline(GREEN, "+ minimum lift", 0.1)
        self.minus = _hline(GREEN, "- minimum lift", 0.3)
        for line in (self.zero, self.plus, self.minus):
            self.plot.addItem(line, ignoreBounds=True)
        self.hover = pg.TextItem(color="#202124", anchor=(0, 1), fill=(255, 255, 255, 220))
        self.plot.addItem(self.hover, ignoreBounds=True)
        self.hover.hide()
        self.plot.scene().sigMouseMoved.connect(self._hovered)
        self.alpha = 0.05
        self._n = np.array([])
        self._lift = self._low = self._high = np.array([])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)
        self.plot.setYRange(-100, 100, padding=0.02)

    def show_path(self, path: list[Look], min_lift: float, alpha: float) -> None:
        """Every look so far; `min_lift` in score units."""
        self.alpha = alpha
        self._n = np.array([p.n for p in path], dtype=float)
        self._lift = np.array([100 * p.lift for p in path])
        self._low = np.array([100 * p.low for p in path])
        self._high = np.array([100 * p.high for p in path])
        set_points(self.low_curve, self._n, self._low)
        set_points(self.high_curve, self._n, self._high)
        set_points(self.lift_curve, self._n, self._lift)
        self.plus.setValue(100 * min_lift)
        self.minus.setValue(-100 * min_lift)
        self.plus.setVisible(min_lift > 0)
        self.minus.setVisible(min_lift > 0)
        if path:
            colour = VERDICT_COLOURS.get(path[-1].verdict, BLUE)
            self.lift_curve.setPen(pen(colour, 2.4))
            self.plot.setXRange(0, max(float(self._n[-1]), 10.0), padding=0.02)
        self.hover.hide()

    def _hovered(self, pos: QPointF) -> None:
        if not len(self._n) or not self.plot.sceneBoundingRect().contains(pos):
            self.hover.hide()
            return
        point = self.plot.getPlotItem().vb.mapSceneToView(pos)
        i = sample_at(self._n, point.x())
        level = stats.interval_level(self.alpha)
        self.hover.setText(
            f"after {int(self._n[i]):,} items: lift {stats.format_points(self._lift[i])}, "
            f"anytime-valid {level} interval {stats.format_points(self._low[i])[:-3]} to "
            f"{stats.format_points(self._high[i])}"
        )
        # Anchored as far into its text as the point is into the view, so it stays inside.
        (left, right), _ = self.plot.getPlotItem().vb.viewRange()
        along = (self._n[i] - left) / (right - left) if right > left else 0.0
        self.hover.setAnchor((min(max(along, 0.0), 1.0), 1))
        self.hover.setPos(self._n[i], self._lift[i])
        self.hover.show()


class SequentialPage(QWidget):
    """Baseline and variant, the test's alpha, minimum lift, most items and seed; Start and
    Cancel; the live plot, the verdict so far and the savings against the fixed-size plan."""

    def __init__(self, bench: Workbench) -> None:
        super().__init__()
        self.bench = bench
        self.running = False
        self._cancel: threading.Event | None = None
        self.path: list[Look] = []
        self.outcome: SequentialOutcome | None = None
        self.baseline_form = self._arm_form("Baseline", "seq_baseline")
        self.variant_form = self._arm_form("Variant", "seq_variant")
        # One dataset for both arms: the baseline's list chooses it.
        self.baseline_form.dataset_combo.setToolTip("The dataset both arms answer, item by item")
        form_layout = self.variant_form.layout()
        assert isinstance(form_layout, QFormLayout)
        form_layout.setRowVisible(self.variant_form.dataset_combo, False)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.baseline_form, 1)
        top.addWidget(self.variant_form, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        # Under the arms, not beside them: the page fits the workbench's width on a laptop.
        lay.addWidget(self._build_test_box())
        lay.addLayout(self._build_buttons())
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addWidget(self.verdict_label)
        lay.addWidget(self.savings_label)
        self.plot = SequentialPlot()
        self.plot.setMinimumHeight(260)
        lay.addWidget(self.plot, 1)

    @staticmethod
    def _arm_form(title: str, prefix: str) -> VariantForm:
        form = VariantForm()
        form.setTitle(title)
        # The Runs page's form has the same children: names of their own keep lookups apart.
        for child in form.findChildren(QWidget):
            name = child.objectName()
            if name.startswith("run_"):
                child.setObjectName(f"{prefix}_{name[4:]}")
        form.name_edit.setPlaceholderText(f"e.g. {title.lower()} (the model when empty)")
        return form

    def _build_test_box(self) -> QGroupBox:
        box = QGroupBox("Sequential test")
        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("seq_metric_combo")
        self.metric_combo.setToolTip("The score of each answer (0 to 1) the arms are compared on")
        for spec in METRICS.values():
            if not spec.needs_judge:
                self.metric_combo.addItem(spec.label, spec.id)
        self.alpha_spin = dspin(
            "seq_alpha_spin",
            0.001,
            0.5,
            0.05,
            "The chance of a wrong call over the whole run, however often it looks: the "
            "interval has level 1 - alpha at every item at once",
            decimals=3,
            step=0.01,
        )
        self.min_lift_spin = dspin(
            "seq_min_lift_spin",
            0,
            50,
            2,
            "The smallest lift worth shipping, in percentage points; it also sizes the "
            "fixed-size plan the savings are counted against",
            decimals=1,
            step=0.5,
        )
        self.min_lift_spin.setSuffix(" pp")
        self.max_items_spin = spin(
            "seq_max_items_spin", 0, 10_000_000, 0, "Run at most this many items (0: all)"
        )
        self.max_items_spin.setSpecialValueText("all")
        self.seed_spin = spin("seq_seed_spin", 0, 2**31 - 1, 0, "The seed of the items' order")
        self.concurrency_spin = spin(
            "seq_concurrency_spin",
            1,
            500,
            8,
            "Items asked for at once per arm (a round); the pairs are read one by one, the "
            "rest of the round is paid for when it settles",
        )
        self.spend_cap_spin = dspin(
            "seq_spend_cap_spin", 0, 100_000, 5, "Both arms' spend at most (0: no cap)"
        )
        self.spend_cap_spin.setPrefix("$")
        self.cache_check = QCheckBox("Use the response cache")
        self.cache_check.setObjectName("seq_cache_check")
        self.cache_check.setChecked(True)
        grid = QGridLayout(box)
        cells: list[tuple[str, QWidget]] = [
            ("Metric", self.metric_combo),
            ("Alpha", self.alpha_spin),
            ("Minimum lift", self.min_lift_spin),
            ("Most items", self.max_items_spin),
            ("Order seed", self.seed_spin),
            ("Concurrency", self.concurrency_spin),
            ("Spend cap", self.spend_cap_spin),
        ]
        for i, (label, widget) in enumerate(cells):
            grid.addWidget(plain_label(label), i // 3, (i % 3) * 2)
            grid.addWidget(widget, i // 3, (i % 3) * 2 + 1)
        grid.addWidget(self.cache_check, 2, 2, 1, 4)
        for column in (1, 3, 5):
            grid.setColumnStretch(column, 1)
        return box

    def _build_buttons(self) -> QHBoxLayout:
        self.start_button = QPushButton("Estimate and start…")
        self.start_button.setObjectName("seq_start_button")
        self.start_button.setToolTip("See the most the run can cost, then start it")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("seq_cancel_button")
        self.cancel_button.setToolTip("Stop after the round in flight; finished answers are kept")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        self.progress = QProgressBar()
        self.progress.setObjectName("seq_progress")
        self.progress.setFormat("%v / %m items")
        self.progress.setValue(0)
        self.status = plain_label("Choose a dataset, a baseline and a variant, then start.")
        self.status.setObjectName("seq_status")
        self.status.setWordWrap(True)
        self.verdict_label = plain_label("")
        self.verdict_label.setObjectName("seq_verdict")
        self.verdict_label.setWordWrap(True)
        font = self.verdict_label.font()
        font.setBold(True)
        self.verdict_label.setFont(font)
        self.savings_label = plain_label("")
        self.savings_label.setObjectName("seq_savings")
        self.savings_label.setWordWrap(True)
        for label in (self.status, self.verdict_label, self.savings_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return buttons

    def show_lists(self, datasets: list[DatasetInfo]) -> None:
        self.baseline_form.show_datasets(datasets)

    # ----- a run ---------------------------------------------------------------------------

    def start(self) -> None:
        if self.running:
            return
        dataset_id = self.baseline_form.dataset_id()
        if dataset_id is None:
            self.status.setText("Import a dataset first (Datasets tab).")
            return
        try:
            baseline = self.baseline_form.variant()
            variant = self.variant_form.variant()
            settings = RunSettings(
                concurrency=self.concurrency_spin.value(),
                spend_cap_usd=self.spend_cap_spin.value(),
                use_cache=self.cache_check.isChecked(),
            )
        except ValidationError as exc:
            self.status.setText("Check the arms: " + "; ".join(error_lines(exc)))
            return
        catalog = self.bench.catalog()
        keys = (self.baseline_form.api_key(), self.variant_form.api_key())
        metric, alpha = self.metric_combo.currentData(), self.alpha_spin.value()
        min_lift = self.min_lift_spin.value() / 100
        max_items, seed = self.max_items_spin.value() or None, self.seed_spin.value()

        def plan() -> SequentialPlan:
            return plan_sequential(
                self.bench.store(),
                dataset_id,
                baseline,
                variant,
                settings,
                lambda: catalog,
                metric=metric,
                alpha=alpha,
                min_lift=min_lift,
                max_items=max_items,
                seed=seed,
                api_key=keys[0],
                variant_api_key=keys[1],
            )

        def confirm(planned: SequentialPlan) -> None:
            text = self._estimate_text(planned)
            if planned.refusal:
                said = f"Not started: {planned.refusal}."
                self.status.setText(said)
                QMessageBox.warning(self, "Sequential run", literal_html(f"{text}\n\n{said}"))
                return
            answer = QMessageBox.question(
                self, "Sequential run", literal_html(f"{text}\n\nStart it?")
            )
            if answer == QMessageBox.StandardButton.Yes:
                self._run(planned, keys)

        def refused(exc: Exception) -> None:
            self.status.setText(f"Not started: {message(exc)}")

        self.bench.submit(plan, confirm, refused)

    @staticmethod
    def _estimate_text(plan: SequentialPlan) -> str:
        cost = plan.estimate_usd
        price = (
            f"at most about {usd_text(cost)} at the catalog's prices"
            if cost is not None
            else "an unknown cost (no price for a model: a local server costs nothing)"
        )
        return (
            f"Up to {len(plan.items):,} items, each answered by {plan.baseline.variant.model} "
            f"and {plan.variant.variant.model}, in a random order (seed {plan.seed}); the run "
            f"stops as soon as the verdict is settled: {price}."
        )

    def _run(self, plan: SequentialPlan, keys: tuple[str | None, str | None]) -> None:
        cancel = threading.Event()
        self._cancel = cancel
        self.bench.guard.event = cancel
        self.running = True
        self.path = []
        self.outcome = None
        self.progress.setRange(0, len(plan.items))
        self.progress.setValue(0)
        self.status.setText("Starting…")
        self.verdict_label.setText("")
        self.savings_label.setText("")
        self.plot.show_path([], plan.min_lift, plan.alpha)
        self._min_lift, self._alpha = plan.min_lift, plan.alpha
        self._update_buttons()
        store = self.bench.store

        def work(report: Any) -> SequentialOutcome:
            return execute_sequential(
                store(),
                plan,
                api_key=keys[0],
                variant_api_key=keys[1],
                progress=report,
                cancelled=cancel.is_set,
                on_created=lambda b, v: report((b, v)),
            )

        self.bench.submit(work, self._finished, self._failed, self._progress)

    def _progress(self, value: Any) -> None:
        if isinstance(value, tuple):
            self.bench.reload()  # the two new runs appear on the other pages
            return
        p: SequentialProgress = value
        self.path.append(p.look)
        self.progress.setValue(p.look.n)
        self.status.setText(
            f"{p.look.n:,} of {p.total:,} items read · spent {usd_text(p.spend_usd)}"
        )
        self.verdict_label.setText(p.look.sentence(self._alpha))
        plan = "not known yet" if p.plan_n is None else f"n = {p.plan_n:,}"
        self.savings_label.setText(f"Fixed-size plan for the minimum lift: {plan}.")
        self.plot.show_path(self.path, self._min_lift, self._alpha)

    def _finished(self, outcome: SequentialOutcome) -> None:
        self.outcome = outcome
        self.running = False
        self._cancel = None
        self.status.setText(
            f"Runs #{outcome.baseline_run_id} (baseline) and #{outcome.variant_run_id} "
            f"(variant): {outcome.called:,} of {outcome.total:,} items asked for, spent "
            f"{usd_text(outcome.spend_usd)}."
            + ("" if outcome.record_id is None else " Kept in the History page.")
        )
        self.verdict_label.setText(outcome.verdict_text())
        self.savings_label.setText(
            savings_sentence(
                outcome.plan_n, outcome.items_saved, outcome.money_saved_usd, outcome.total
            )
        )
        self.plot.show_path(outcome.path, self._min_lift, self._alpha)
        self._update_buttons()
        self.bench.reload()

    def _failed(self, exc: Exception) -> None:
        self.running = False
        self._cancel = None
        self.status.setText(f"The run stopped: {message(exc)} Finished answers are kept.")
        self._update_buttons()
        self.bench.reload()

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.status.setText("Cancelling after the round in flight: answers are kept…")

    def _update_buttons(self) -> None:
        self.start_button.setEnabled(not self.running)
        self.cancel_button.setEnabled(self.running)
