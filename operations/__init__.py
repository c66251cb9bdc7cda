"""The application layer: what a user can do, written once for the window and the command line.

Each module is one group of operations (runs, judge, comparisons, scenarios, catalog imports,
integrations). They compose `core` (the engine) and `storage` (SQLite) and never import Qt, so
the CLI and the widgets call the same function and the tests exercise it without a window.
"""
