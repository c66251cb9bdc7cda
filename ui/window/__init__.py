"""The main window, one module per responsibility; `main_window.MainWindow` puts them together."""
