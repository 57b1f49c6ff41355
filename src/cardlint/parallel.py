"""Both cores for large trees: cards are linted in forked workers, index pages after them.

Cards do not depend on each other's records, only on the file system, so they split into
chunks freely. Workers are forked: they inherit the run's workspace (settings, selection)
without pickling it, and send back only what the parent needs: each card's findings, its
decoded source and the facts the index pages state.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from typing import Any

from cardlint import safefs
from cardlint.cardindex import Card, Facts
from cardlint.discover import Target

PARALLEL_FROM = 300  # cards; below this, starting workers costs more than it saves
PAGES_FROM = 20  # index pages, once the cards went to workers

_WORKSPACE: Any = None  # set in the parent just before forking; read by the workers


def jobs() -> int:
    """Worker processes to use: CARDLINT_JOBS, else the cores this process may run on."""
    wanted = os.environ.get("CARDLINT_JOBS")
    if wanted and wanted.isdigit():
        return max(1, int(wanted))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def usable(cards: int) -> bool:
    return (
        cards >= PARALLEL_FROM and jobs() > 1 and "fork" in multiprocessing.get_all_start_methods()
    )


Chunk = tuple[list[tuple[str, Any, Facts | None]], Any]


def _lint_chunk(targets: Sequence[Target]) -> Chunk:
    workspace, keep = _WORKSPACE
    done = []
    for target in targets:
        result = workspace.lint_file(target)
        card = workspace.card(target.rel) if target.kind == "card" else None
        # Records are large; the parent needs only findings, and a card's facts.
        result.record = result.page = None
        if "source" not in keep:
            result.source = None
        done.append((target.rel, result, card.record if card else None))
    learned = workspace.cache.pending() if workspace.cache is not None else None
    return done, learned


def lint_many(workspace: Any, targets: Sequence[Target], keep: frozenset[str]) -> dict[str, Any]:
    """Lint targets in forked workers; the parent workspace learns every card's facts.

    Index pages must come after every card they list: the parent builds the card indexes
    before forking, and the workers inherit them.
    """
    global _WORKSPACE  # noqa: PLW0603  (handed to forked children, never used otherwise)
    count = jobs()
    # Largest first, dealt round-robin: a few long rankings must not land in one worker.
    ordered = sorted(targets, key=lambda t: -_size(t))
    chunks = [list(ordered[n::count]) for n in range(count)]
    _WORKSPACE = (workspace, keep)
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            parts = pool.map(_lint_chunk, chunks)
    finally:
        _WORKSPACE = None
    results = {}
    for part, learned in parts:
        for rel, result, facts in part:
            results[rel] = result
            if facts is not None:
                workspace.learn(Card(rel, facts))
        if learned is not None:
            workspace.cache.merge(learned)
    return results


def _size(target: Target) -> int:
    return safefs.size_of(target.path)
