"""CL3xx: every derived value and sentence, recomputed from the card's own inputs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import PurePosixPath

from cardlint import derive
from cardlint.diagnostics import Applicability, Diagnostic, Edit, Fix
from cardlint.parse.inline import escape_link_text, link_text_says
from cardlint.records import CardRecord, Located
from cardlint.rules.context import CardContext
from cardlint.rules.registry import rule


def _inputs(record: CardRecord) -> tuple[float | None, float | None] | None:
    """(params, tokens) when both lines parsed; None when either line is unusable."""
    if record.params is None or record.tokens is None:
        return None
    return record.params.value, record.tokens.value


def _num(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _unknown(record: CardRecord) -> str:
    names = [
        n
        for n, f in (("parameters", record.params), ("tokens", record.tokens))
        if f is not None and f.value is None
    ]
    return " and ".join(names) + (" are" if len(names) > 1 else " is") + " unknown (`-B`)"


@rule(
    "CL301",
    "stale-token-param-ratio",
    "Token:Param ratio disagrees with tokens ÷ parameters",
    fixable=True,
)
def stale_ratio(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Recomputes the Token:Param ratio as ⌈tokens ÷ parameters⌉ and compares it with the
    written ratio. A ratio written while an input is unknown, or `- -` while both are
    known, is reported too.

    ## Why is this bad?
    The ratio is derived: a stale one (parameters or tokens edited by hand, the ratio left
    as it was) misleads every reader who compares models by training efficiency.

    ## Example
    ```markdown
    - **Parameters:** 685.0B
    - **Training Tokens:** 15640.0B
    - **Token:Param Ratio:** 22:1 ✅ Compute-optimal
    ```
    Use instead: `23:1 ✅ Compute-optimal` (⌈15640 ÷ 685⌉ = 23).

    ## Fix safety
    Safe: the fix writes the recomputed ratio over the written number only.
    """
    record, inputs = ctx.record, _inputs(ctx.record)
    if inputs is None or record.ratio is None or record.verdict is None:
        return
    n = derive.ratio(*inputs, ctx.config)
    whole = ctx.source.span(record.ratio.span.start, record.verdict.span.end)
    if n is None and record.ratio.raw != "-":
        yield ctx.replace(
            "CL301",
            whole,
            "- -",
            f"Token:Param ratio is `{ctx.text(whole)}` but {_unknown(record)}: expected `- -`",
            "Write `- -`",
        )
    elif n is not None and record.ratio.raw == "-":
        expected = derive.ratio_text(*inputs, ctx.config)
        yield ctx.replace(
            "CL301",
            whole,
            expected,
            f"Token:Param ratio is `- -` but ⌈{_num(inputs[1])} ÷ {_num(inputs[0])}⌉ = {n}",
            f"Write `{expected}`",
        )
    elif n is not None and _ratio_number(record.ratio) != n:
        expected = derive.format_ratio(n)
        yield ctx.replace(
            "CL301",
            record.ratio.span,
            expected,
            f"Token:Param ratio is {record.ratio.raw} but "
            f"⌈{_num(inputs[1])} ÷ {_num(inputs[0])}⌉ = {n}",
            f"Replace with `{expected}`",
        )


# ASCII only (str.isdigit() takes `²`, which int() refuses), and no more digits than a float
# quotient prints.
_DIGITS = re.compile(r"[0-9]{1,400}")


def _ratio_number(ratio: Located[str]) -> int | None:
    digits = ratio.raw.removesuffix(":1").replace(",", "")
    # A written ratio longer than any float quotient can be cannot be right; it is also
    # past Python's limit for converting digit strings.
    return int(digits) if _DIGITS.fullmatch(digits) else None


