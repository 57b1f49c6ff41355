"""Reading: every unreadable file becomes a CL9xx diagnostic with its path, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cardlint.source import ReadError, Source, decode, encode, read

from .helpers import run


def _read(path: Path) -> Source | ReadError:
    return read(path, str(path))


def test_bom_and_crlf_are_remembered(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(b"\xef\xbb\xbf# T\r\n\r\nx\r\n")
    source = _read(path)
    assert isinstance(source, Source)
    assert source.bom and source.newline == "\r\n" and source.text == "# T\n\nx\n"
    assert encode(source, source.text) == path.read_bytes()
    assert source.position(source.text.index("x")) == (3, 1)


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        (b"# T\n\ncaf\xe9\n", "CL902", 3),
        (b"# T\n\x00\x01binary", "CL903", 2),
    ],
)
def test_undecodable_bytes(data: bytes, code: str, line: int) -> None:
    error = decode("x.md", data)
    assert isinstance(error, ReadError) and (error.code, error.line) == (code, line)


def test_directory_named_like_markdown(tmp_path: Path) -> None:
    (tmp_path / "card.md").mkdir()
    error = _read(tmp_path / "card.md")
    assert isinstance(error, ReadError) and error.code == "CL901"


def test_file_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    path.write_bytes(b"x" * 2048)
    error = read(path, "big.md", max_bytes=1024)
    assert isinstance(error, ReadError) and error.code == "CL904"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.md"
    path.write_text("# x\n")

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # chmod 000 does not stop root, so the refusal is simulated at the open call.
    monkeypatch.setattr(os, "open", refuse)
    error = _read(path)
    assert isinstance(error, ReadError) and error.code == "CL901"


def test_read_error_of_a_missing_file(tmp_path: Path) -> None:
    error = _read(tmp_path / "gone.md")
    assert isinstance(error, ReadError) and error.code == "CL901"


def test_cli_reports_bad_files_with_path_and_line(tmp_path: Path) -> None:
    lab = tmp_path / "models" / "lab"
    lab.mkdir(parents=True)
    (lab / "latin1.md").write_bytes(b"# T\n\ncaf\xe9\n")
    (lab / "binary.md").write_bytes(b"\x00\x01\x02")
    (lab / "dir.md").mkdir()
    (lab / "loop.md").symlink_to(lab / "loop.md")
    result = run("check", "--root", str(tmp_path), str(tmp_path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any("latin1.md:3:4: CL902" in line for line in lines)
    assert any("binary.md:1:1: CL903" in line for line in lines)
    assert any("dir.md:1:1: CL901" in line for line in lines)
    assert any("loop.md:1:1: CL901" in line for line in lines)
    assert "Traceback" not in result.output
