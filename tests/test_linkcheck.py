from __future__ import annotations

import builtins
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardlint import linkcheck
from cardlint.linkcheck import (
    LinkResolver,
    Resolution,
    Status,
    TargetKind,
    anchors,
    classify,
    github_slug,
    headings_of,
    split_anchor,
)

NFD_NAME = "tu\u0308lu.md"
NFC_NAME = "t\u00fclu.md"


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("https://example.org/a", TargetKind.URL),
        ("http://example.org", TargetKind.URL),
        ("mailto:someone@example.org", TargetKind.URL),
        ("//cdn.example.org/x.js", TargetKind.URL),
        ("https://example.org/a (same as above", TargetKind.NOT_A_LINK),
        ("https://example.org/a (same as above)", TargetKind.URL),
        ('https://example.org/a "Title"', TargetKind.URL),
        ("https://example.org/a 'Title'", TargetKind.URL),
        ("<https://example.org/a>", TargetKind.URL),
        ("<https://example.org/a> (t)", TargetKind.URL),
        ("https://example.org/a (b) (c)", TargetKind.NOT_A_LINK),
        ("https://", TargetKind.MALFORMED_URL),
        ("http:nohost", TargetKind.MALFORMED_URL),
        ("http://example.org:port/", TargetKind.MALFORMED_URL),
        ("http://[::1", TargetKind.MALFORMED_URL),
        ("Mirror: https://example.org/x", TargetKind.NOT_A_LINK),
        ("Mirror:https://example.org/x", TargetKind.URL),
        ("x://example.org", TargetKind.MALFORMED_URL),
        ("#-top-widgets", TargetKind.ANCHOR),
        ("#", TargetKind.ANCHOR),
        ("../labs/acme.md", TargetKind.PATH),
        ("../labs/", TargetKind.PATH),
        ("page.md", TargetKind.PATH),
        ("PAGE.MD", TargetKind.PATH),
        ("page.md#intro", TargetKind.PATH),
        ("docs/guide", TargetKind.PATH),
        ("/labs/acme.md", TargetKind.PATH),
        ("my%20page.md", TargetKind.PATH),
        ("<my page.md>", TargetKind.PATH),
        ('page.md#intro "Intro"', TargetKind.PATH),
        ("C:/drive/x.md", TargetKind.PATH),
        ("..", TargetKind.PATH),
        ("../../issues", TargetKind.ALLOWED),
        ("../../issues/12", TargetKind.ALLOWED),
        ("../../pulls", TargetKind.ALLOWED),
        ("Widgetco", TargetKind.PLACEHOLDER),
        ("Demo playground", TargetKind.NOT_A_LINK),
        ("<Demo playground>", TargetKind.PLACEHOLDER),
        ("try-widget.ai", TargetKind.PLACEHOLDER),
        ("Repo (train/deploy)", TargetKind.PLACEHOLDER),
        ("Repo 'train/deploy'", TargetKind.PLACEHOLDER),
        ("Repo (train/deploy", TargetKind.NOT_A_LINK),
        ("Note: soon", TargetKind.NOT_A_LINK),
        ("TS, Goose", TargetKind.NOT_A_LINK),
        ("TBD:", TargetKind.PLACEHOLDER),
        ("NOTICE", TargetKind.PLACEHOLDER),
        ("", TargetKind.EMPTY),
        ("   ", TargetKind.EMPTY),
        ("<>", TargetKind.EMPTY),
        ('../../issues "Issues"', TargetKind.ALLOWED),
    ],
)
def test_classify(target: str, kind: TargetKind) -> None:
    assert classify(target) is kind


