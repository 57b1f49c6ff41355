"""The one-way pipeline: read -> parse -> record -> schema -> rules, file by file, then the
cross-file rules with every card of the leaderboard, whichever files were passed."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cardlint import pages, parallel, safefs, suppress
from cardlint.cache import (
    Cache,
    anchors_digest,
    bytes_key,
    content_key,
    facts_signature,
    tree_signature,
)
from cardlint.cardindex import Card, CardIndex, Facts, nfc
from cardlint.config import Config
from cardlint.diagnostics import Diagnostic
from cardlint.discover import Target, page_kind
from cardlint.linkcheck import LinkResolver, Status
from cardlint.records import CardRecord, IndexPage, Span
from cardlint.source import MAX_BYTES, ReadError, Source, read, relpath

if TYPE_CHECKING:
    from cardlint.rules.context import PageContext


@dataclass
class FileResult:
    target: Target
    source: Source | None = None
    record: CardRecord | None = None
    page: IndexPage | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _at(line: int, column: int) -> Span:
    return Span(0, 0, line, column, line, column)


def read_error(error: ReadError) -> Diagnostic:
    return Diagnostic(error.path, _at(error.line, error.column), error.code, error.message)


def load(target: Target, resolver: LinkResolver) -> Source | Diagnostic:
    """The decoded file, or the CL9xx finding that says why it was not read.

    Symlinks are resolved inside the root from their text (`LinkResolver.real_path`), so a
    link out of the root is refused before anything outside is opened or stated.
    """
    if target.error is not None:
        return Diagnostic(target.display, _at(1, 1), "CL901", target.error)
    status, real = resolver.real_path(target.rel)
    if status is Status.OUTSIDE_ROOT:
        return Diagnostic(
            target.display, _at(1, 1), "CL901", "symlink points outside the root: not read"
        )
    if real is None:
        return Diagnostic(target.display, _at(1, 1), "CL901", _unresolved(target, status))
    loaded = read(real, target.display)
    return read_error(loaded) if isinstance(loaded, ReadError) else loaded


def _unresolved(target: Target, status: Status) -> str:
    if status is Status.UNREADABLE:
        return "cannot read file: a folder on its path cannot be listed"
    if safefs.is_symlink(target.path):
        return "cannot read file: the symlink leads nowhere (dangling, or a loop of symbolic links)"
    return "cannot read file: it no longer exists"


def parse_and_validate(source: Source, rel: str) -> tuple[CardRecord, list[Diagnostic]]:
    """The card's record with its structure (CL1xx) and schema (CL2xx) findings."""
    # Parsing and the rules are imported when first needed: a run served from the cache
    # never pays for mistune, jsonschema or the rule modules.
    from cardlint.parse.card import parse_card  # noqa: PLC0415
    from cardlint.schema import validate  # noqa: PLC0415

    record, found = parse_card(source, rel)
    incomplete = any(d.code.startswith("CL1") for d in found)
    return record, found + validate(record, source.path, incomplete)


def lint_source(
    source: Source,
    rel: str,
    config: Config,
    resolver: LinkResolver,
    parsed: tuple[CardRecord, list[Diagnostic]] | None = None,
) -> tuple[CardRecord, list[Diagnostic]]:
    """Parse, validate and check one card held in memory (`rel`: its path under the root)."""
    from cardlint.rules import registry  # noqa: PLC0415
    from cardlint.rules.context import CardContext  # noqa: PLC0415

    record, found = parsed if parsed is not None else parse_and_validate(source, rel)
    found = list(found)
    context = CardContext(source, record, config, resolver)
    for rule in registry.checks("card", "page"):
        assert rule.check is not None
        found.extend(rule.check(context))
    return record, suppressed(source, found)


