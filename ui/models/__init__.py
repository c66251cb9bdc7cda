"""The Models tab, one module per part: columns, the table's rows and edits, dialogs, the
buttons' commands, the save queue; `tab.ModelsTab` puts them together."""
