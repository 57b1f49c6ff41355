"""CL4xx: every link resolves inside the root; lab and architecture links follow the card."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import PurePosixPath

from cardlint import derive, linkcheck
from cardlint.diagnostics import Diagnostic, Severity
from cardlint.linkcheck import Status, TargetKind
from cardlint.records import Link, Span
from cardlint.rules.context import CardContext, PageContext
from cardlint.rules.registry import rule


def _paths(ctx: PageContext) -> Iterator[tuple[Link, linkcheck.Resolution, str | None]]:
    return iter(ctx.path_links)


@rule("CL401", "broken-relative-link", "Relative link target does not exist", scope="page")
def broken_link(ctx: PageContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Resolves every relative link (a target holding `/` or ending in `.md`) against the
    card's folder and reports one whose file or folder does not exist under the root.
    Names are compared NFC-normalised, as macOS and Linux may store them differently.

    ## Why is this bad?
    A broken link is a dead end for the reader, and usually means the page it pointed to
    was renamed or never generated.

    ## Example
    `- See all [Hybrid models](../../architectures/hybrid.md)` where no
    `architectures/hybrid.md` exists.

    ## Fix safety
    No fix: cardlint cannot know where the link should go.
    """
    for link, found, _ in _paths(ctx):
        if found.status is Status.MISSING:
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
    for link in ctx.record.links:
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


def _existing_file(ctx: PageContext, link: Link) -> bool:
    """`[license](LICENSE)`: a bare word that names a file beside the page is a path."""
    if not link.target or any(c.isspace() for c in link.target):
        return False
    found = ctx.resolver.resolve(ctx.record.path, linkcheck.split_anchor(link.target)[0])
    return found.status is Status.OK


@rule(
    "CL404",
    "placeholder-link-target",
    "Link target is plain words, not a URL or path",
    severity=Severity.WARNING,
    scope="page",
)
def placeholder(ctx: PageContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Reports a link whose target is neither a URL nor a path: plain words such as
    `(Playground)` or `(Limited demo)`, or nothing at all.

    ## Why is this bad?
    The link renders as clickable (or as broken markdown) but leads nowhere; the words were
    meant as a note, or a URL was never filled in.

    ## Example
    `- 🎮 [Try the Model](Playground)` should give the playground's URL.

    ## Fix safety
    No fix: only the author knows the URL.
    """
    for link in ctx.record.links:
        kind = linkcheck.classify(link.target, ctx.config.link_allowlist)
        if kind in (TargetKind.PLACEHOLDER, TargetKind.EMPTY) and not _existing_file(ctx, link):
            shown = link.target or "(empty)"
            yield ctx.finding(
                "CL404",
                link.target_span if link.target else link.span,
                f"link target `{shown}` is neither a URL nor a path",
            )


@rule("CL405", "malformed-url", "External URL is not well formed", scope="page")
def malformed_url(ctx: PageContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Checks the form of external URLs, without fetching them: no spaces, a host where the
    scheme needs one, a valid port.

    ## Why is this bad?
    A malformed URL does not render as a link, or opens the wrong page.

    ## Example
    `[Technical Documentation](https://example.com/a paper.pdf)`.

    ## Fix safety
    No fix: the intended URL is unknown (percent-encoding a space may still be wrong).
    """
    for link in ctx.record.links:
        if linkcheck.classify(link.target, ctx.config.link_allowlist) is TargetKind.MALFORMED_URL:
            yield ctx.finding("CL405", link.target_span, f"URL `{link.target}` is malformed")


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
        if _nfc(target) != _nfc(expected):
            yield ctx.replace(
                "CL406",
                span,
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
    if _nfc(r.architecture_link.target) != _nfc(expected):
        yield ctx.replace(
            "CL407",
            r.architecture_link.target_span,
            expected,
            f"architecture link is `{r.architecture_link.target}` but the type "
            f"`{r.type.value}` calls for `{expected}`",
            f"Link `{expected}`",
        )
