"""The main window's import path for the entry point, tests, benches and tools; the window
itself is built from its parts in ui/window/."""

from ui.window.main_window import MainWindow

__all__ = ["MainWindow"]
