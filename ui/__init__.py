"""The PySide6 desktop interface: thin views over the engine and the scenario store."""
