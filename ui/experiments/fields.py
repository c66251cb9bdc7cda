"""Number fields of the Experiments pages, named, bounded and explained in one call."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox


def spin(name: str, low: int, high: int, value: int, tip: str, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    spin.setSuffix(suffix)
    spin.setAccelerated(True)
    return spin


def dspin(
    name: str, low: float, high: float, value: float, tip: str, decimals: int = 2, step: float = 0.1
) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setDecimals(decimals)
    spin.setSingleStep(step)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin
