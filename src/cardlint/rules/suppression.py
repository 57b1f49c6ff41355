"""Codes about suppression comments themselves; `suppress.py` emits them."""

from __future__ import annotations

from cardlint.diagnostics import Severity
from cardlint.rules.registry import declare

declare(
    "CL109",
    "unused-suppression",
    "A suppression comment suppresses nothing",
    """
    ## What it does
    Reports a `<!-- cardlint-disable… -->` comment that suppresses no finding: a
    `disable-next-line` whose next line has none of its codes, a `disable` range or a
    `disable-file` that hides nothing. When a comment lists several codes and only some are
    unused, the finding names those codes. `cardlint-enable` comments are never reported.

    ## Why is this bad?
    A suppression outlives the finding it was written for: once the line is fixed, the
    comment stays and silently hides the next, unrelated problem of the same kind. Unused
    comments also teach readers that the line is still special when it no longer is.

    ## Example
    ```markdown
    <!-- cardlint-disable-next-line CL301 -->
    - **Token:Param Ratio:** 100:1 ✅ Compute-optimal
    ```
    once the ratio is right. The finding of an unused comment is never hidden by that same
    comment; another comment naming `CL109` (such as `<!-- cardlint-disable-file CL109 -->`)
    can hide it.

    ## Fix safety
    Safe: comments do not render. The fix removes the comment (its whole line when it
    stands alone, else the comment and the space before it), or only the unused codes when
    other codes of the comment are still in use.
    """,
    fixable=True,
    severity=Severity.WARNING,
)

declare(
    "CL110",
    "unknown-suppression-code",
    "A suppression comment names an unknown rule code",
    """
    ## What it does
    Reports a code in a `<!-- cardlint-… -->` comment that is neither a rule code nor the
    prefix of one (`CL3`, `CL40`), such as a typo or a code that was retired.

    ## Why is this bad?
    The code suppresses nothing, so the finding it was meant to hide is still reported, or
    the author believes a line is covered when it is not. An unknown code is ignored; it
    never widens the comment to all codes.

    ## Example
    `<!-- cardlint-disable-next-line CL3O1 -->` (the letter O instead of a zero).

    ## Fix safety
    No fix: cardlint cannot know which code was meant; correct or remove it by hand.
    """,
    severity=Severity.WARNING,
)
