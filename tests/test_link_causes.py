"""Link findings at their cause: CommonMark destinations and titles, what renders as text,
and index pages that repeat a card's bad link (reported once, on the card)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cardlint.parse.inline import Destination, link_destination

from .conftest import FIXTURES
from .helpers import run

CLEAN = FIXTURES / "index" / "clean"
ULTRA = "models/northwind-ai/gale-2-ultra.md"
ULTRA_URL = "https://example.com/northwind/gale-2-ultra/chat"
# Pages whose Links column repeats Gale 2 Ultra's Try-the-Model link.
COPIES = (
    "architectures/moe.md",
    "rankings/by-date.md",
    "rankings/by-mmlu.md",
    "rankings/by-parameters.md",
    "rankings/by-reasoning.md",
)

Finding = tuple[str, str, int, str]  # (path in the tree, code, line, severity)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://x.org/a (same as above)", Destination("https://x.org/a", 0, 15, "same as above")),
        ('https://x.org/a "Title"', Destination("https://x.org/a", 0, 15, "Title")),
        ("https://x.org/a 'Title'", Destination("https://x.org/a", 0, 15, "Title")),
        ("Repo (train/deploy)", Destination("Repo", 0, 4, "train/deploy")),
        ("<my page.md> (t)", Destination("my page.md", 0, 12, "t")),
        ("a(b)c", Destination("a(b)c", 0, 5, None)),
        ("a\\(b", Destination("a(b", 0, 4, None)),
        ('x "a \\" b"', Destination("x", 0, 1, 'a " b')),
        ("TS", Destination("TS", 0, 2, None)),
        ("", Destination("", 0, 0, None)),
        ("to be released", None),
        ("Open: https://x.org", None),
        ("TS, Goose", None),
        ("a (b) (c)", None),
        ("a (b", None),
        ("<a>b", None),
        ("a(b", None),
        ("a\x01b", None),
    ],
)
def test_link_destination_reads_as_commonmark(raw: str, expected: Destination | None) -> None:
    assert link_destination(raw) == expected


# --- a tree with one card's Try-the-Model link changed ---------------------------------------


def _tree(tmp_path: Path, card_target: str, page_target: str | None = None) -> Path:
    """clean/ with Gale 2 Ultra's Try link set to `card_target`, and the copy of it on every
    listing page set to `page_target` (the same text unless given)."""
    tree = tmp_path / "board"
    shutil.copytree(CLEAN, tree)
    _replace(tree / ULTRA, f"[Try the Model]({ULTRA_URL})", f"[Try the Model]({card_target})")
    copy = card_target if page_target is None else page_target
    for page in COPIES:
        _replace(tree / page, f"[🔗]({ULTRA_URL})", f"[🔗]({copy})")
    return tree


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), "utf-8")


def _check(tree: Path) -> list[dict[str, object]]:
    result = run("check", "--format", "json", "--root", str(tree), str(tree))
    found: list[dict[str, object]] = json.loads(result.stdout)["diagnostics"]
    for d in found:
        d["rel"] = Path(str(d["path"])).resolve().relative_to(tree.resolve()).as_posix()
    return found


def _findings(tree: Path) -> set[Finding]:
    return {
        (str(d["rel"]), str(d["code"]), int(str(d["line"])), str(d["severity"]))
        for d in _check(tree)
    }


def test_the_clean_tree_copies_the_link_on_every_listing_page() -> None:
    for page in COPIES:
        assert f"[🔗]({ULTRA_URL})" in (CLEAN / page).read_text("utf-8")


@pytest.mark.parametrize(
    ("target", "code", "severity"),
    [
        ("TS", "CL404", "error"),  # a relative link to a file `TS` that does not exist
        ("Repo (train/deploy)", "CL404", "error"),  # `Repo`, titled `train/deploy`
        ("to be released", "CL408", "warning"),  # no link at all: shown as text
        ("Open: https://example.com/demo", "CL408", "warning"),
        ("https:/example.com/demo", "CL405", "error"),
        ("../../no-such-page.md", "CL401", "error"),
    ],
)
def test_a_copied_bad_link_is_reported_on_the_card_only(
    tmp_path: Path, target: str, code: str, severity: str
) -> None:
    # The generator copied the card's link to every page: fixing the card (then CL501's fix of
    # the pages) repairs them all, so the card's finding is the one finding.
    assert _findings(_tree(tmp_path, target)) == {(ULTRA, code, 53, severity)}


def test_a_bad_link_only_on_the_page_is_reported_there(tmp_path: Path) -> None:
    tree = _tree(tmp_path, ULTRA_URL, "TS")
    found = _findings(tree)
    assert {(p, c) for p, c, _, _ in found if c.startswith("CL4")} == {
        (page, "CL404") for page in COPIES
    }
    assert not any(p == ULTRA for p, _, _, _ in found)


def test_a_copy_that_differs_from_the_card_is_reported_there(tmp_path: Path) -> None:
    # The card's link is bad too, but the page's copy is another bad link: its own defect.
    found = _findings(_tree(tmp_path, "TS", "Deprecated"))
    assert (ULTRA, "CL404", 53, "error") in found
    assert {p for p, c, _, _ in found if c == "CL404"} == {ULTRA, *COPIES}


def test_a_link_that_breaks_only_on_the_page_is_reported_there(tmp_path: Path) -> None:
    # `LICENSE` names a file beside the card, not beside the ranking pages.
    tree = _tree(tmp_path, "LICENSE")
    (tree / "models" / "northwind-ai" / "LICENSE").write_text("made up\n", "utf-8")
    found = _findings(tree)
    assert {p for p, c, _, _ in found if c == "CL404"} == set(COPIES)


def test_messages_say_what_commonmark_renders(tmp_path: Path) -> None:
    text = {str(d["code"]): str(d["message"]) for d in _check(_tree(tmp_path, "to be released"))}
    assert text["CL408"] == (
        "link target `to be released` is not a link: "
        "CommonMark shows `[Try the Model](to be released)` as text"
    )
    (tmp_path / "board").rename(tmp_path / "old")
    text = {str(d["code"]): str(d["message"]) for d in _check(_tree(tmp_path, "Repo (a/b)"))}
    assert "`Repo` (title `a/b`)" in text["CL404"]
    assert text["CL404"].endswith("is neither a URL nor a path: a link to a missing file")


@pytest.mark.parametrize("title", ["(same as above)", '"Chat with Gale"', "'Chat with Gale'"])
def test_a_link_title_is_no_part_of_the_url(tmp_path: Path, title: str) -> None:
    # The card and its copies are read alike: no CL405, and no CL501 either.
    assert _findings(_tree(tmp_path, f"{ULTRA_URL} {title}")) == set()


def test_an_index_cell_without_the_card_s_title_is_a_mismatch(tmp_path: Path) -> None:
    tree = _tree(tmp_path, f"{ULTRA_URL} (same as above)", ULTRA_URL)
    assert {(p, c) for p, c, _, _ in _findings(tree)} == {(page, "CL501") for page in COPIES}


def test_fix_leaves_the_pages_consistent(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "TS")
    before = _findings(tree)
    run("fix", "--root", str(tree), str(tree))
    assert _findings(tree) == before == {(ULTRA, "CL404", 53, "error")}


PROFILE = "[Northwind AI profile](../../labs/northwind-ai.md)"
ARCHITECTURE = "[MoE models](../../architectures/moe.md)"


def test_lab_and_architecture_links_may_carry_a_title(tmp_path: Path) -> None:
    tree = tmp_path / "board"
    shutil.copytree(CLEAN, tree)
    _replace(tree / ULTRA, PROFILE, PROFILE.replace(".md)", '.md "Lab page")'))
    _replace(tree / ULTRA, ARCHITECTURE, ARCHITECTURE.replace(".md)", ".md (MoE))"))
    assert _findings(tree) == set()


def test_a_wrong_link_is_fixed_and_keeps_its_title(tmp_path: Path) -> None:
    tree = tmp_path / "board"
    shutil.copytree(CLEAN, tree)
    _replace(tree / ULTRA, PROFILE, '[Northwind AI profile](../../labs/northwind.md "Lab page")')
    _replace(tree / ULTRA, ARCHITECTURE, "[MoE models](../../architectures/dense.md (MoE))")
    assert {c for _, c, _, _ in _findings(tree)} == {"CL401", "CL406", "CL407"}
    run("fix", "--root", str(tree), str(tree))
    text = (tree / ULTRA).read_text("utf-8")
    assert PROFILE.replace(".md)", '.md "Lab page")') in text
    assert ARCHITECTURE.replace(".md)", ".md (MoE))") in text
    assert _findings(tree) == set()


def test_a_pointed_destination_is_one_link(tmp_path: Path) -> None:
    # `<…>` is kept in the target as written, so a cell copying it still matches the card.
    assert _findings(_tree(tmp_path, f"<{ULTRA_URL}>")) == set()
    page = tmp_path / "board" / "rankings" / "by-date.md"
    _replace(page, f"[🔗](<{ULTRA_URL}>)", "[🔗](<Gale chat>)")
    found = {(p, c, s) for p, c, _, s in _findings(tmp_path / "board")}
    # A relative link to a missing file `Gale chat`, and a cell that disagrees with the card.
    assert found == {
        ("rankings/by-date.md", "CL404", "error"),
        ("rankings/by-date.md", "CL501", "error"),
    }
