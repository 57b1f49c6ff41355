"""Settings as ruff finds them: the nearest `.cardlint.toml` or `[tool.cardlint]` upward."""

from __future__ import annotations

import difflib
import functools
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from cardlint import safefs
from cardlint.config import CONVENTIONS, DEFAULT, Config, InvalidSettingError, build, toml_value
from cardlint.discover import UsageError
from cardlint.rules import registry
from cardlint.source import relpath

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, published as tomli
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

CARDLINT_TOML = ".cardlint.toml"
MAX_CONFIG_BYTES = 1024 * 1024
PYPROJECT = "pyproject.toml"
ALL = "ALL"
SELECTION_KEYS = ("select", "ignore", "extend-select", "per-file-ignores", "exclude", "root")
KEYS = (*SELECTION_KEYS, *CONVENTIONS)
_SELECTOR = re.compile(r"CL\d{0,3}")
_UNSET = {"root": "(not set: the nearest folder with .git or a cardlint config)"}
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_AT_END = re.compile(r"\s*\(at end of document\)")


class SettingsError(UsageError):
    """A configuration file or option that cannot be used; the message names file and key."""


@dataclass(frozen=True)
class Selection:
    """One layer of rule selection; `select=None` keeps what the earlier layers chose."""

    select: tuple[str, ...] | None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    config: Config = DEFAULT
    select: tuple[str, ...] = (ALL,)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # glob -> selectors
    exclude: tuple[str, ...] = ()
    root: Path | None = None  # absolute
    source: Path | None = None  # the file read, absolute
    explicit: frozenset[str] = frozenset()  # the keys the file set
    cli: Selection | None = None  # --select / --ignore / --extend-select, applied last

    @property
    def base(self) -> Path:
        """The folder that globs are relative to: the config file's, else the working one."""
        return self.source.parent if self.source else Path.cwd()


# --- finding and reading the file ---


def load_settings(
    paths: Iterable[Path], *, config: Path | None = None, isolated: bool = False
) -> Settings:
    """The settings for checking `paths`: `--config FILE`, else the nearest file upward."""
    if isolated and config is not None:
        raise SettingsError("--config and --isolated cannot be used together")
    if isolated:
        return Settings()
    if config is not None:
        return read_settings(config, required=True)
    found = find_config(paths)
    return read_settings(found) if found else Settings()


def find_config(paths: Iterable[Path]) -> Path | None:
    """The first `.cardlint.toml`, or `pyproject.toml` with `[tool.cardlint]`, walking up."""
    absolute = [Path(os.path.abspath(p)) for p in paths] or [Path.cwd()]  # noqa: PTH100
    start = Path(os.path.commonpath([str(p) for p in absolute]))
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        # Regular files only: a repository's config that is a symlink could make cardlint
        # read (and quote in an error) any file on the machine.
        if safefs.is_regular(directory / CARDLINT_TOML):
            return directory / CARDLINT_TOML
        pyproject = directory / PYPROJECT
        if safefs.is_regular(pyproject) and _cardlint_table(pyproject) is not None:
            return pyproject
        if safefs.exists(directory / ".git"):
            return None  # the repository's top: a file above it is not the repository's
    return None


def _repository_top(folder: Path) -> Path:
    """The nearest folder at or above `folder` holding `.git`, else `folder` itself."""
    for directory in (folder, *folder.parents):
        if safefs.exists(directory / ".git"):
            return directory
    return folder


def read_settings(path: Path, *, required: bool = False) -> Settings:
    source = Path(os.path.abspath(path))  # noqa: PTH100
    table = _cardlint_table(source)
    if table is None:
        if required:
            raise SettingsError(f"{relpath(source)}: no [tool.cardlint] table")
        table = {}
    try:
        return _settings(table, source)
    except InvalidSettingError as exc:
        raise SettingsError(f"{_where(source)}{exc.key} {exc.problem}") from None


def _cardlint_table(path: Path) -> dict[str, Any] | None:
    document = _parse_toml(path)
    if path.name != PYPROJECT:
        return document
    tool = document.get("tool", {})
    table = tool.get("cardlint") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise SettingsError(f"{relpath(path)}: [tool.cardlint] must be a table")
    return table


def _parse_toml(path: Path) -> dict[str, Any]:
    shown = relpath(path)
    if not path.exists():
        raise SettingsError(f"{shown}: no such file")
    data = safefs.read_bytes(path.resolve(), MAX_CONFIG_BYTES)
    if isinstance(data, safefs.Refused):
        raise SettingsError(f"{shown}: cannot be read: {data.message}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{shown}: cannot be read: {exc}") from None
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, column, problem = _toml_problem(str(exc), text)
        raise SettingsError(f"{shown}:{line}:{column}: invalid TOML: {problem}") from None
    return document


