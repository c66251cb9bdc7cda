"""Plot panels, one per framework, registered by framework id."""