@rule(
    "CL302",
    "ratio-missing-separators",
    "Token:Param ratio lacks thousands separators",
    fixable=True,
)
def ratio_separators(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Reports a Token:Param ratio whose number is right but not written with `,` thousands
    separators (`6198:1`, `6,19,8:1`).

    ## Why is this bad?
    Every generated card writes `6,198:1`; index pages and readers compare the text, and a
    different spelling of the same number looks like a different value.

    ## Example
    `- **Token:Param Ratio:** 6198:1 ✅ Compute-optimal` should be `6,198:1`.

    ## Fix safety
    Safe: the number is unchanged, only its separators.
    """
    record, inputs = ctx.record, _inputs(ctx.record)
    if inputs is None or record.ratio is None:
        return
    n = derive.ratio(*inputs, ctx.config)
    expected = None if n is None else derive.format_ratio(n)
    if expected and _ratio_number(record.ratio) == n and record.ratio.raw != expected:
        yield ctx.replace(
            "CL302",
            record.ratio.span,
            expected,
            f"Token:Param ratio `{record.ratio.raw}` should be written `{expected}`",
            f"Write `{expected}`",
        )


@rule("CL303", "stale-verdict", "Compute-optimal verdict disagrees with the ratio", fixable=True)
def stale_verdict(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Recomputes the verdict from the recomputed, printed ratio: `✅ Compute-optimal` when it
    is at least 20, `⚠️ Under-trained` below.

    ## Why is this bad?
    The verdict is what most readers look at; one that contradicts the ratio beside it
    discredits the whole card.

    ## Example
    `- **Token:Param Ratio:** 12:1 ✅ Compute-optimal` should say `⚠️ Under-trained`.

    ## Fix safety
    Safe: the verdict is a function of the parameters and tokens.
    """
    record, inputs = ctx.record, _inputs(ctx.record)
    if inputs is None or record.ratio is None or record.verdict is None:
        return
    n = derive.ratio(*inputs, ctx.config)
    if n is None or record.ratio.raw == "-":
        return  # CL301 rewrites the whole value
    expected = derive.verdict(n, ctx.config)
    if record.verdict.raw != expected:
        threshold = ctx.config.verdict_threshold
        sign = "≥" if n >= threshold else "<"
        yield ctx.replace(
            "CL303",
            record.verdict.span,
            expected,
            f"verdict is `{record.verdict.raw}` but the ratio {n} {sign} "
            f"{threshold}: expected `{expected}`",
            f"Write `{expected}`",
        )


@rule("CL304", "stale-alscore", "ALScore disagrees with √(parameters × tokens) ÷ 300", fixable=True)
def stale_alscore(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Recomputes ALScore = round(√(parameters × tokens) ÷ 300, 1) and compares it with the
    written score. A score written while an input is unknown, or `-` while both are known,
    is reported too.

    ## Why is this bad?
    ALScore ranks the models on every index page; a stale score puts the model in the
    wrong place everywhere.

    ## Example
    `- **ALScore:** 10.6 (Very powerful)` with 685.0B parameters and 15640.0B tokens:
    √(685 × 15640) ÷ 300 = 10.9.

    ## Fix safety
    Safe: the fix writes the recomputed number over the written one.
    """
    record, inputs = ctx.record, _inputs(ctx.record)
    if inputs is None or record.alscore is None or record.tier_slot is None:
        return
    value = derive.alscore(*inputs, ctx.config)
    whole = ctx.source.span(record.alscore.span.start, record.tier_slot.end)
    formula = f"√({_num(inputs[0])} × {_num(inputs[1])}) ÷ {ctx.config.alscore_divisor:g}"
    if value is None and ctx.text(whole) != "-":
        yield ctx.replace(
            "CL304",
            whole,
            "-",
            f"ALScore is `{ctx.text(whole)}` but {_unknown(record)}: expected `-`",
            "Write `-`",
        )
    elif value is not None and record.alscore.raw == "-":
        expected = derive.alscore_text(*inputs, ctx.config)
        yield ctx.replace(
            "CL304",
            whole,
            expected,
            f"ALScore is `-` but {formula} = {derive.format_alscore(value, ctx.config)}",
            f"Write `{expected}`",
        )
    elif value is not None:
        expected = derive.format_alscore(value, ctx.config)
        if record.alscore.raw != expected:
            yield ctx.replace(
                "CL304",
                record.alscore.span,
                expected,
                f"ALScore is {record.alscore.raw} but {formula} = {expected}",
                f"Replace with `{expected}`",
            )


@rule("CL305", "stale-tier", "ALScore tier label disagrees with the score", fixable=True)
def stale_tier(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Recomputes the tier from the recomputed, rounded ALScore (≥ 20 Extremely powerful,
    ≥ 10 Very powerful, ≥ 5 Powerful, ≥ 1 Mid-tier, > 0 Lightweight, 0.0 no label) and
    compares it with the written label.

    ## Why is this bad?
    A label that contradicts the score tells readers the model is in another class.

    ## Example
    `- **ALScore:** 0.9 (Mid-tier)` should be `0.9 (Lightweight)`.

    ## Fix safety
    Safe: the label is a function of the parameters and tokens.
    """
    record, inputs = ctx.record, _inputs(ctx.record)
    if inputs is None or record.alscore is None or record.tier_slot is None:
        return
    value = derive.alscore(*inputs, ctx.config)
    if value is None or record.alscore.raw == "-":
        return  # CL304 rewrites the whole value
    expected = derive.tier(value, ctx.config)
    written = record.tier.value if record.tier else None
    if written != expected:
        new = f" ({expected})" if expected else ""
        shown = derive.format_alscore(value, ctx.config)
        span = record.tier.span if record.tier else record.tier_slot
        message = (
            f"tier is `{written}` but ALScore {shown} is "
            f"{'`' + expected + '`' if expected else 'unlabelled'}"
            if written
            else f"ALScore {shown} lacks its tier `({expected})`"
        )
        yield ctx.finding(
            "CL305",
            span,
            message,
            Fix(
                "Write the tier" if expected else "Remove the tier", (Edit(record.tier_slot, new),)
            ),
        )


@rule(
    "CL306",
    "stale-analysis-line",
    "Analysis lines disagree with the benchmark scores",
    fixable=True,
)
def stale_analysis(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Recomputes the `**Analysis:**` lines under the benchmark table from MMLU (≥ 90
    exceptional, ≥ 80 strong) and GPQA (≥ 80 outstanding, ≥ 60 good) and reports a line
    that is missing, extra or different.

    ## Why is this bad?
    The analysis restates the scores in words; after a score changes by hand it praises a
    model for a result it no longer claims, or misses one it does.

    ## Example
    MMLU 91.2 with `**Analysis:** Strong performance on MMLU benchmark (80-90%), …` should
    read `**Analysis:** Exceptional performance on MMLU benchmark (>90%), …`.

    ## Fix safety
    Safe: the lines are a function of the scores.
    """
    record = ctx.record
    names = {b.name for b in record.benchmarks}
    if not {"MMLU", "GPQA"} <= names or record.analysis_slot is None:
        return
    expected = derive.analysis_lines(record.score("MMLU"), record.score("GPQA"), ctx.config)
    written = tuple(line.value for line in record.analysis)
    if written == expected:
        return
    if len(written) == len(expected):
        for line, want in zip(record.analysis, expected, strict=True):
            if line.value != want:
                yield ctx.replace(
                    "CL306",
                    line.span,
                    want,
                    f"analysis line should read `{want}`",
                    "Rewrite the analysis line",
                )
        return
    slot = record.analysis_slot
    fix = Fix("Rewrite the analysis lines", (Edit(slot, "".join("\n\n" + x for x in expected)),))
    if len(written) > len(expected):
        extra = record.analysis[len(expected)]
        yield ctx.finding(
            "CL306", extra.span, f"extra analysis line: the scores call for {len(expected)}", fix
        )
        return
    missing = next(line for line in expected if line not in written)
    cause = _cause(record, missing)
    yield ctx.finding(
        "CL306", cause.span if cause else slot, f"missing analysis line `{missing}`", fix
    )


def _cause(record: CardRecord, line: str) -> Located[float | None] | None:
    """The score cell that calls for an analysis line: where a reader should look."""
    name = "MMLU" if "MMLU" in line else "GPQA"
    return next((b.score for b in record.benchmarks if b.name == name), None)


@rule(
    "CL307",
    "stale-overview-sentence",
    "Overview sentence disagrees with title, lab and tags",
    fixable=True,
)
def stale_overview(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Recomputes the overview sentence from the title, the organization and the tags
    (SOTA and Reasoning, SOTA only, Reasoning only, neither) and compares it.

    ## Why is this bad?
    The sentence repeats the title and lab; after a rename or a retag it names the wrong
    model or makes claims the tags no longer make.

    ## Example
    Tags `SOTA` with `Foo is a large language model developed by Bar.` should read
    `Foo represents state-of-the-art performance in its category.`

    ## Fix safety
    Safe: the sentence is a function of the title, organization and tags.
    """
    r = ctx.record
    if r.overview is None or r.title is None or r.organization is None or r.tagline is None:
        return
    expected = derive.overview_sentence(
        r.title.value, r.organization.value, r.tagline.value, ctx.config
    )
    if r.overview.value != expected:
        yield ctx.replace(
            "CL307",
            r.overview.span,
            expected,
            f"overview sentence should read `{expected}`",
            "Rewrite the sentence",
        )


@rule(
    "CL308",
    "tags-disagree-with-tagline",
    "Model Tags line disagrees with the tagline",
    fixable=True,
)
def tags_mismatch(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Compares the `## 🏷️ Model Tags` line with the tagline under the title: both list the
    same tags in the same order (`> SOTA, Reasoning` and `` `SOTA`, `Reasoning` ``).

    ## Why is this bad?
    Index pages read one, readers the other; a model tagged in one place only is listed
    inconsistently.

    ## Example
    `> Reasoning` with `_No specific tags_` should have `` `Reasoning` ``.

    ## Fix safety
    Unsafe: cardlint cannot know which of the two the author last edited; the fix copies
    the tagline into the tags line.
    """
    r = ctx.record
    if r.tags is None or r.tagline is None or r.tags.value == r.tagline.value:
        return
    expected = derive.tags_line(r.tagline.value, ctx.config)
    yield ctx.finding(
        "CL308",
        r.tags.span,
        f"tags line `{r.tags.raw}` disagrees with the tagline `{r.tagline.raw}`",
        Fix(f"Write `{expected}`", (Edit(r.tags.span, expected),), Applicability.UNSAFE),
    )


@rule("CL309", "organization-name-mismatch", "A repeated organization name differs", fixable=True)
def org_mismatch(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Compares the organization name repeated in `**From …:**`, `[… profile]` and
    `[View All … Models]` with the `**Organization:**` line.

    ## Why is this bad?
    A lab renamed in one place only leaves the card pointing readers at two labs.

    ## Example
    `**Organization:** [Basalt Labs](…)` with `**From Basalt Lab:**`.

    ## Fix safety
    Safe: the repeated names are copies of the Organization line.
    """
    r = ctx.record
    if r.organization is None:
        return
    org = r.organization.value
    for where, located in _org_copies(ctx):
        if located.value != org:
            yield ctx.replace(
                "CL309",
                located.span,
                org,
                f"{where} names `{located.value}` but the organization is `{org}`",
                f"Write `{org}`",
            )


def _org_copies(ctx: CardContext) -> Iterator[tuple[str, Located[str]]]:
    r, src = ctx.record, ctx.source
    if r.related_org is not None:
        yield "`**From …:**`", r.related_org
    if r.profile_link is not None and r.profile_link.text.endswith(" profile"):
        span = r.profile_link.text_span
        sub = src.span(span.start, span.end - len(" profile"))
        yield "the profile link", Located(ctx.text(sub), ctx.text(sub), sub)
    if r.footer_org is not None:
        yield "the footer link", r.footer_org


@rule(
    "CL310",
    "architecture-text-mismatch",
    "Architecture link text disagrees with the type",
    fixable=True,
)
def architecture_text(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Compares the text of `- See all [… models](…)` with `{type} models`, where type is the
    card's `- **Type:**` value.

    ## Why is this bad?
    After a type change the card still sends readers to the other architecture's list.

    ## Example
    `- **Type:** MoE` with `- See all [Dense models](../../architectures/moe.md)`.

    ## Fix safety
    Safe: the text is a function of the type.
    """
    r = ctx.record
    if r.type is None or r.architecture_link is None:
        return
    expected = derive.architecture_link_text(r.type.value)
    if not link_text_says(r.architecture_link.text, expected):
        # Escaped, so that a `[` or `` ` `` in the type cannot re-target the link.
        written = escape_link_text(expected)
        yield ctx.replace(
            "CL310",
            r.architecture_link.text_span,
            written,
            f"architecture link says `{r.architecture_link.text}` but the type is `{r.type.value}`",
            f"Write `{written}`",
        )


@rule("CL311", "wrong-formula-text", "ALScore formula line differs from the formula", fixable=True)
def formula_text(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Compares the `- **Formula:**` line with the formula cardlint computes with
    (`√(Parameters × Tokens) ÷ 300` by default).

    ## Why is this bad?
    The line documents how the score was computed; a different formula there claims a
    different score.

    ## Example
    `- **Formula:** √(Parameters × Tokens) / 300` should use `÷`.

    ## Fix safety
    Safe: the line is fixed text.
    """
    r, expected = ctx.record, ctx.config.formula_text
    if r.formula is not None and r.formula.value != expected:
        yield ctx.replace(
            "CL311",
            r.formula.span,
            expected,
            f"formula should read `{expected}`",
            "Write the formula",
        )


@rule("CL312", "access-emoji-mismatch", "Access emoji disagrees with the access word", fixable=True)
def access_emoji(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Compares the access emoji with the one the access word calls for (Public 🟢,
    Private 🔴, Unknown ❓).

    ## Why is this bad?
    Index pages show only the emoji; a wrong one publishes a private model or hides a
    public one.

    ## Example
    `**Access:** 🟢 Private` should be `🔴 Private`.

    ## Fix safety
    Safe: the word is the datum, the emoji is derived from it.
    """
    r = ctx.record
    if r.access is None or r.access_emoji is None:
        return
    expected = derive.access_emoji(r.access.value, ctx.config)
    if expected is not None and r.access_emoji.value != expected:
        yield ctx.replace(
            "CL312",
            r.access_emoji.span,
            expected,
            f"access emoji {r.access_emoji.value} does not match "
            f"`{r.access.value}`: expected {expected}",
            f"Write {expected}",
        )


@rule("CL313", "file-name-not-title-slug", "Card file name is not the slug of its title")
def file_name(ctx: CardContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Compares the card's file name with slug(title), NFC-normalised.

    ## Why is this bad?
    Index pages link to `models/{lab}/{slug(title)}.md`; after a rename the card and its
    links part ways, and two titles with one slug overwrite each other.

    ## Example
    `# Quartz 2 Mini` in `models/basalt-labs/quartz-2.md`: expected `quartz-2-mini.md`.

    ## Fix safety
    No fix: renaming a file breaks every link to it; rename it and its links by hand.
    """
    r = ctx.record
    if r.title is None:
        return
    stem = unicodedata.normalize("NFC", PurePosixPath(r.path).stem)
    expected = unicodedata.normalize("NFC", derive.slug(r.title.value))
    if stem != expected:
        yield ctx.finding(
            "CL313",
            r.title.span,
            f"file name `{stem}.md` is not the slug of the title: expected `{expected}.md`",
        )
