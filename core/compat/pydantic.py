"""pydantic's plugin loader, stood in for while plugins are off.

pydantic imports `pydantic.plugin._loader` as it builds its first validator, to ask for plugins,
also when PYDANTIC_DISABLE_PLUGINS (core/__init__.py sets it) says there are none. The loader
imports importlib.metadata, which brings email, zipfile and csv: about 30M instructions on the
way to the first window (bench/startup_bench.py), for a question whose answer is "none".

`stand_in_for_plugin_loader` puts a module in the loader's place whose `get_plugins` answers
() while the variable says plugins are off and pydantic is a version in WRITTEN_FOR. Otherwise
(the variable unset later, another pydantic, or any other name asked of the module) it imports
pydantic's own loader, which takes its place, and answers with it: slower, never different.
"""

from __future__ import annotations

import functools
import os
import sys
import types
from collections.abc import Iterable
from typing import Any

from core.compat import within

LOADER = "pydantic.plugin._loader"
#: The pydantic versions whose `create_schema_validator` asks `_loader.get_plugins()` and reads
#: PYDANTIC_DISABLE_PLUGINS as below; [low, below).
WRITTEN_FOR = ((2, 14), (2, 15))
#: The values of PYDANTIC_DISABLE_PLUGINS that turn every plugin off (pydantic's own list).
_ALL_OFF = ("__all__", "1", "true")
_FALLBACK = "its plugin loader is imported as usual (a slower start)."


def stand_in_for_plugin_loader() -> None:
    """Put the stand-in in the loader's place, unless pydantic's own is already imported."""
    if LOADER in sys.modules:
        return
    stand_in = types.ModuleType(LOADER, __doc__)
    stand_in.get_plugins = get_plugins  # type: ignore[attr-defined]
    stand_in.__getattr__ = _missing  # type: ignore[method-assign]  # PEP 562
    sys.modules[LOADER] = stand_in


def get_plugins() -> Iterable[Any]:
    """(), as pydantic's loader answers while the variable turns every plugin off; otherwise
    pydantic's loader's answer."""
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") in _ALL_OFF and _written_for():
        return ()
    return _loaders_own("get_plugins")()  # type: ignore[no-any-return]


@functools.cache
def _written_for() -> bool:
    from pydantic.version import VERSION  # pydantic is imported: it is asking

    return within("pydantic", VERSION, WRITTEN_FOR, _FALLBACK)


def _missing(name: str) -> Any:
    """A name the stand-in lacks: pydantic's loader's. The import system's questions (is it a
    package, `__path__`?) are answered by the stand-in itself."""
    if name.startswith("__"):
        raise AttributeError(name)
    return _loaders_own(name)


def _loaders_own(name: str) -> Any:
    """`name` from pydantic's own loader, imported in the stand-in's place."""
    module = sys.modules.get(LOADER)
    if module is None or module.get_plugins is get_plugins:
        import importlib

        sys.modules.pop(LOADER, None)
        module = importlib.import_module(LOADER)
    return getattr(module, name)