def _toml_problem(message: str, text: str) -> tuple[int, int, str]:
    """(line, column, problem) of a TOMLDecodeError message."""
    position = _TOML_POSITION.search(message)
    if position:
        return int(position[1]), int(position[2]), message[: position.start()]
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1, _AT_END.sub("", message)


def _where(source: Path) -> str:
    table = "[tool.cardlint] " if source.name == PYPROJECT else ""
    return f"{relpath(source)}: {table}"


def _settings(table: Mapping[str, object], source: Path) -> Settings:
    unknown = [key for key in table if key not in KEYS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], KEYS, n=1)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        raise InvalidSettingError("unknown key", f'"{unknown[0]}"{hint}')
    base = source.parent
    return Settings(
        config=build(table),
        select=_selectors("select", table.get("select", [ALL])),
        ignore=_selectors("ignore", table.get("ignore", [])),
        extend_select=_selectors("extend-select", table.get("extend-select", [])),
        per_file_ignores=_per_file_ignores(table.get("per-file-ignores", {})),
        exclude=_globs("exclude", table.get("exclude", [])),
        root=_root(table["root"], base) if "root" in table else None,
        source=source,
        explicit=frozenset(table),
    )


def _strings(key: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidSettingError(key, f"must be an array of strings, not {toml_value(value)}")
    return value


def _selectors(key: str, value: object) -> tuple[str, ...]:
    selectors = tuple(_strings(key, value))
    for selector in selectors:
        if not is_selector(selector):
            raise InvalidSettingError(key, f'has an unknown rule code or prefix "{selector}"')
    return selectors


def _globs(key: str, value: object) -> tuple[str, ...]:
    globs = tuple(_strings(key, value))
    if any(not g.strip() for g in globs):
        raise InvalidSettingError(key, "has an empty pattern")
    return globs


def _per_file_ignores(value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    key = "per-file-ignores"
    if not isinstance(value, dict):
        raise InvalidSettingError(
            key, f"must be a table {{glob = [codes]}}, not {toml_value(value)}"
        )
    _globs(key, list(value))
    return tuple(
        (glob, _selectors(f"{key}.{toml_value(glob)}", codes)) for glob, codes in value.items()
    )


def _root(value: object, base: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise InvalidSettingError("root", f"must be a folder path, not {toml_value(value)}")
    root = Path(os.path.normpath(base / value))
    # A configuration comes with the repository under check: it may not point cardlint at
    # files outside that repository (or, without one, outside the configuration's folder).
    top = _repository_top(base)
    if root != top and top not in root.parents:
        raise InvalidSettingError(
            "root", f"{toml_value(value)} lies outside {relpath(top)}, the repository it is in"
        )
    if not safefs.is_real_dir(root):
        raise InvalidSettingError("root", f"{toml_value(value)} is not a directory")
    return root


# --- rule selection ---


def is_selector(selector: str) -> bool:
    """`ALL`, or `CL` plus up to three digits that start at least one registered code."""
    if selector == ALL:
        return True
    codes = _codes()
    return bool(_SELECTOR.fullmatch(selector)) and any(c.startswith(selector) for c in codes)


def with_cli(
    settings: Settings,
    *,
    select: str | Sequence[str] | None = None,
    ignore: str | Sequence[str] | None = None,
    extend_select: str | Sequence[str] | None = None,
) -> Settings:
    """Apply `--select`, `--ignore`, `--extend-select` (comma-separated) after the file.

    As in ruff, `--select` starts over (the file's selection no longer counts), while
    `--ignore` and `--extend-select` alone adjust the file's selection.
    """
    given = {
        option: _cli_selectors(option, value)
        for option, value in (
            ("--select", select),
            ("--ignore", ignore),
            ("--extend-select", extend_select),
        )
    }
    if all(v is None for v in given.values()):
        return settings
    layer = Selection(given["--select"], given["--ignore"] or (), given["--extend-select"] or ())
    return replace(settings, cli=layer)


def _cli_selectors(option: str, value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    if value is None or (not isinstance(value, str) and not value):
        return None
    items = [value] if isinstance(value, str) else value
    selectors = tuple(s.strip() for item in items for s in item.split(",") if s.strip())
    for selector in selectors:
        if not is_selector(selector):
            raise SettingsError(f'{option}: unknown rule code or prefix "{selector}"')
    return selectors


@functools.cache
def _codes() -> tuple[str, ...]:
    return tuple(r.code for r in registry.all_rules())


def _matches(selector: str, code: str) -> bool:
    return selector == ALL or code.startswith(selector)


def _specificity(selector: str) -> int:
    return 0 if selector == ALL else len(selector)


@functools.cache
def enabled_codes(settings: Settings) -> frozenset[str]:
    """The codes the selection layers leave on; the more specific selector wins each code."""
    layers = [Selection(settings.select, settings.ignore, settings.extend_select)]
    if settings.cli is not None:
        layers.append(settings.cli)
    enabled: set[str] = set()
    for layer in layers:
        picks = [(s, True) for s in (*(layer.select or ()), *layer.extend_select)]
        picks += [(s, False) for s in layer.ignore]
        # Least specific first, and at equal specificity ignore after select, so it wins.
        picks.sort(key=lambda pick: (_specificity(pick[0]), not pick[1]))
        updates = {
            code: on for selector, on in picks for code in _codes() if _matches(selector, code)
        }
        if layer.select is not None:
            enabled = set()
        enabled |= {code for code, on in updates.items() if on}
        enabled -= {code for code, on in updates.items() if not on}
    return frozenset(enabled)


def is_enabled(code: str, settings: Settings, path: Path | str | None = None) -> bool:
    """Whether `code` is reported, for the file at `path` (absolute or relative to the cwd)."""
    if code not in enabled_codes(settings):
        return False
    if not settings.per_file_ignores:
        return True  # asked once per finding: skip the path arithmetic when nothing needs it
    rel = None if path is None else _relative(path, settings.base)
    if rel is None:
        return True
    return not any(
        _glob_matches(glob, rel) and any(_matches(selector, code) for selector in selectors)
        for glob, selectors in settings.per_file_ignores
    )


def is_excluded(path: Path | str, settings: Settings) -> bool:
    """Whether `path`, or a folder holding it, matches an `exclude` glob."""
    if not settings.exclude:
        return False
    rel = _relative(path, settings.base)
    if rel is None:
        return False
    parts = PurePosixPath(rel).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(_glob_matches(glob, prefix) for glob in settings.exclude for prefix in prefixes)


def _relative(path: Path | str, base: Path) -> str | None:
    absolute = Path(os.path.abspath(path))  # noqa: PTH100
    if base != absolute and base not in absolute.parents:
        return None
    return PurePosixPath(*absolute.relative_to(base).parts).as_posix()


def _glob_matches(glob: str, rel: str) -> bool:
    """A glob with a `/` matches the whole relative path; one without, also its last part."""
    pattern = _glob_regex(glob)
    if "/" not in glob.strip("/"):
        return bool(pattern.fullmatch(rel) or pattern.fullmatch(PurePosixPath(rel).name))
    return bool(pattern.fullmatch(rel))


@functools.cache
def _glob_regex(glob: str) -> re.Pattern[str]:
    """`**` spans folders, `*` and `?` stay within one, `[...]` is a character class."""
    glob = glob.removeprefix("./").lstrip("/")
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] in "*?":
            out.append("[^/]*" if glob[i] == "*" else "[^/]")
            i += 1
        elif glob[i] == "[" and (end := glob.find("]", i + 2)) != -1:
            body = glob[i + 1 : end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out))


# --- describing the result ---


def describe(settings: Settings) -> str:
    """Every key with its effective value and where it came from, as TOML with comments."""
    origin = relpath(settings.source) if settings.source else None
    lines = [f"# settings from {origin}" if origin else "# no config file: every key is a default"]
    for key in KEYS:
        value = _value(settings, key)
        came = origin if origin and key in settings.explicit else "default"
        if key == "formula-text" and came == "default" and "alscore-divisor" in settings.explicit:
            came = f"{origin} (from alscore-divisor)"
        written = f"# {key} = {_UNSET[key]}" if value is None else f"{key} = {toml_value(value)}"
        lines.append(f"{written}  # {came}")
    if settings.cli is not None:
        lines.append(f"# command line: {_cli_text(settings.cli)}")
    enabled = sorted(enabled_codes(settings))
    lines.append(f"# enabled rules ({len(enabled)} of {len(_codes())}): {', '.join(enabled)}")
    return "\n".join(lines) + "\n"


def _value(settings: Settings, key: str) -> object:
    if key in CONVENTIONS:
        value = getattr(settings.config, CONVENTIONS[key][0])
        if key == "tiers":
            return {label: bound for bound, label in value}
        return dict(value) if key == "access-emoji" else value
    if key == "per-file-ignores":
        return dict(settings.per_file_ignores)
    if key == "root":
        return relpath(settings.root) if settings.root else None
    return getattr(settings, key.replace("-", "_"))


def _cli_text(layer: Selection) -> str:
    options = (
        ("--select", layer.select),
        ("--ignore", layer.ignore or None),
        ("--extend-select", layer.extend_select or None),
    )
    return " ".join(f"{name}={','.join(v)}" for name, v in options if v is not None)
