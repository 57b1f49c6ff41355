"""Markdown -> located records, one module per page kind."""