def suppressed(source: Source, found: list[Diagnostic]) -> list[Diagnostic]:
    """Apply the file's `<!-- cardlint-disable … -->` comments; unused ones are findings."""
    kept, about = suppress.apply(suppress.parse_suppressions(source), found)
    return sorted(kept + about, key=Diagnostic.sort_key)


def leaderboard_of(rel: str, is_dir: Iterable[str]) -> tuple[str, str] | None:
    """(leaderboard folder, path inside it) of an index page, when it lies in one."""
    folders = set(is_dir)
    parts = rel.split("/")
    for cut in range(len(parts) - 1, -1, -1):
        base = "/".join(parts[:cut])
        inner = "/".join(parts[cut:])
        if posixpath.join(base, "models") in folders and pages.is_index(inner):
            return base, inner
    return None


class Workspace:
    """One run: the root, every parsed file, and each leaderboard's card index."""

    def __init__(
        self,
        root: Path,
        config: Config,
        enabled: Callable[[Diagnostic], bool] | None = None,
        cache: Cache | None = None,
    ) -> None:
        self.root = root
        self.config = config
        self.enabled = enabled  # the selection: what is neither reported nor fixed is dropped
        self.cache = cache
        self.resolver = LinkResolver(root)
        self._cards: dict[str, Card] = {}  # rel -> parsed card, passed or not
        self._indexes: dict[str, CardIndex] = {}
        self._facts_keys: dict[str, str] = {}
        self.tree = ""  # the tree's signature, set by a run that uses the cache
        self.keep_sources = True  # results must carry their decoded source
        # Index pages that were not passed but list passed cards -> those cards: on them only
        # what concerns these cards is reported or fixed (the rest is the whole-tree run's).
        self.scoped: dict[str, frozenset[str]] = {}

    # --- files -------------------------------------------------------------------------

    def _selected(self, found: list[Diagnostic]) -> list[Diagnostic]:
        return found if self.enabled is None else [d for d in found if self.enabled(d)]

    def lint_file(self, target: Target, reuse: bool = False) -> FileResult:
        """Lint one file; `reuse`: take its findings from the cache when what they depend
        on is unchanged."""
        scoped = target.rel in self.scoped  # needs its rows: never from the fast path
        if reuse and self.cache is not None and not self.keep_sources and not scoped:
            fast = self._from_cache(target)
            if fast is not None:
                return fast
        result = FileResult(target)
        loaded = load(target, self.resolver)
        if isinstance(loaded, Diagnostic):
            result.diagnostics = self._selected([loaded])
            return result
        result.source = loaded
        key = self._result_key(target, loaded) if self.cache is not None else ""
        cached = (
            self.cache.result(target.rel, key, loaded.path, self._anchors_now)
            if reuse and self.cache
            else None
        )
        if cached is not None and not scoped:
            result.diagnostics = self._selected(cached)
            return result
        self.resolver.consulted.clear()
        if target.kind == "misplaced":
            found = suppressed(loaded, [_misplaced(target)])
        elif target.kind == "card":
            result.record, found = self._card(loaded, target.rel)
        else:
            result.page, found = self._page(loaded, target.rel)
        if self.cache is not None:
            checked = tuple((p, self._anchors_now(p)) for p in sorted(self.resolver.consulted))
            self.cache.store_result(target.rel, key, loaded.path, found, checked)
        result.diagnostics = self._selected(self._in_scope(target.rel, result.page, found))
        return result

    def _in_scope(
        self, rel: str, page: IndexPage | None, found: list[Diagnostic]
    ) -> list[Diagnostic]:
        cards = self.scoped.get(rel)
        if cards is None or page is None:
            return found
        return [d for d in found if concerns(page, d, cards)]

    def _anchors_now(self, rel: str) -> str:
        return anchors_digest(self.resolver.anchors_of(rel))

    def _from_cache(self, target: Target) -> FileResult | None:
        """Findings straight from the cache: the file's bytes are hashed, never decoded."""
        assert self.cache is not None
        # Symlinks, special and oversized files take the full path, which reports them.
        data = safefs.read_bytes(target.path, MAX_BYTES)
        if isinstance(data, safefs.Refused):
            return None
        content = bytes_key(data)
        key = self._key_for(target, content)
        cached = self.cache.result(target.rel, key, target.display, self._anchors_now)
        if cached is None:
            return None
        if target.kind == "card":
            facts = self.cache.facts(target.rel, content)
            if isinstance(facts, Facts):
                self._cards[target.rel] = Card(target.rel, facts)
        return FileResult(target, diagnostics=self._selected(cached))

    def _result_key(self, target: Target, source: Source) -> str:
        return self._key_for(target, content_key(source))

    def _key_for(self, target: Target, content: str) -> str:
        """What a file's findings depend on: its text, the tree, and for an index page the
        facts of every card of its leaderboard."""
        key = f"{content}:{self.tree}"
        if target.kind != "page":
            return key
        place = leaderboard_of(target.rel, self._folders(target.rel))
        if place is None:
            return key
        if place[0] not in self._facts_keys:
            index = self.card_index(place[0])
            self._facts_keys[place[0]] = facts_signature([(c.rel, c.record) for c in index])
        return f"{key}:{self._facts_keys[place[0]]}"

    def lint_card(self, source: Source, rel: str) -> tuple[CardRecord, list[Diagnostic]]:
        record, found = self._card(source, rel)
        return record, self._selected(found)

    def lint_page(self, source: Source, rel: str) -> tuple[IndexPage, list[Diagnostic]]:
        page, found = self._page(source, rel)
        return page, self._selected(self._in_scope(rel, page, found))

    def _card(self, source: Source, rel: str) -> tuple[CardRecord, list[Diagnostic]]:
        record, found = lint_source(source, rel, self.config, self.resolver)
        self._cards[rel] = Card.of(rel, record)
        if self.cache is not None:
            self.cache.store_facts(rel, content_key(source), self._cards[rel].record)
        return record, found

    def _page(self, source: Source, rel: str) -> tuple[IndexPage, list[Diagnostic]]:
        from cardlint.parse.index import parse_index  # noqa: PLC0415
        from cardlint.rules.context import IndexContext, PageContext  # noqa: PLC0415

        page = parse_index(source, rel)
        place = leaderboard_of(rel, self._folders(rel))
        if place is None:
            context = PageContext(source, page, self.config, self.resolver)
            return page, suppressed(source, _run(context, "page"))
        index = self.card_index(place[0])
        context = IndexContext(source, page, self.config, self.resolver, index, place[1])
        return page, suppressed(source, _run(context, "page", "index"))

    # --- the leaderboard around a file ---------------------------------------------------

    def _folders(self, rel: str) -> Iterator[str]:
        parts = rel.split("/")
        for cut in range(len(parts)):
            base = "/".join(parts[:cut])
            if safefs.is_real_dir(self.root / base / "models"):
                yield posixpath.join(base, "models")

    def card_index(self, base: str) -> CardIndex:
        """Every card under `base/models/`, parsed once per run, passed on the command or not."""
        if base not in self._indexes:
            unread: list[str] = []
            cards = list(self._read_cards(base, unread))
            self._indexes[base] = CardIndex(base, cards, unread)
        return self._indexes[base]

    def _read_cards(self, base: str, unread: list[str]) -> Iterator[Card]:
        """The cards of `base/models/*/`; what exists but cannot be read goes to `unread`."""
        models = self.root / base / "models"
        for lab in safefs.glob(models, "*"):
            if not safefs.is_real_dir(lab):
                continue
            names = safefs.names_in(lab)
            if names is None:
                unread.append(posixpath.join(base, "models", lab.name))
                continue
            for name in sorted(n for n in names if n.endswith(".md")):
                rel = posixpath.join(base, "models", lab.name, name)
                if rel not in self._cards:
                    card = self._card_facts(lab / name, rel)
                    if card is None:
                        unread.append(rel)
                        continue
                    self._cards[rel] = card
                yield self._cards[rel]

    def _card_facts(self, path: Path, rel: str) -> Card | None:
        """A card not passed on the command line: only what index pages state about it."""
        data = safefs.read_bytes(path, MAX_BYTES) if self.cache is not None else None
        if self.cache is not None and isinstance(data, bytes):
            facts = self.cache.facts(rel, bytes_key(data))
            if isinstance(facts, Facts):
                return Card(rel, facts)
        loaded = load(Target(path, rel, relpath(path), "card"), self.resolver)
        if isinstance(loaded, Diagnostic):
            return None
        facts = Card.of(rel, parse_and_validate(loaded, rel)[0]).record
        if self.cache is not None:
            self.cache.store_facts(rel, content_key(loaded), facts)
        return Card(rel, facts)

    def card(self, rel: str) -> Card | None:
        return self._cards.get(rel)

    def learn(self, card: Card) -> None:
        """A card linted elsewhere (a worker process): index pages will compare against it."""
        self._cards[card.rel] = card

    def prepare(self, pages: Iterable[Target]) -> None:
        """Build the card indexes these pages need (before forking workers that share them)."""
        for target in pages:
            place = leaderboard_of(target.rel, self._folders(target.rel))
            if place is not None:
                self.card_index(place[0])

    def refresh(self) -> None:
        """Rebuild the card indexes from the latest records, e.g. after cards were fixed."""
        self._indexes.clear()
        self._facts_keys.clear()

    def update_card(self, rel: str, record: CardRecord) -> None:
        self._cards[rel] = Card.of(rel, record)

    def pages_listing(self, cards: Iterable[str], skip: set[str]) -> list[Target]:
        """Index pages of the cards' leaderboards that list, or may have to list, any of them
        (`skip`: known): pages linking to one, the page of its lab folder, and every index
        page that is not a lab page (rankings, architectures, insights, the README)."""
        wanted = set(cards)
        found: list[Target] = []
        for base in sorted({_base_of(rel) for rel in wanted}):
            labs = {f"labs/{posixpath.basename(posixpath.dirname(c))}.md" for c in wanted}
            for path in _index_paths(self.root / base):
                rel = Path(os.path.relpath(path, self.root)).as_posix()
                inner = posixpath.relpath(rel, base or ".")
                may_list = inner in labs or not inner.startswith("labs/")
                if rel not in skip and (may_list or _links_to(path, rel, wanted)):
                    found.append(Target(path, rel, relpath(path), page_kind(rel)))
        return found


