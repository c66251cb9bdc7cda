"""PySide6 reads no module's source on import once the window's start has loaded
ui/pyside_compat.py."""

from __future__ import annotations

import inspect
import sys


def test_importing_a_module_reads_no_source(tmp_path, monkeypatch):
    import ui.pyside_compat  # noqa: F401  (what the window's start imports first)

    read: list[object] = []
    real = inspect.getsource
    monkeypatch.setattr(inspect, "getsource", lambda obj: read.append(obj) or real(obj))
    (tmp_path / "aidf_scan_probe.py").write_text("VALUE = 'PySide6'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        module = __import__("aidf_scan_probe")
    finally:
        sys.modules.pop("aidf_scan_probe", None)
    assert module.VALUE == "PySide6"
    assert read == []
    feature = sys.modules["shibokensupport.feature"]
    assert feature.pyside_feature_dict.get("aidf_scan_probe") == 0  # as a PySide user
