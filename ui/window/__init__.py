"""The main window, one module per responsibility; `main_window.MainWindow` puts them together.

- base: the shared state, the lazily built framework tabs, status and message boxes
- actions: every action with its shortcut, the menus and the toolbar
- scenarios: new, open, save, save as (a name in use offers a new version or another name)
- library: rename, duplicate, delete, version history, compare
- exports: scenario files in and out, a copy without the database, summary and plot exports
- drafts: unsaved edits kept as drafts and offered back after a crash
- examples: the first-run examples banner;  help: the Help menu
- state: geometry and last tab across sessions, and closing
- banners: the strip above the tabs that the drafts and examples use
"""