def _base_of(card_rel: str) -> str:
    return posixpath.dirname(posixpath.dirname(posixpath.dirname(card_rel)))


def _index_paths(base: Path) -> Iterator[Path]:
    for glob in pages.INDEX_GLOBS:
        yield from safefs.glob(base, glob)


def _links_to(path: Path, rel: str, cards: set[str]) -> bool:
    data = safefs.read_bytes(path, MAX_BYTES)  # symlinked pages are not index pages here
    if isinstance(data, safefs.Refused):
        return False
    text = data.decode("utf-8", "replace")
    folder = posixpath.dirname(rel)
    if len(cards) < 8:
        return any(posixpath.relpath(card, folder or ".") in text for card in cards)
    # Many cards (a whole models/ folder): resolve each link of the page once instead.
    for target in _LINK_TARGET.findall(text):
        if posixpath.normpath(posixpath.join(folder, target.split("#")[0])) in cards:
            return True
    return False


_LINK_TARGET = re.compile(r"\]\(([^)\s]+\.md)(?:#[^)]*)?\)")


def _run(context: PageContext, *scopes: str) -> list[Diagnostic]:
    from cardlint.rules import registry  # noqa: PLC0415

    found: list[Diagnostic] = []
    for rule in registry.checks(*scopes):
        assert rule.check is not None
        found.extend(rule.check(context))
    return sorted(found, key=Diagnostic.sort_key)


