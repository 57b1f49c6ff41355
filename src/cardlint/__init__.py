"""cardlint: lint, cross-check and fix leaderboard model-card markdown."""

from __future__ import annotations

__version__ = "0.1.0"
