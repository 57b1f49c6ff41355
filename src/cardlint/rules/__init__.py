"""Rules, one module per family; the registry documents every code."""