def _misplaced(target: Target) -> Diagnostic:
    return Diagnostic(
        target.display,
        _at(1, 1),
        "CL108",
        f"markdown file under `models/` is not at `models/<lab>/<slug>.md`: "
        f"`{target.rel}` is neither checked nor listed as a card",
    )


def with_listing_pages(workspace: Workspace, targets: list[Target]) -> list[Target]:
    """The targets plus the index pages that list a passed card (pre-commit passes cards)."""
    cards = [t.rel for t in targets if t.kind == "card"]
    if not cards:
        return targets
    known = {t.rel for t in targets}
    extra = workspace.pages_listing(cards, known)
    workspace.scoped.update({t.rel: frozenset(cards) for t in extra})
    return sorted([*targets, *extra], key=lambda t: t.rel)


def concerns(page: IndexPage, found: Diagnostic, cards: frozenset[str]) -> bool:
    """Whether a finding on an index page is about one of `cards`: it lies on a row that
    lists one, or (a card the page should list) names one."""
    folder = posixpath.dirname(page.path)
    for table in page.tables:
        for row in table.rows:
            if row.span.line <= found.span.line <= row.span.end_line:
                return row.link is not None and _card_of(folder, row.link.target) in cards
    return any(f"`{card}`" in found.message for card in cards)


