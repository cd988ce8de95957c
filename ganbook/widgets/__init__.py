"""Interactive controls (ipywidgets) for the chapters; one module per chapter's widget."""
