"""CL4xx: every link resolves inside the root; lab and architecture links follow the card.

One cause, one finding: on an index page, a link copied from the card its row lists is not
reported again when the card's own link is (the card is what needs the edit), and a Model
cell linking into `models/` at no card is CL502's (or CL503's), not a broken link here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import PurePosixPath

from cardlint import derive, linkcheck
from cardlint.cardindex import Card
from cardlint.diagnostics import Diagnostic, Severity
from cardlint.linkcheck import Status, TargetKind
from cardlint.parse.inline import link_destination
from cardlint.records import Link, Span
from cardlint.rules.context import CardContext, IndexContext, PageContext
from cardlint.rules.crossfile import Listed, listed
from cardlint.rules.registry import rule


def _paths(ctx: PageContext) -> Iterator[tuple[Link, linkcheck.Resolution, str | None]]:
    copies = _copies(ctx)
    return (item for item in ctx.path_links if item[0].span.start not in copies)


def _links(ctx: PageContext) -> Iterator[Link]:
    """The page's links, less the copies whose cause is reported on their card."""
    copies = _copies(ctx)
    return (link for link in ctx.record.links if link.span.start not in copies)


def _listed_rows(ctx: IndexContext) -> dict[int, Listed]:
    """Line -> the row on it, for every table row of the index page (memoised)."""
    key = ("links", "rows")
    if key not in ctx.memo:
        ctx.memo[key] = {
            item.row.span.line: item for table in ctx.record.tables for item in listed(ctx, table)
        }
    rows: dict[int, Listed] = ctx.memo[key]
    return rows


def _copies(ctx: PageContext) -> frozenset[int]:
    """Starts of the index page's links that repeat, target for target, the Try-the-Model
    link of the card their row lists, when that link is reported on the card itself.

    The card is the cause: the generator copied its link, and fixing the card (then the
    page, CL501) repairs every copy. A copy that is broken only here is still reported.
    """
    if not isinstance(ctx, IndexContext):
        return frozenset()
    key = ("links", "copies")
    if key not in ctx.memo:
        rows = _listed_rows(ctx)
        ctx.memo[key] = frozenset(
            link.span.start
            for link in ctx.record.links
            if (item := rows.get(link.span.line)) is not None
            and item.card is not None
            and link.target == item.card.try_url()
            and _fails_on_card(ctx, item.card, link.target)
        )
    copies: frozenset[int] = ctx.memo[key]
    return copies


def _fails_on_card(ctx: IndexContext, card: Card, target: str) -> bool:
    """Whether a link with this target gets a CL401-CL405 or CL408 finding on the card."""
    kind = linkcheck.classify(target, ctx.config.link_allowlist)
    if kind in (TargetKind.MALFORMED_URL, TargetKind.NOT_A_LINK):
        return True
    if kind in (TargetKind.PLACEHOLDER, TargetKind.EMPTY):
        return not _names_a_file(ctx, card.rel, target)
    if kind is not TargetKind.PATH:
        return False
    path, anchor = linkcheck.split_anchor(target)
    found = ctx.resolver.resolve(card.rel, path)
    if found.status in (Status.MISSING, Status.OUTSIDE_ROOT):
        return True
    if not anchor or found.status is not Status.OK or found.rel_path is None or found.is_dir:
        return False
    known = ctx.resolver.anchors_of(found.rel_path) if found.rel_path.endswith(".md") else None
    return known is not None and anchor not in known


def _missing_cards(ctx: PageContext) -> frozenset[int]:
    """Starts of Model-cell links into `models/` at no card: CL502 (or CL503, for a repeated
    row) reports them, with what the row should become; a CL401 would be the same defect."""
    if not isinstance(ctx, IndexContext):
        return frozenset()
    return frozenset(
        item.row.link.span.start
        for item in _listed_rows(ctx).values()
        if item.rel is not None and item.card is None and item.row.link is not None
    )


