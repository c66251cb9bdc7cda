"""A strip above the tabs: a message and its buttons, hidden until there is news."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget


def banner(name: str, background: str, text: QLabel, *buttons: QPushButton) -> QWidget:
    """A strip above the tabs: a message and its buttons, hidden until there is news."""
    banner = QWidget()
    banner.setObjectName(name)
    banner.setStyleSheet(f"#{name} {{ background: {background}; }}")
    lay = QHBoxLayout(banner)
    lay.setContentsMargins(10, 6, 10, 6)
    lay.addWidget(text, 1)
    for button in buttons:
        lay.addWidget(button)
    banner.hide()
    return banner
