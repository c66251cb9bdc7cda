"""The first-run offer: a banner that loads the example scenarios (and example model scores,
so the catalog-based frameworks have candidates)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton, QWidget

import resources
from core.scenario import Scenario
from ui.window.banners import banner
from ui.window.base import WindowBase


class ExamplesOffer(WindowBase):
    """The examples banner and what its button loads."""

    def _make_examples_banner(self) -> QWidget:
        text = QLabel(
            "New here? Load a few example scenarios to see how the frameworks decide "
            "(you can delete them later)."
        )
        load = QPushButton("Load examples")
        load.setObjectName("loadExamples")
        load.clicked.connect(self.load_examples)
        dismiss = QPushButton("Dismiss")
        dismiss.clicked.connect(self._dismiss_examples)
        return banner("examplesBanner", "#e8f0fe", text, load, dismiss)

    def _maybe_offer_examples(self, count: int) -> None:
        dismissed = self.settings.value("examples/dismissed", False, type=bool)
        self.banner.setVisible(count == 0 and not dismissed and bool(resources.example_scenarios()))

    def _dismiss_examples(self) -> None:
        self.settings.setValue("examples/dismissed", True)
        self.banner.hide()

    def load_examples(self) -> None:
        from operations import scenarios as scenario_ops  # imported at the first command

        files = resources.example_scenarios()

        def loaded(scenarios: list[Scenario]) -> None:
            self._dismiss_examples()
            if not self.catalog_store.has_scores():
                # Illustrative quality and latency figures, so the catalog-based frameworks
                # have candidates on a first run (marked "example" in the Models tab).
                self.models_tab.load_example_scores()
            self.status(f"Loaded {len(scenarios)} example scenarios; open them with Ctrl+O")
            if scenarios and not self.tab_for(scenarios[0].framework_id).dirty:
                self.show_scenario(scenarios[0])

        self.runner.submit(
            lambda: scenario_ops.import_examples(self.store, files),
            loaded,
            lambda e: self.error("Could not load examples", str(e)),
        )
