"""The decision engine: frameworks, reports and shared maths, with no GUI or database."""

import os

APP_NAME = "AI Decision Frameworks"
APP_VERSION = "0.1.0"

# pydantic looks for plugins (entry points of every installed package) when it builds its
# first model, on the way to the first window (bench/startup_bench.py has the figure), for
# plugins this app never uses.
# Set before anything here imports pydantic; a value the user set is kept.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# The plugin loader pydantic would import to hear there are none: stood in for (core/compat).
from core.compat.pydantic import stand_in_for_plugin_loader  # noqa: E402

stand_in_for_plugin_loader()