@rule("CL401", "broken-relative-link", "Relative link target does not exist", scope="page")
def broken_link(ctx: PageContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Resolves every relative link (a target holding `/` or ending in `.md`) against the
    card's folder and reports one whose file or folder does not exist under the root.
    Names are compared NFC-normalised, as macOS and Linux may store them differently.

    On an index page, a Model cell linking into `models/` at a card that does not exist is
    reported as CL502 instead. On every link rule, an index page's copy of the card's
    Try-the-Model link (the Links cell) is not reported when the card reports its link.

    ## Why is this bad?
    A broken link is a dead end for the reader, and usually means the page it pointed to
    was renamed or never generated.

    ## Example
    `- See all [Hybrid models](../../architectures/hybrid.md)` where no
    `architectures/hybrid.md` exists.

    ## Fix safety
    No fix: cardlint cannot know where the link should go.
    """
    missing_cards = _missing_cards(ctx)
    for link, found, _ in _paths(ctx):
        if found.status is Status.MISSING and link.span.start not in missing_cards:
            yield ctx.finding(
                "CL401",
                link.target_span,
                f"link target `{link.target}` does not exist (looked for `{found.rel_path}`)",
            )


@rule("CL402", "link-leaves-root", "Relative link points outside the repository root", scope="page")
def leaves_root(ctx: PageContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Reports a relative link that leaves the repository root, by `..` or through a symlink.
    cardlint never opens such a target.

    ## Why is this bad?
    On the published site the target does not exist; in a checkout it reads files that are
    not part of the repository.

    ## Example
    `[notes](../../../../private/notes.md)` from `models/lab/card.md`.

    ## Fix safety
    No fix: point the link at a page inside the repository.
    """
    for link, found, _ in _paths(ctx):
        if found.status is Status.OUTSIDE_ROOT:
            yield ctx.finding(
                "CL402", link.target_span, f"link target `{link.target}` leaves the repository root"
            )


@rule("CL403", "broken-anchor", "Link anchor matches no heading of its page", scope="page")
def broken_anchor(ctx: PageContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Checks `#anchor` links, to the same page or to another markdown page under the root,
    against the page's headings slugged by GitHub's rule (lowercase, punctuation and emoji
    removed, spaces to `-`, repeats numbered `-1`, `-2`).

    ## Why is this bad?
    A stale anchor lands the reader at the top of the page instead of the section meant.

    ## Example
    `[Top models](../../README.md#top-models)` when the heading is `## 🏆 Top Models by
    ALScore` (anchor `#-top-models-by-alscore`).

    ## Fix safety
    No fix: several headings may be meant.
    """
    own: frozenset[str] | None = None
    for link in _links(ctx):
        kind = linkcheck.classify(link.target, ctx.config.link_allowlist)
        if kind is TargetKind.ANCHOR:
            anchor = linkcheck.split_anchor(link.target)[1]
            if own is None:
                own = linkcheck.anchors(h.text for h in ctx.record.headings)
            if anchor and anchor not in own:
                yield _anchor_finding(ctx, link, anchor, "this page")
    for link, found, anchor in _paths(ctx):
        if not anchor or found.status is not Status.OK or found.is_dir or found.rel_path is None:
            continue
        if not found.rel_path.lower().endswith(".md"):
            continue
        known = ctx.resolver.anchors_of(found.rel_path)
        if known is not None and anchor not in known:
            yield _anchor_finding(ctx, link, anchor, f"`{found.rel_path}`")


def _anchor_finding(ctx: PageContext, link: Link, anchor: str, where: str) -> Diagnostic:
    return ctx.finding(
        "CL403", link.target_span, f"anchor `#{anchor}` matches no heading of {where}"
    )


def _names_a_file(ctx: PageContext, page: str, target: str) -> bool:
    """`[license](LICENSE)`: a bare word that names a file beside the page is a path."""
    path = linkcheck.split_anchor(target)[0]
    if not path:
        return False
    return ctx.resolver.resolve(page, path).status is Status.OK


@rule(
    "CL404",
    "placeholder-link-target",
    "Link target is plain words, not a URL or path",
    scope="page",
)
def placeholder(ctx: PageContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Reports a link whose destination is neither a URL nor a path: a plain word such as
    `(Playground)` or `(Deprecated)`, a word with a title (`(Repo (train/deploy))` is the
    destination `Repo` titled `train/deploy`), or nothing at all. A word that names a file
    beside the page (`LICENSE`) is a path.

    An error: CommonMark renders the link, clickable, as a relative link to a file of that
    name, which does not exist (an empty target leads back to the page itself). Words with
    spaces, which render as text, are CL408. An index page's copy of a card's link is
    reported on the card only.

    ## Why is this bad?
    The reader clicks and lands on a "not found" page; the word was meant as a note, or a
    URL was never filled in.

    ## Example
    `- 🎮 [Try the Model](Playground)` should give the playground's URL.

    ## Fix safety
    No fix: only the author knows the URL.
    """
    for link in _links(ctx):
        kind = linkcheck.classify(link.target, ctx.config.link_allowlist)
        if kind not in (TargetKind.PLACEHOLDER, TargetKind.EMPTY):
            continue
        if _names_a_file(ctx, ctx.record.path, link.target):
            continue
        if kind is TargetKind.EMPTY:
            yield ctx.finding(
                "CL404", link.span, "link target is empty: it leads back to this page"
            )
            continue
        yield ctx.finding(
            "CL404",
            link.target_span,
            f"link target {_shown(link.target)} is neither a URL nor a path: "
            "a link to a missing file",
        )


def _shown(target: str) -> str:
    """The destination, and its title when there is one: `Repo` (title `train/deploy`)."""
    found = link_destination(target)
    if found is None or found.title is None:
        return f"`{target}`"
    return f"`{found.url}` (title `{found.title}`)"


@rule("CL405", "malformed-url", "External URL is not well formed", scope="page")
def malformed_url(ctx: PageContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Checks the form of external URLs, without fetching them: a host where the scheme needs
    one, a valid port, no space inside `<…>`. A title after the URL (`(https://x "t")`,
    `(https://x (same as above))`) is CommonMark and is not part of the URL; a "URL" with
    words around it (`(Open: https://x)`) renders as text and is CL408.

    ## Why is this bad?
    The link renders, but opens an error page or the wrong site.

    ## Example
    `[Technical Documentation](https:/example.com/paper.pdf)`: no host.

    ## Fix safety
    No fix: the intended URL is unknown.
    """
    for link in _links(ctx):
        if linkcheck.classify(link.target, ctx.config.link_allowlist) is TargetKind.MALFORMED_URL:
            yield ctx.finding(
                "CL405",
                link.target_span,
                f"URL `{linkcheck.destination(link.target)}` is malformed",
            )


_BURIED_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]+://\S+")


@rule(
    "CL408",
    "link-shown-as-text",
    "Link target holds spaces: the page shows the markdown as text",
    severity=Severity.WARNING,
    scope="page",
)
def shown_as_text(ctx: PageContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Reports `[text](target)` whose target CommonMark cannot read as a destination and a
    title: words with spaces (`(to be released)`, `(Limited demo)`), or a URL with words
    before or after it (`(Open: https://x)`). CommonMark then renders no link at all, but
    the brackets and parentheses as literal text.

    A warning, where a broken link is an error: nothing clickable misleads the reader, who
    still sees the words, but the page shows raw markdown and the link meant is missing.

    ## Why is this bad?
    The reader sees `[Try the Model](to be released)` verbatim; a URL inside it is not
    clickable.

    ## Example
    `- 🎮 [Try the Model](Open: https://example.com/demo)` should be
    `- 🎮 [Try the Model](https://example.com/demo)`, and a note belongs outside the link.

    ## Fix safety
    No fix: what should be the link and what the note is the author's call.
    """
    for link in _links(ctx):
        if linkcheck.classify(link.target, ctx.config.link_allowlist) is TargetKind.NOT_A_LINK:
            shown = f"[{link.text}]({link.target})"
            message = (
                f"link target `{link.target}` is not a link: CommonMark shows `{shown}` as text"
            )
            url = _BURIED_URL.search(link.target)
            if url is not None:
                message += f"; the URL alone, `{url.group()}`, would be a link"
            yield ctx.finding("CL408", link.target_span, message)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@rule(
    "CL406",
    "lab-link-mismatch",
    "Lab link or card folder disagrees with the organization",
    fixable=True,
)
def lab_links(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Checks that the three links to the lab page (Organization line, profile link, footer)
    are `../../labs/{slug(organization)}.md`, and that the card sits in
    `models/{slug(organization)}/`.

    ## Why is this bad?
    After a lab rename the card links to the old lab page, and the lab page, built from the
    folder, lists the card under the wrong lab.

    ## Example
    `**Organization:** [Basalt Labs](../../labs/basalt.md)`: expected
    `../../labs/basalt-labs.md`.

    ## Fix safety
    Safe for the links, which derive from the organization. The folder is never moved.
    """
    r = ctx.record
    if r.organization is None:
        return
    expected = derive.lab_link(r.organization.value, ctx.config)
    for where, span, target in _lab_targets(ctx):
        if _nfc(linkcheck.destination(target)) != _nfc(expected):
            yield ctx.replace(
                "CL406",
                _destination_span(ctx, span, target),
                expected,
                f"{where} links to `{target}` but the organization's lab page is `{expected}`",
                f"Link `{expected}`",
            )
    folder = PurePosixPath(r.path).parent.name
    lab = derive.slug(r.organization.value)
    if _nfc(folder) != _nfc(lab):
        yield ctx.finding(
            "CL406",
            r.organization.span,
            f"card is in `models/{folder}/` but slug(organization) is `{lab}`",
        )


def _destination_span(ctx: PageContext, span: Span, target: str) -> Span:
    """Where the destination is written: a fix replaces it and keeps the link's title."""
    found = link_destination(target)
    if found is None or ctx.text(span) != target:
        return span
    return ctx.source.span(span.start + found.start, span.start + found.end)


def _lab_targets(ctx: CardContext) -> Iterator[tuple[str, Span, str]]:
    r = ctx.record
    if r.organization_link is not None:
        yield "the Organization line", r.organization_link.span, r.organization_link.value
    if r.profile_link is not None:
        yield "the profile link", r.profile_link.target_span, r.profile_link.target
    if r.lab_footer_link is not None:
        yield "the footer link", r.lab_footer_link.target_span, r.lab_footer_link.target


@rule(
    "CL407", "architecture-link-mismatch", "Architecture link disagrees with the type", fixable=True
)
def architecture_link(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Checks that `- See all [… models](…)` links to `../../architectures/{slug(type)}.md`.

    ## Why is this bad?
    After a type change the card sends readers to the other architecture's page.

    ## Example
    `- **Type:** MoE` with `(../../architectures/dense.md)`: expected
    `../../architectures/moe.md`.

    ## Fix safety
    Safe: the link derives from the type.
    """
    r = ctx.record
    if r.type is None or r.architecture_link is None:
        return
    expected = derive.architecture_link(r.type.value, ctx.config)
    link = r.architecture_link
    if _nfc(linkcheck.destination(link.target)) != _nfc(expected):
        yield ctx.replace(
            "CL407",
            _destination_span(ctx, link.target_span, link.target),
            expected,
            f"architecture link is `{r.architecture_link.target}` but the type "
            f"`{r.type.value}` calls for `{expected}`",
            f"Link `{expected}`",
        )
