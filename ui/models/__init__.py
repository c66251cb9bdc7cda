"""The Models tab, one module per part; `tab.ModelsTab` puts them together.

- columns: the columns (titles, widths, tips, editability, sort keys) and cell text helpers
- rows: the table's rows, filtered and sorted in the model, and what each cell shows
- table_model: the inline edits (quality, latency, prices), checked and shown at once
- dialogs: a custom model's fields, an import's report
- score_import: a benchmark table's import, its table and columns, and the review of each
  row's match to a catalog id
- commands: the buttons (custom models, price override, quality CSV, example scores)
- probe: Measure latency… (the confirming dialog with the estimate, progress and Cancel)
- saving: the queue that saves each change in order and announces the merged catalog
"""
