"""Files in and out: scenario files (import, export, a copy written without the database),
the decision summary (Markdown, HTML, PDF with its progress) and the plots."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QProgressDialog

from core import APP_VERSION
from core.scenario import Scenario
from ui.framework_tab import FrameworkTab
from ui.plots.common import png_bytes
from ui.window.base import WindowBase

if TYPE_CHECKING:
    from core.report import SummaryMeta

#: The decision summary's formats, the suggested one first.
SUMMARY_FORMATS = [("HTML with plots", ".html"), ("PDF", ".pdf"), ("Markdown", ".md")]
SCENARIO_FORMATS = [("Scenario files", ".json")]
#: A PDF export that takes longer than this shows its progress and a Cancel button.
EXPORT_PROGRESS_DELAY_MS = 500


class ExportCommands(WindowBase):
    """File › Import/Export scenario file, Save a copy, Export decision summary and plots."""

    #: The running PDF export's progress dialog (None when none runs).
    export_progress: QProgressDialog | None = None

    def import_scenario_file(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import scenario", "", "Scenario files (*.json);;All files (*)"
            )
            if not path:
                return
        from operations import scenarios as scenario_ops  # imported at the first command

        self.runner.submit(
            lambda: scenario_ops.import_scenario_file(self.store, Path(path)),
            self._imported,
            lambda e: self.error("Could not import", str(e)),
        )

    def _imported(self, scenario: Scenario) -> None:
        self.status(f"Imported “{scenario.name}”")
        self.show_scenario(scenario)

    def export_scenario_file(self, path: str | None = None) -> None:
        tab = self.tab
        if tab.scenario is None:
            return
        if path is None:
            from ui.file_dialogs import ask_save_path

            path = ask_save_path(
                self, "Export scenario", self.settings, tab.scenario.name, SCENARIO_FORMATS
            )
            if not path:
                return
        sid = tab.scenario.id or 0
        from operations import scenarios as scenario_ops

        self.runner.submit(
            lambda: scenario_ops.export_scenario_file(self.store, sid, Path(path)),
            lambda _: self.status(f"Exported the saved scenario to {path}"),
            lambda e: self.error("Could not export", str(e)),
        )

    def save_copy_to_file(self, path: str | None = None) -> None:
        """The tab's current inputs, result and notes as a scenario file, written without the
        database: the way out when saving fails (a read-only file, a full disk)."""
        tab = self.tab
        if path is None:
            from ui.file_dialogs import ask_save_path

            path = ask_save_path(
                self, "Save a copy to a file", self.settings, tab.display_name, SCENARIO_FORMATS
            )
            if not path:
                return
        content, name, target = self._content(tab), tab.display_name, Path(path)
        from operations import scenarios as scenario_ops

        self.runner.submit(
            lambda: scenario_ops.write_copy(target, name, content),
            lambda scenario: self.status(
                f"Wrote a copy of “{scenario.name}” to {path}; File › Import scenario file "
                "brings it back"
            ),
            lambda e: self.error("Could not write the copy", _os_message(e, path)),
        )

    def export_summary(self, path: str | None = None, fmt: str | None = None) -> None:
        """Write the decision summary of what the tab shows now (plots as they are drawn)."""
        tab = self.tab
        if path is None:
            from ui.file_dialogs import ask_save_path

            path = ask_save_path(
                self,
                "Export decision summary",
                self.settings,
                f"{tab.display_name} - decision summary",
                SUMMARY_FORMATS,
            )
            if not path:
                return
        from operations import scenarios as scenario_ops

        # A suffix that names no format is passed on: the writer says which ones it knows.
        fmt = fmt or scenario_ops.summary_format(Path(path)) or Path(path).suffix.lstrip(".")
        from ui.export import ExportCancelled, write_summary

        tab.finish_pending()  # the plots drawn below show the inputs the result is of
        meta = _summary_meta(tab)
        images = [(title, png_bytes(plot)) for title, plot in tab.panel.plots()]

        framework, inputs, result = tab.framework, tab.inputs, tab.result
        target = Path(path)
        # A PDF of long notes takes seconds (about 1.5 s a MB): it shows its pages and can stop.
        stop = threading.Event()
        dialog = self._pdf_progress(stop) if fmt == "pdf" else None
        self.export_progress = dialog

        def work(report: Callable[[tuple[int, int]], None]) -> None:
            write_summary(
                target,
                fmt,
                framework,
                inputs,
                result,
                meta,
                images,
                cancelled=stop.is_set,
                progress=lambda done, pages: report((done, pages)),
            )

        def pages(value: tuple[int, int]) -> None:
            # A page's progress may arrive after the window, and the dialog with it, was closed.
            if dialog is not None and shiboken6.isValid(dialog) and not stop.is_set():
                dialog.setMaximum(value[1])
                dialog.setLabelText(f"Writing the PDF: page {value[0]:,} of {value[1]:,}")
                # Last: a modal dialog's setValue processes events, the export's end among them.
                dialog.setValue(value[0])

        def finished() -> None:
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.canceled.disconnect(stop.set)
                dialog.close()
                dialog.deleteLater()
            self.export_progress = None

        def done(_: object) -> None:
            finished()
            self.status(f"Decision summary written to {target}")

        def failed(exc: Exception) -> None:
            finished()
            if isinstance(exc, ExportCancelled):
                self.status(f"Export cancelled: {target} was not written")
            else:
                self.error("Could not export", str(exc))

        self.runner.submit(work, done, failed, pages)

    def _pdf_progress(self, stop: threading.Event) -> QProgressDialog:
        """The PDF export's pages and Cancel, shown once it has taken a moment."""
        dialog = QProgressDialog("Writing the PDF…", "Cancel", 0, 0, self)
        dialog.setObjectName("exportProgress")
        dialog.setWindowTitle("Export decision summary")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(EXPORT_PROGRESS_DELAY_MS)
        dialog.setAutoReset(False)
        dialog.canceled.connect(stop.set)
        return dialog

    def export_plots(self, folder: str | None = None, fmt: str = "png") -> None:
        tab = self.tab
        if folder is None:
            from ui.file_dialogs import ask_folder

            folder = ask_folder(self, "Export plots to folder", self.settings)
            if not folder:
                return
            choice, ok = QInputDialog.getItem(
                self, "Plot format", "Format:", ["PNG", "SVG"], 0, False
            )
            if not ok:
                return
            fmt = choice.lower()
        from ui.export import export_plot

        written = []
        tab.finish_pending()  # no plot of another edit's simulation
        try:
            for title, plot in tab.panel.plots():
                out = Path(folder) / f"{tab.display_name} - {title}.{fmt}"
                export_plot(plot, out)
                written.append(out)
        except (OSError, ValueError) as exc:
            self.error("Could not export plots", str(exc))
            return
        self.status(f"Wrote {len(written)} plot(s) to {folder}")


def _summary_meta(tab: FrameworkTab) -> SummaryMeta:
    """What the summary of what `tab` shows says about itself: "Accepted" only for a saved
    scenario without edits."""
    from core.report import SummaryMeta  # markdown-it is not needed until an export

    return SummaryMeta(
        scenario_name=tab.display_name,
        notes=tab.notes.toPlainText(),
        date=date.today(),
        app_version=APP_VERSION,
        status="Proposed" if tab.dirty or tab.scenario is None else "Accepted",
        price_date=tab.evidence.price_date,
        evidence=tab.evidence,
        evidence_recorded=not tab.no_evidence,
        drift=tab.drift.text if tab.drift is not None else None,
    )


def _os_message(exc: Exception, path: str) -> str:
    if isinstance(exc, OSError):
        return f"{path}: {exc.strerror or exc}"
    return str(exc)
