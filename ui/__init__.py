"""The PySide6 desktop interface: thin views over the engine and the scenario store."""

import gc

#: Whether automatic collection was on when `pause_collection` turned it off, until the
#: window's collector (ui/garbage.py) takes it over.
_paused_from: list[bool] = []


def pause_collection() -> None:
    """Turn Python's automatic cyclic collection off for the start; call it before the GUI's
    imports. The collector `make_app` installs takes over (`handed_over`) and makes its first
    pass once the window has painted.

    The imports (PySide6, pyqtgraph, pydantic, the app's) and the window's build make some
    130,000 long-lived objects and almost no garbage: Python's thresholds had the collector walk
    them 78 times before the first paint (about 15 ms, 33M of its instructions in
    bench/startup_bench.py) to free a few hundred objects.
    """
    if not _paused_from:
        _paused_from.append(gc.isenabled())
    gc.disable()


def handed_over() -> bool:
    """Whether automatic collection was on before the start paused it (or is on now, when
    nothing paused it): what the collector taking over restores at the end."""
    return _paused_from.pop() if _paused_from else gc.isenabled()
