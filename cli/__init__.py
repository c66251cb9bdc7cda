"""The command-line interface: one module per command group, dispatched from `main.py`."""
