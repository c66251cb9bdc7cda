"""What the Models tab's buttons do: add, edit and remove a custom model, reset a price
override, import quality scores from a CSV file or a benchmark table (with a review of each
row's match), choose the source of scores in use, load the example scores. Each change is
queued to be saved (ui/models/saving.py); the storage work is operations.catalog's."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog, QMessageBox

from core.catalog import ImportReport, ModelInfo
from operations import catalog as catalog_ops
from ui.models.dialogs import CustomModelDialog
from ui.models.saving import CatalogEdit, SavingQueue
from ui.models.score_import import ScoreImportDialog
from ui.plain_text import literal_html


class CatalogCommands(SavingQueue):
    """The commands on the user's catalog data."""

    score_dialog: ScoreImportDialog | None = None

    if TYPE_CHECKING:
        # Provided by ModelsTab: the table's selection.
        def select_model(self, model_id: str) -> bool: ...
        def selected_model(self) -> ModelInfo | None: ...

    def add_custom_model(self) -> None:
        if self._catalog is None:
            return
        dialog = CustomModelDialog({m.id for m in self._catalog}, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        model = dialog.result_model()
        if model is None:
            return
        self._queue_edit(
            CatalogEdit(f"add the custom model {model.id}", lambda s: s.add_custom_model(model)),
            lambda _r: self.select_model(model.id),
        )

    def edit_custom_model(self) -> None:
        current = self.selected_model()
        if self._catalog is None or current is None or not current.custom:
            return
        dialog = CustomModelDialog(set(), current, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        model = dialog.result_model()
        if model is None:
            return
        self._queue_edit(
            CatalogEdit(
                f"update the custom model {model.id}", lambda s: s.update_custom_model(model)
            )
        )

    def remove_custom_model(self) -> None:
        current = self.selected_model()
        if current is None or not current.custom:
            return
        answer = QMessageBox.question(
            self,
            "Remove custom model",
            literal_html(
                f"Remove the custom model '{current.id}' with its quality score and latency? "
                "This cannot be undone."
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        model_id = current.id
        self._queue_edit(
            CatalogEdit(
                f"remove the custom model {model_id}", lambda s: s.remove_custom_model(model_id)
            )
        )

    def reset_price_override(self) -> None:
        current = self.selected_model()
        if current is None or not current.price_overridden:
            return
        model_id = current.id
        self._queue_edit(
            CatalogEdit(f"reset the prices of {model_id}", lambda s: s.clear_override(model_id))
        )

    def import_quality_csv(self, path: Path) -> None:
        """Import scores in the background, then show the per-row report."""
        if self._catalog is None:
            return
        known = {m.id for m in self._catalog}
        path = Path(path)

        def show(report: Any) -> None:
            if isinstance(report, ImportReport):
                self._show_report(f"Import of {path.name}", report.lines())
                self._show_message(report.summary(), error=False)

        self._queue_edit(
            CatalogEdit(
                f"import quality scores from {path.name}",
                lambda s: catalog_ops.import_scores(s, path, known),
            ),
            show,
        )

    def import_score_table(self, path: Path) -> None:
        """A HELM group file or a leaderboard table: the review dialog (what to read, each
        row's match), then the import in the background and its per-row report."""
        if self._catalog is None:
            return
        known = {m.id for m in self._catalog}
        path = Path(path)
        store = self.store

        def read(options: catalog_ops.TableOptions) -> catalog_ops.TableImport:
            return catalog_ops.read_score_table(store, path, known, path.stem, options)

        if self.score_dialog is not None:
            self.score_dialog.deleteLater()
        dialog = ScoreImportDialog(
            read, known, path.stem, self.runner, parent=self, catalog=self._catalog
        )
        self.score_dialog = dialog
        # Not modal-blocking: the table stays usable behind the review.
        dialog.accepted.connect(lambda: self._import_reviewed(path.name, dialog))
        dialog.open()

    def _import_reviewed(self, file_name: str, dialog: ScoreImportDialog) -> None:
        plan = dialog.plan()
        if plan is None:
            return

        def show(report: Any) -> None:
            if isinstance(report, ImportReport):
                self._show_report(f"Import of {file_name}", [plan.describe(), *report.lines()])
                self._show_message(report.summary(), error=False)

        self._queue_edit(
            CatalogEdit(
                f"import scores from {file_name}",
                lambda s: catalog_ops.apply_score_table(s, plan),
            ),
            show,
        )

    def choose_quality_source(self, source: str | None) -> None:
        """Use `source`'s scores in the frameworks (None: each model's latest score)."""
        self._queue_edit(
            CatalogEdit(
                "choose the quality source",
                lambda s: catalog_ops.choose_quality_source(s, source),
            )
        )

    def load_example_scores(self) -> None:
        """Add the shipped example quality scores and latencies where the user has none."""
        if self._catalog is None:
            return
        known = {m.id for m in self._catalog}

        def show(report: Any) -> None:
            if isinstance(report, ImportReport):
                self._show_message(
                    f"Added example scores to {report.imported} models. They are marked "
                    "'example': replace them with your own measurements.",
                    error=False,
                )

        self._queue_edit(
            CatalogEdit(
                "load the example scores", lambda s: catalog_ops.load_example_scores(s, known)
            ),
            show,
        )