def test_classify_custom_allowlist() -> None:
    assert classify("NOTICE", allowlist=("NOTICE",)) is TargetKind.ALLOWED
    assert classify("../../issues", allowlist=()) is TargetKind.PATH
    assert classify("../../issues-old", allowlist=("../../issues",)) is TargetKind.PATH


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("a/b.md", ("a/b.md", None)),
        ("a/my%20page.md#Top", ("a/my page.md", "Top")),
        ("a.md?plain=1#x", ("a.md", "x")),
        ("#", ("", "")),
        ("#t%C3%BClu", ("", "t\u00fclu")),
        ("tu%CC%88lu.md", (NFC_NAME, None)),
        ('a/b.md#Top "The top"', ("a/b.md", "Top")),
        ("<a/my page.md> (t)", ("a/my page.md", None)),
        ("words, not a link", ("words, not a link", None)),
    ],
)
def test_split_anchor(target: str, expected: tuple[str, str | None]) -> None:
    assert split_anchor(target) == expected


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("🏆 Top Models by ALScore", "-top-models-by-alscore"),
        ("🏷️ Model Tags", "-model-tags"),
        ("Widgets  &  Gadgets", "widgets----gadgets"),
        ("Q&A: why?", "qa-why"),
        ("snake_case_name", "snake_case_name"),
        ("v2.5 -- notes", "v25----notes"),
        ("**Bold** and `code_x`", "bold-and-code_x"),
        ("See [the guide](https://example.org/g)", "see-the-guide"),
        ("_em_ and __strong__", "em-and-strong"),
        (r"\_kept\_", "_kept_"),
        ("![logo](x.png) Title", "-title"),
        ("<em>Tagged</em>", "tagged"),
        ("Tu\u0308lu 2", "t\u00fclu-2"),
        ("Ünïcödé Ök", "ünïcödé-ök"),
        ("  padded ", "--padded-"),
    ],
)
def test_github_slug(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_anchors_number_repeats() -> None:
    assert anchors(["Intro", "Intro", "Intro"]) == frozenset({"intro", "intro-1", "intro-2"})


def test_anchors_skip_numbers_already_taken() -> None:
    assert anchors(["a", "a-1", "a"]) == frozenset({"a", "a-1", "a-2"})


def test_headings_of_atx() -> None:
    text = "# One\n   ## Two ##\n### Three #not closing\n####### seven\n#nospace\n#\n"
    assert headings_of(text) == ["One", "Two", "Three #not closing", ""]


def test_headings_of_skips_fenced_and_indented_code() -> None:
    text = (
        "```python\n# not a heading\n```\n"
        "~~~~\n# nor this\n~~~\n# still fenced\n~~~~\n"
        "# Real\n"
        "\n    # indented code\n"
        "``` inline ``` text\n"
        "## After\n"
    )
    assert headings_of(text) == ["Real", "After"]


def test_headings_of_unclosed_fence_runs_to_end() -> None:
    assert headings_of("# Before\n```\n# inside\n") == ["Before"]


def test_headings_of_setext() -> None:
    text = "Title\n=====\n\nSub *title*\ncontinued\n---\n\nPlain\n\n---\n"
    assert headings_of(text) == ["Title", "Sub *title*\ncontinued"]


def test_headings_of_thematic_breaks_after_other_blocks() -> None:
    text = "- item\n---\n\n> quote\n---\n\n| a | b |\n|---|---|\n| 1 | 2 |\n---\n\n<div>\n---\n"
    assert headings_of(text) == []


def test_headings_of_paragraph_continuation_is_not_code() -> None:
    assert headings_of("Para\n    more\n===\n") == ["Para\nmore"]


def test_headings_of_crlf() -> None:
    assert headings_of("# A\r\nB\r\n-\r\n") == ["A", "B"]


def make_tree(root: Path) -> Path:
    files = {
        "README.md": "# Home\n\n## 🏆 Top Widgets\n\nSee [x](labs/acme.md)\n",
        "labs/acme.md": "# Acme\n\n## Models\n\n## Models\n",
        "models/acme/widget-1.md": "# Widget 1\n",
        f"models/acme/{NFD_NAME}": "# Tülu\n",
        "docs/guide/index.md": "Guide\n=====\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.md").write_text("# Secret\n", encoding="utf-8")
    return make_tree(tmp_path / "repo")


@pytest.mark.parametrize(
    ("from_file", "path_part", "expected"),
    [
        ("models/acme/widget-1.md", "../../labs/acme.md", Resolution(Status.OK, "labs/acme.md")),
        ("models/acme/widget-1.md", "../../labs/", Resolution(Status.OK, "labs", is_dir=True)),
        ("models/acme/widget-1.md", "../../labs", Resolution(Status.OK, "labs", is_dir=True)),
        ("README.md", "/labs/acme.md", Resolution(Status.OK, "labs/acme.md")),
        ("README.md", "./", Resolution(Status.OK, ".", is_dir=True)),
        ("README.md", "", Resolution(Status.OK, "README.md")),
        (
            "README.md",
            "models//acme/./widget-1.md",
            Resolution(Status.OK, "models/acme/widget-1.md"),
        ),
        ("labs/acme.md", "../labs/nobody.md", Resolution(Status.MISSING, "labs/nobody.md")),
        ("labs/acme.md", "acme.md/x.md", Resolution(Status.MISSING, "labs/acme.md/x.md")),
        ("labs/acme.md", "Acme.md", Resolution(Status.MISSING, "labs/Acme.md")),
        (
            "models/acme/widget-1.md",
            "../../../outside/secret.md",
            Resolution(Status.OUTSIDE_ROOT, None),
        ),
        ("README.md", "..", Resolution(Status.OUTSIDE_ROOT, None)),
        ("README.md", "labs/../../x", Resolution(Status.OUTSIDE_ROOT, None)),
    ],
)
def test_resolve(repo: Path, from_file: str, path_part: str, expected: Resolution) -> None:
    assert LinkResolver(repo).resolve(from_file, path_part) == expected


def test_resolve_nfc_link_to_nfd_file_name(repo: Path) -> None:
    resolver = LinkResolver(repo)
    expected = Resolution(Status.OK, f"models/acme/{NFC_NAME}")
    assert resolver.resolve("labs/acme.md", f"../models/acme/{NFC_NAME}") == expected
    assert resolver.resolve("labs/acme.md", f"../models/acme/{NFD_NAME}") == expected
    assert resolver.anchors_of(f"models/acme/{NFC_NAME}") == frozenset({"tülu"})


def test_resolve_follows_symlink_inside_root(repo: Path) -> None:
    (repo / "latest").symlink_to("models/acme")
    (repo / "home.md").symlink_to(repo / "README.md")
    resolver = LinkResolver(repo)
    assert resolver.resolve("README.md", "latest/widget-1.md") == Resolution(
        Status.OK, "models/acme/widget-1.md"
    )
    assert resolver.resolve("README.md", "home.md") == Resolution(Status.OK, "README.md")
    assert resolver.resolve("README.md", "latest") == Resolution(
        Status.OK, "models/acme", is_dir=True
    )


@pytest.mark.parametrize(
    ("link_target", "path_part"),
    [
        ("../outside", "escape/secret.md"),
        ("../outside/secret.md", "escape"),
        ("labs/../../outside", "escape"),
        (None, "escape/secret.md"),  # None: an absolute link to the outside directory
    ],
)
def test_resolve_symlink_escape(repo: Path, link_target: str | None, path_part: str) -> None:
    (repo / "escape").symlink_to(link_target or repo.parent / "outside")
    resolution = LinkResolver(repo).resolve("README.md", path_part)
    assert resolution == Resolution(Status.OUTSIDE_ROOT, None)


def test_resolve_absolute_symlink_inside_root(repo: Path) -> None:
    (repo / "abs").symlink_to(repo / "labs")
    resolution = LinkResolver(repo).resolve("README.md", "abs/acme.md")
    assert resolution == Resolution(Status.OK, "labs/acme.md")


def test_resolve_symlink_loop_is_missing(repo: Path) -> None:
    (repo / "loop-a").symlink_to("loop-b")
    (repo / "loop-b").symlink_to("loop-a")
    (repo / "self").symlink_to("self/x")
    resolver = LinkResolver(repo)
    assert resolver.resolve("README.md", "loop-a/x.md").status is Status.MISSING
    assert resolver.resolve("README.md", "self").status is Status.MISSING
    assert resolver.anchors_of("loop-a") is None


def test_resolve_dangling_symlink_is_missing(repo: Path) -> None:
    (repo / "gone.md").symlink_to("nowhere.md")
    assert LinkResolver(repo).resolve("README.md", "gone.md").status is Status.MISSING


def test_resolve_touches_nothing_outside_root(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "escape").symlink_to("../outside")
    (repo / "abs").symlink_to(repo.parent / "outside" / "secret.md")
    seen: list[str] = []
    for name in ("scandir", "stat", "lstat", "readlink"):
        original = getattr(os, name)

        def record(path: str, *args: object, _original: Any = original, **kw: object) -> object:
            seen.append(os.fspath(path))
            return _original(path, *args, **kw)

        monkeypatch.setattr(os, name, record)
    resolver = LinkResolver(repo)
    for path_part in ("escape/secret.md", "abs", "../outside/secret.md", "/../outside"):
        assert resolver.resolve("README.md", path_part).status is not Status.OK
    outside = str(repo.parent / "outside")
    assert seen
    assert not [path for path in seen if path.startswith(outside)]


def test_directories_are_listed_once(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    listed: list[str] = []
    original = os.scandir

    def record(path: str) -> object:
        listed.append(os.fspath(path))
        return original(path)

    monkeypatch.setattr(os, "scandir", record)
    resolver = LinkResolver(repo)
    for target in ("acme.md", "../models/acme/widget-1.md", "../models/acme/nothing.md"):
        resolver.resolve("labs/acme.md", target)
    resolver.resolve("models/acme/widget-1.md", "widget-1.md")
    assert len(listed) == len(set(listed)) == 4  # root, labs, models, models/acme


def test_anchors_of(repo: Path) -> None:
    resolver = LinkResolver(repo)
    assert resolver.anchors_of("README.md") == frozenset({"home", "-top-widgets"})
    assert resolver.anchors_of("labs/acme.md") == frozenset({"acme", "models", "models-1"})
    assert resolver.anchors_of("docs/guide/index.md") == frozenset({"guide"})
    assert resolver.anchors_of("labs") is None
    assert resolver.anchors_of("labs/nobody.md") is None


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    paths: list[str] = []
    path_open, builtin_open, os_open = Path.open, builtins.open, os.open

    def record_path_open(self: Path, *args: object, **kw: object) -> object:
        paths.append(str(self))
        return path_open(self, *args, **kw)  # type: ignore[call-overload]

    def record_open(file: object, *args: object, **kw: object) -> object:
        paths.append(str(file))
        return builtin_open(file, *args, **kw)  # type: ignore[call-overload]

    def record_os_open(file: Any, *args: Any, **kw: Any) -> int:
        paths.append(str(file))
        return os_open(file, *args, **kw)

    monkeypatch.setattr(Path, "open", record_path_open)
    monkeypatch.setattr(builtins, "open", record_open)
    monkeypatch.setattr(os, "open", record_os_open)
    return paths


def test_anchors_of_never_opens_outside_root(repo: Path, opened: list[str]) -> None:
    (repo / "escape.md").symlink_to("../outside/secret.md")
    resolver = LinkResolver(repo)
    assert resolver.anchors_of("../outside/secret.md") is None
    assert resolver.anchors_of("escape.md") is None
    assert resolver.anchors_of("/../outside/secret.md") is None
    assert not [path for path in opened if "outside" in path]


def test_anchors_of_reads_each_file_once(repo: Path, opened: list[str]) -> None:
    resolver = LinkResolver(repo)
    first = resolver.anchors_of("labs/acme.md")
    assert resolver.anchors_of("labs/../labs/acme.md") == first
    assert [Path(path).name for path in opened] == ["acme.md"]


def test_anchors_of_rejects_large_binary_and_special_files(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "big.md").write_text("# Big\n" + "x" * 100, encoding="utf-8")
    (repo / "latin1.md").write_bytes("# Caf\xe9\n".encode("latin-1"))
    (repo / "bom.md").write_bytes("\ufeff# With BOM\n".encode())
    if hasattr(os, "mkfifo"):
        os.mkfifo(repo / "pipe.md")  # opening a FIFO would block forever
    monkeypatch.setattr(linkcheck, "MAX_BYTES", 50)
    resolver = LinkResolver(repo)
    assert resolver.anchors_of("big.md") is None
    assert resolver.anchors_of("latin1.md") is None
    assert resolver.anchors_of("bom.md") == frozenset({"with-bom"})
    assert resolver.anchors_of("pipe.md") is None


_SEGMENTS = st.sampled_from(
    [
        "..",
        ".",
        "",
        "labs",
        "acme.md",
        "models",
        "acme",
        NFC_NAME,
        NFD_NAME,
        "loop",
        "escape",
        "inside",
        "x\x00y",
        "é",
        "~",
        "/",
    ]
)
_PATHS = st.lists(_SEGMENTS, max_size=8).map("/".join)


@pytest.fixture(scope="module")
def property_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("property")
    (base / "outside").mkdir()
    root = make_tree(base / "repo")
    (root / "loop").symlink_to("loop")
    (root / "escape").symlink_to("../outside")
    (root / "inside").symlink_to("labs")
    return root


@settings(max_examples=300, deadline=None)
@given(from_file=_PATHS, path_part=_PATHS | st.text(max_size=30))
def test_resolve_never_raises_nor_escapes(
    property_repo: Path, from_file: str, path_part: str
) -> None:
    resolver = LinkResolver(property_repo)
    resolution = resolver.resolve(from_file, path_part)
    if resolution.rel_path is not None:
        assert not resolution.rel_path.startswith("..")
        assert not resolution.rel_path.startswith("/")
    if resolution.status is Status.OK and resolution.rel_path is not None:
        assert (property_repo / resolution.rel_path).resolve().is_relative_to(property_repo)
    resolver.anchors_of(path_part)
