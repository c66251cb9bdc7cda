"""The Experiments tab: its plots and, below them, the workbench (datasets, runs, comparison,
history), one module per page or part. Imports nothing, so loading the plots for a report
does not load the workbench."""
