"""The agent trial: a real tool-calling loop run from the Agents tab, its live trace and the
stored trials (the Agents plots live in ui.plots.agents)."""