def _card_of(folder: str, target: str) -> str:
    path = target.split("#", 1)[0]
    return nfc(posixpath.normpath(posixpath.join(folder, path)))


def _trimmed(result: FileResult, keep: frozenset[str]) -> FileResult:
    if "source" not in keep:
        result.source = None
    if "record" not in keep:
        result.record = result.page = None
    return result


def _all_cached(workspace: Workspace, cards: list[Target]) -> bool:
    """Whether the cache holds findings for these cards (then workers would only cost time)."""
    cache = workspace.cache
    if cache is None:
        return False
    stored = cache.results()
    return all(t.rel in stored and stored[t.rel][0].endswith(f":{workspace.tree}") for t in cards)


def lint(
    targets: Iterable[Target],
    config: Config,
    root: Path,
    enabled: Callable[[Diagnostic], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cache: Cache | None = None,
    reuse: bool = True,
    keep: frozenset[str] = frozenset({"source", "record"}),
) -> list[FileResult]:
    """Lint the targets and the pages listing them; `reuse`: results may come from the cache
    (records are then not loaded: `extract` passes False). `keep`: what each FileResult
    retains besides its findings ("source", "record"); a large tree is linted in bounded
    memory only when a result keeps neither."""
    workspace = Workspace(root, config, enabled, cache)
    chosen = with_listing_pages(workspace, list(targets))
    if cache is not None:
        workspace.tree = tree_signature(root)
    workspace.keep_sources = "source" in keep
    # Cards first: index pages then compare against records parsed in this run.
    ordered = sorted(chosen, key=lambda t: (t.kind == "page", t.rel))
    results: dict[str, FileResult] = {}
    cards = [t for t in ordered if t.kind == "card"]
    if reuse and parallel.usable(len(cards)) and not _all_cached(workspace, cards):
        results.update(parallel.lint_many(workspace, cards, keep))
        index_pages = [t for t in ordered if t.kind == "page"]
        if len(index_pages) >= parallel.PAGES_FROM:
            workspace.prepare(index_pages)
            results.update(parallel.lint_many(workspace, index_pages, keep))
    for done, target in enumerate(ordered, start=1):
        if target.rel not in results:
            result = workspace.lint_file(target, reuse=cache is not None and reuse)
            results[target.rel] = _trimmed(result, keep)
        if progress is not None:
            progress(done, len(ordered))
    if cache is not None:
        cache.save()
    return [results[t.rel] for t in chosen]
