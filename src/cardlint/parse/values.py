"""Slot values -> typed, located fields. A value that does not parse is CL105."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from cardlint.derive import MONTHS
from cardlint.parse.inline import links_in, table_cells
from cardlint.parse.layout import BENCHMARKS
from cardlint.records import Benchmark, Located, Resource, Span

if TYPE_CHECKING:
    from cardlint.parse.card import Builder, Hit

Handler = Callable[["Builder", "list[Hit]"], None]

# Numbers are ASCII digits: `\d` also matches other scripts' digits.
_RELEASED = re.compile(r"(?:" + "|".join(MONTHS) + r")/[0-9]{4}|TBA")
_BILLIONS = re.compile(r"(?P<n>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|-)B")
_RATIO = re.compile(r"(?P<ratio>[0-9][0-9,]*:1) (?P<verdict>\S.*)")
_ALSCORE = re.compile(r"(?P<score>[0-9]+(?:\.[0-9]+)?|-)(?P<slot> \((?P<tier>[^()]*)\))?")
_ORG = re.compile(r"\[(?P<org>[^\[\]]+)\]\((?P<target>[^()]*)\)")
_ACCESS = re.compile(r"(?P<emoji>\S+) (?P<word>\S+)")
_TAGS = re.compile(r"`[^`]+`(?:, `[^`]+`)*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SCORE = re.compile(r"[0-9]+(?:\.[0-9]+)?|-")
NO_TAGS = "_No specific tags_"
UNTAGGED = "Large Language Model"


def _located(builder: Builder, hit: Hit, value: object = None) -> Located[object]:
    span = hit.value_span(builder.source)
    raw = builder.source.text[span.start : span.end]
    return Located(raw if value is None else value, raw, span)


def _sub(builder: Builder, base: int, match: re.Match[str], group: str) -> Span:
    start, end = match.span(group)
    return builder.source.span(base + start, base + end)


def _bad(builder: Builder, hit: Hit, what: str, expected: str) -> None:
    span = hit.value_span(builder.source)
    raw = builder.source.text[span.start : span.end]
    builder.report("CL105", span, f"{what} `{raw}` does not parse: expected {expected}")


def _text(name: str) -> Handler:
    def handle(builder: Builder, hits: list[Hit]) -> None:
        located = _located(builder, hits[0])
        if not located.raw.strip():
            _bad(builder, hits[0], name, "a value")
            return
        builder.fields[name] = located

    return handle


def _title(builder: Builder, hits: list[Hit]) -> None:
    located = _located(builder, hits[0])
    if not located.raw.strip():
        builder.report("CL101", located.span, "card title is empty")
        return
    builder.fields["title"] = located


def _tagline(builder: Builder, hits: list[Hit]) -> None:
    located = _located(builder, hits[0])
    tags = () if located.raw == UNTAGGED else tuple(located.raw.split(", "))
    if not located.raw or any(not t.strip() for t in tags):
        _bad(builder, hits[0], "tagline", f"`{UNTAGGED}` or tags joined by `, `")
        return
    builder.fields["tagline"] = Located(tags, located.raw, located.span)


def _organization(builder: Builder, hits: list[Hit]) -> None:
    hit = hits[0]
    span = hit.value_span(builder.source)
    match = _ORG.fullmatch(builder.source.text[span.start : span.end])
    if not match:
        _bad(builder, hit, "organization", "`[Organization](../../labs/slug.md)`")
        return
    org_span, target_span = (
        _sub(builder, span.start, match, "org"),
        _sub(builder, span.start, match, "target"),
    )
    builder.fields["organization"] = Located(match["org"], match["org"], org_span)
    builder.fields["organization_link"] = Located(match["target"], match["target"], target_span)


def _pattern(name: str, pattern: re.Pattern[str], expected: str) -> Handler:
    def handle(builder: Builder, hits: list[Hit]) -> None:
        located = _located(builder, hits[0])
        if not pattern.fullmatch(located.raw):
            _bad(builder, hits[0], name.replace("_", " "), expected)
            return
        builder.fields[name] = located

    return handle


def _access(builder: Builder, hits: list[Hit]) -> None:
    hit = hits[0]
    span = hit.value_span(builder.source)
    match = _ACCESS.fullmatch(builder.source.text[span.start : span.end])
    if not match:
        _bad(builder, hit, "access", "an emoji and a word, e.g. `🟢 Public`")
        return
    fields = builder.fields
    fields["access_emoji"] = Located(
        match["emoji"], match["emoji"], _sub(builder, span.start, match, "emoji")
    )
    fields["access"] = Located(
        match["word"], match["word"], _sub(builder, span.start, match, "word")
    )


def _billions(name: str) -> Handler:
    def handle(builder: Builder, hits: list[Hit]) -> None:
        located = _located(builder, hits[0])
        match = _BILLIONS.fullmatch(located.raw)
        if not match:
            _bad(builder, hits[0], name, "billions such as `7.0B`, or `-B` when unknown")
            return
        value = None if match["n"] == "-" else float(match["n"])
        if value is not None and not math.isfinite(value):
            _bad(builder, hits[0], name, "a finite number of billions")
            return
        builder.fields[name] = Located(value, located.raw, located.span)

    return handle


def _ratio(builder: Builder, hits: list[Hit]) -> None:
    located = _located(builder, hits[0])
    span = located.span
    if located.raw == "- -":
        src = builder.source
        builder.fields["ratio"] = Located("-", "-", src.span(span.start, span.start + 1))
        builder.fields["verdict"] = Located("-", "-", src.span(span.end - 1, span.end))
        return
    match = _RATIO.fullmatch(located.raw)
    # No quotient of two floats prints more than about 310 digits; longer is not a ratio.
    if not match or len(match["ratio"]) > 420:
        _bad(builder, hits[0], "token:param ratio", "`N:1 verdict`, or `- -` when unknown")
        return
    for group in ("ratio", "verdict"):
        builder.fields[group] = Located(
            match[group], match[group], _sub(builder, span.start, match, group)
        )


def _alscore(builder: Builder, hits: list[Hit]) -> None:
    located = _located(builder, hits[0])
    span = located.span
    match = _ALSCORE.fullmatch(located.raw)
    if not match:
        _bad(builder, hits[0], "ALScore", "a number with an optional `(tier)`, or `-`")
        return
    fields = builder.fields
    fields["alscore"] = Located(
        match["score"], match["score"], _sub(builder, span.start, match, "score")
    )
    if match["slot"]:
        fields["tier"] = Located(
            match["tier"], match["tier"], _sub(builder, span.start, match, "tier")
        )
        fields["tier_slot"] = _sub(builder, span.start, match, "slot")
    else:
        end = span.start + match.end("score")
        fields["tier_slot"] = builder.source.span(end, end)


def _dataset(builder: Builder, hits: list[Hit]) -> None:
    located = _located(builder, hits[0])
    if not located.raw:
        _bad(builder, hits[0], "dataset type", "`-` or types joined by `, `")
        return
    kinds = () if located.raw == "-" else tuple(located.raw.split(", "))
    builder.fields["dataset"] = Located(kinds, located.raw, located.span)


def _benchmarks(builder: Builder, hits: list[Hit]) -> None:
    rows = builder.fields.setdefault("benchmarks_by_name", {})
    for hit in hits:
        rows[hit.slot.name.split(":")[1]] = hit


def benchmark_rows(builder: Builder) -> None:
    """Turn the matched benchmark lines into Benchmark records, in the fixed order."""
    rows = builder.fields.pop("benchmarks_by_name", {})
    result = []
    for name, _ in BENCHMARKS:
        hit = rows.get(name)
        if hit is not None:
            bench = _benchmark(builder, name, hit)
            if bench is not None:
                result.append(bench)
    builder.fields["benchmarks"] = tuple(result)


def _benchmark(builder: Builder, name: str, hit: Hit) -> Benchmark | None:
    src = builder.source
    cells = table_cells(hit.line.text, hit.line.start)
    row = src.span(hit.line.start, hit.line.end)
    if len(cells) != 3:
        builder.report("CL106", row, f"benchmark row `{name}` has {len(cells)} cells, expected 3")
        return None
    (s0, s1), (d0, d1) = cells[1], cells[2]
    raw, description = src.text[s0:s1], src.text[d0:d1]
    if not _SCORE.fullmatch(raw):
        builder.report(
            "CL105",
            src.span(s0, s1),
            f"{name} score `{raw}` does not parse: expected a number or `-`",
        )
        return None
    score = None if raw == "-" else float(raw)
    return Benchmark(
        name,
        Located(score, raw, src.span(s0, s1)),
        Located(description, description, src.span(d0, d1)),
        row,
    )


def _analysis(builder: Builder, hits: list[Hit]) -> None:
    src = builder.source
    builder.fields["analysis"] = tuple(
        Located(h.line.text, h.line.text, src.span(h.line.start, h.line.end)) for h in hits
    )


def _tags(builder: Builder, hits: list[Hit]) -> None:
    located = _located(builder, hits[0])
    if located.raw == NO_TAGS:
        tags: tuple[str, ...] = ()
    elif _TAGS.fullmatch(located.raw):
        tags = tuple(t.strip("`") for t in located.raw.split(", "))
    else:
        _bad(
            builder, hits[0], "tags line", f"`{NO_TAGS}` or tags such as `` `SOTA`, `Reasoning` ``"
        )
        return
    builder.fields["tags"] = Located(tags, located.raw, located.span)


def _resource(kind: str) -> Handler:
    def handle(builder: Builder, hits: list[Hit]) -> None:
        src = builder.source
        found = list(builder.fields.get("resources", ()))
        for hit in hits:
            links = list(links_in(src, hit.line))
            if not links:
                _bad(builder, hit, "resource link", "`[text](target)`")
                continue
            link = links[0]
            found.append(
                Resource(
                    kind,
                    link.text,
                    Located(link.target, link.target, link.target_span),
                    src.span(hit.line.start, hit.line.end),
                )
            )
        builder.fields["resources"] = tuple(sorted(found, key=lambda r: r.line.start))

    return handle


def _link_line(name: str, index: int = 0) -> Handler:
    def handle(builder: Builder, hits: list[Hit]) -> None:
        links = list(links_in(builder.source, hits[0].line))
        if len(links) <= index:
            _bad(builder, hits[0], name.replace("_", " "), "a `[text](target)` link")
            return
        builder.fields[name] = links[index]

    return handle


def _architecture(builder: Builder, hits: list[Hit]) -> None:
    _link_line("architecture_link")(builder, hits)


def _profile(builder: Builder, hits: list[Hit]) -> None:
    _link_line("profile_link")(builder, hits)


def _footer(builder: Builder, hits: list[Hit]) -> None:
    links = list(links_in(builder.source, hits[0].line))
    if len(links) != 2:
        _bad(builder, hits[0], "footer", "two links separated by ` • `")
        return
    builder.fields["back_link"], builder.fields["lab_footer_link"] = links
    builder.fields["footer_org"] = _located(builder, hits[0])


HANDLERS: dict[str, Handler] = {
    "title": _title,
    "tagline": _tagline,
    "organization": _organization,
    "released": _pattern("released", _RELEASED, "`Mon/YYYY` or `TBA`"),
    "access": _access,
    "overview": _text("overview"),
    "type": _text("type"),
    "params": _billions("params"),
    "tokens": _billions("tokens"),
    "ratio": _ratio,
    "alscore": _alscore,
    "formula": _text("formula"),
    "dataset": _dataset,
    "bench": _benchmarks,
    "analysis": _analysis,
    "tags": _tags,
    "try": _resource("try"),
    "docs": _resource("docs"),
    "related_org": _text("related_org"),
    "profile": _profile,
    "architecture": _architecture,
    "last_updated": _pattern("last_updated", _ISO_DATE, "an ISO date `YYYY-MM-DD`"),
    "footer": _footer,
}
