"""`docs/rules.md`, generated from the registry so that it cannot drift."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from cardlint.rules import registry

RULES_MD = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_HEADING = re.compile(r"#{1,6}(?: |$)")
_NOT_SLUG = re.compile(r"[^\w\- ]")

INTRO = (
    "Every rule cardlint knows, generated from the registry by `python -m cardlint.docs`; "
    "do not edit by hand. `cardlint rule CODE` prints one of these sections."
)


def anchor(heading: str) -> str:
    """The fragment GitHub gives a heading: lower case, punctuation dropped, spaces to `-`."""
    return _NOT_SLUG.sub("", heading.strip().lower()).replace(" ", "-")


def rule_heading(rule: registry.Rule) -> str:
    return f"{rule.code} `{rule.name}`"


def _closes(fence: str, marker: re.Match[str]) -> bool:
    return marker[1].startswith(fence) and not marker[2].strip()


def demote(markdown: str) -> str:
    """Push every ATX heading one level down, leaving fenced code untouched."""
    fence: str | None = None
    lines = []
    for line in markdown.splitlines():
        marker = _FENCE.match(line)
        if fence is None and marker:
            fence = marker[1]
        elif fence is not None and marker and _closes(fence, marker):
            fence = None
        lines.append("#" + line if fence is None and _HEADING.match(line) else line)
    return "\n".join(lines) + "\n"


def index_table(rules: Iterable[registry.Rule]) -> str:
    rows = ["| Code | Name | Fix | Severity | Summary |", "|---|---|---|---|---|"]
    for rule in rules:
        link = f"[{rule.code}](#{anchor(rule_heading(rule))})"
        fix = "yes" if rule.fixable else ""
        rows.append(f"| {link} | `{rule.name}` | {fix} | {rule.severity.value} | {rule.summary} |")
    return "\n".join(rows) + "\n"


def rules_markdown() -> str:
    rules = registry.all_rules()
    parts = ["# Rules\n", INTRO + "\n", index_table(rules)]
    parts += [demote(rule.markdown()) for rule in rules]
    return "\n".join(parts)


def write_if_changed(path: Path, text: str) -> bool:
    if path.is_file() and path.read_text("utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8", newline="\n")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite `docs/rules.md` (or the path given); 1 when it changed, as fixers do."""
    args = list(sys.argv[1:] if argv is None else argv)
    target = Path(args[0]) if args else RULES_MD
    changed = write_if_changed(target, rules_markdown())
    print(f"{'rewrote' if changed else 'unchanged:'} {target}")
    return int(changed)


if __name__ == "__main__":
    raise SystemExit(main())
