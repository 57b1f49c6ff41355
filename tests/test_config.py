"""Settings: discovery, precedence, key checking, rule selection, conventions, describe()."""

from __future__ import annotations

import dataclasses
import re
import textwrap
from pathlib import Path

import pytest

from cardlint import derive
from cardlint.config import CONVENTIONS, DEFAULT, Config, build
from cardlint.discover import UsageError
from cardlint.rules import registry
from cardlint.settings import (
    KEYS,
    Settings,
    SettingsError,
    describe,
    enabled_codes,
    find_config,
    is_enabled,
    is_excluded,
    is_selector,
    load_settings,
    with_cli,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "config.md"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository with a card folder, and the working directory inside tmp_path."""
    (tmp_path / "repo" / "models" / "lab").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "repo"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def settings_from(repo: Path, text: str, name: str = ".cardlint.toml") -> Settings:
    body = f"[tool.cardlint]\n{textwrap.dedent(text)}" if name == "pyproject.toml" else text
    write(repo / name, body)
    return load_settings([repo / "models"])


# --- discovery and precedence ---


def test_no_file_gives_the_defaults(repo: Path) -> None:
    assert find_config([repo / "models"]) is None
    assert load_settings([repo / "models"]) == Settings()


def test_cardlint_toml_is_found_walking_up_from_the_common_ancestor(repo: Path) -> None:
    config = write(repo / ".cardlint.toml", 'ignore = ["CL4"]\n')
    card = write(repo / "models" / "lab" / "a.md", "# A\n")
    (repo / "labs").mkdir()
    assert find_config([card, repo / "labs"]) == config
    settings = load_settings([card])
    assert settings.source == config
    assert settings.ignore == ("CL4",)


def test_pyproject_needs_a_tool_cardlint_table(repo: Path) -> None:
    write(repo / "pyproject.toml", "[tool.ruff]\nline-length = 100\n")
    outer = write(repo.parent / "pyproject.toml", '[tool.cardlint]\nselect = ["CL1"]\n')
    assert find_config([repo / "models"]) == outer
    assert load_settings([repo / "models"]).select == ("CL1",)


def test_cardlint_toml_beats_pyproject_in_the_same_folder(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.cardlint]\nselect = ["CL1"]\n')
    config = write(repo / ".cardlint.toml", 'select = ["CL2"]\n')
    assert find_config([repo / "models"]) == config


def test_the_nearest_file_wins_and_nothing_is_merged(repo: Path) -> None:
    write(repo / ".cardlint.toml", 'select = ["CL1"]\nignore = ["CL101"]\n')
    nearer = write(repo / "models" / "pyproject.toml", '[tool.cardlint]\nselect = ["CL2"]\n')
    settings = load_settings([repo / "models" / "lab"])
    assert (settings.source, settings.select, settings.ignore) == (nearer, ("CL2",), ())


def test_config_option_overrides_discovery(repo: Path) -> None:
    write(repo / ".cardlint.toml", 'select = ["CL1"]\n')
    other = write(repo.parent / "elsewhere.toml", 'select = ["CL4"]\n')
    settings = load_settings([repo / "models"], config=other)
    assert (settings.source, settings.select) == (other, ("CL4",))


def test_config_option_needs_an_existing_file_with_settings(repo: Path) -> None:
    with pytest.raises(SettingsError, match=r"missing\.toml: no such file"):
        load_settings([repo], config=repo / "missing.toml")
    write(repo / "pyproject.toml", "[project]\nname = 'x'\n")
    with pytest.raises(SettingsError, match=r"pyproject\.toml: no \[tool\.cardlint\] table"):
        load_settings([repo], config=repo / "pyproject.toml")


def test_isolated_ignores_every_file(repo: Path) -> None:
    write(repo / ".cardlint.toml", 'selekt = "broken anyway"\n')
    assert load_settings([repo / "models"], isolated=True) == Settings()
    with pytest.raises(SettingsError, match="cannot be used together"):
        load_settings([repo], config=repo / ".cardlint.toml", isolated=True)


@pytest.mark.parametrize(
    ("text", "position"),
    [('select = ["CL1"]\nignore = [\n', "3:1"), ('select = ["CL1"]\nignore = CL3\n', "2:10")],
)
def test_invalid_toml_names_the_file_and_line(repo: Path, text: str, position: str) -> None:
    write(repo / ".cardlint.toml", text)
    with pytest.raises(SettingsError) as raised:
        load_settings([repo])
    assert str(raised.value).startswith(f"repo/.cardlint.toml:{position}: invalid TOML: ")
    assert "(at " not in str(raised.value)


def test_settings_error_is_a_usage_error() -> None:
    assert issubclass(SettingsError, UsageError)


# --- every key is checked ---

BAD_VALUES = [
    ("select", '"CL3"', "must be an array of strings"),
    ("select", '["CL999"]', 'unknown rule code or prefix "CL999"'),
    ("select", '["cl3"]', 'unknown rule code or prefix "cl3"'),
    ("ignore", "[3]", "must be an array of strings"),
    ("ignore", '["CL8"]', 'unknown rule code or prefix "CL8"'),
    ("extend-select", '["E501"]', 'unknown rule code or prefix "E501"'),
    ("per-file-ignores", '["x"]', "must be a table"),
    ("per-file-ignores", '{ "models/**" = "CL1" }', "must be an array of strings"),
    ("per-file-ignores", '{ "models/**" = ["CL3001"] }', 'unknown rule code or prefix "CL3001"'),
    ("per-file-ignores", '{ "" = ["CL1"] }', "empty pattern"),
    ("exclude", '"drafts"', "must be an array of strings"),
    ("exclude", '[""]', "empty pattern"),
    ("root", "3", "must be a folder path"),
    ("root", '"no-such-folder"', "is not a directory"),
    ("card-glob", '""', "must be a non-empty string"),
    ("labs-dir", '"orgs"', 'can only be "labs" in this version, not "orgs"'),
    ("card-glob", '"cards/*/*.md"', 'can only be "models/*/*.md" in this version'),
    ("architectures-dir", "[]", "must be a non-empty string"),
    ("link-allowlist", '"../../issues"', "must be an array of strings"),
    ("ratio-rounding", '"round"', 'must be one of ceil, half-even, half-up, floor, not "round"'),
    ("ratio-rounding", "1", "must be one of"),
    ("verdict-threshold", "2.5", "must be an integer, not 2.5"),
    ("verdict-threshold", "true", "must be an integer, not true"),
    ("verdict-threshold", "-1", "must be at least 0, not -1"),
    ("verdict-good", '""', "must be a non-empty string"),
    ("verdict-bad", "1", "must be a non-empty string"),
    ("alscore-divisor", "0", "must be above 0"),
    ("alscore-divisor", '"300"', 'must be a number, not "300"'),
    ("alscore-divisor", "nan", "must be a number"),
    ("alscore-decimals", "1.0", "must be an integer"),
    ("alscore-decimals", "9", "must be between 0 and 6"),
    ("formula-text", "3", "must be a non-empty string"),
    ("tiers", "3", "must be a table"),
    ("tiers", "{ Low = -1 }", "must be at least 0"),
    ("tiers", '[[1, "A"], [1, "B"]]', "repeats a bound"),
    ("tiers", '[[1, "A"], [2, "A"]]', "repeats a label"),
    ("tiers", "[[1]]", "must be a table"),
    ("tiers", "{}", "at least one tier"),
    ("mmlu-exceptional", "101", "at most 100"),
    ("mmlu-strong", "95", "must not exceed mmlu-exceptional"),
    ("gpqa-outstanding", "-1", "must be at least 0"),
    ("gpqa-good", "true", "must be a number"),
    ("analysis-mmlu-exceptional", "[]", "must be a non-empty string"),
    ("analysis-mmlu-strong", "{}", "must be a non-empty string"),
    ("analysis-gpqa-outstanding", "0", "must be a non-empty string"),
    ("analysis-gpqa-good", '" "', "must be a non-empty string"),
    ("sota-tag", "1", "must be a non-empty string"),
    ("reasoning-tag", "false", "must be a non-empty string"),
    ("overview-sota-reasoning", '"{name} wins"', "unknown placeholder {name}"),
    ("overview-sota", '"{title"', "is not a valid template"),
    ("overview-reasoning", '"{} reasons"', "unknown placeholder {}"),
    ("overview-default", '"{title.upper}"', "unknown placeholder {title.upper}"),
    ("untagged-tagline", "1", "must be a non-empty string"),
    ("no-tags-line", '""', "must be a non-empty string"),
    ("access-emoji", '"🟢"', "must be a table"),
    ("access-emoji", "{ Public = 1 }", "must be a non-empty string"),
]


def test_every_key_has_a_bad_value_case() -> None:
    assert {key for key, _, _ in BAD_VALUES} == set(KEYS)


@pytest.mark.parametrize("name", [".cardlint.toml", "pyproject.toml"])
@pytest.mark.parametrize(("key", "value", "problem"), BAD_VALUES)
def test_a_bad_value_names_the_key_and_the_file(
    repo: Path, name: str, key: str, value: str, problem: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        settings_from(repo, f"{key} = {value}\n", name)
    table = "[tool.cardlint] " if name == "pyproject.toml" else ""
    message = str(raised.value)
    assert message.startswith(f"repo/{name}: {table}{key}")
    assert problem in message


def test_the_message_of_the_brief_word_for_word(repo: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        settings_from(repo, 'ratio-rounding = "round"\n', "pyproject.toml")
    assert str(raised.value) == (
        "repo/pyproject.toml: [tool.cardlint] ratio-rounding must be one of"
        ' ceil, half-even, half-up, floor, not "round"'
    )


def test_an_unknown_key_is_named_with_a_suggestion(repo: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        settings_from(repo, 'selekt = ["CL1"]\n')
    assert str(raised.value) == 'repo/.cardlint.toml: unknown key "selekt"; did you mean "select"?'


def test_tool_cardlint_must_be_a_table(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool]\ncardlint = "yes"\n')
    with pytest.raises(SettingsError, match=r"\[tool\.cardlint\] must be a table"):
        load_settings([repo])


def test_every_config_field_has_exactly_one_key() -> None:
    fields = [field for field, _ in CONVENTIONS.values()]
    assert sorted(fields) == sorted(f.name for f in dataclasses.fields(Config))


# --- conventions reach the formulas ---


def test_changed_conventions_reach_ratio_and_alscore(repo: Path) -> None:
    settings = settings_from(repo, 'ratio-rounding = "half-even"\nalscore-divisor = 250\n')
    config = settings.config
    assert (derive.ratio(2.0, 5.0), derive.ratio(2.0, 5.0, config)) == (3, 2)
    assert (derive.alscore(100, 1000), derive.alscore(100, 1000, config)) == (1.1, 1.3)
    assert config.formula_text == "√(Parameters × Tokens) ÷ 250"
    assert config.tiers == DEFAULT.tiers


def test_an_explicit_formula_text_is_kept(repo: Path) -> None:
    config = settings_from(repo, 'alscore-divisor = 250\nformula-text = "√(P × T) ÷ 250"\n').config
    assert config.formula_text == "√(P × T) ÷ 250"


@pytest.mark.parametrize(
    "tiers",
    [
        "{ Small = 0, Frontier = 25, Strong = 5 }",
        '[[5, "Strong"], [0, "Small"], [25, "Frontier"]]',
    ],
)
def test_tiers_in_either_form_are_sorted_descending(repo: Path, tiers: str) -> None:
    config = settings_from(repo, f"tiers = {tiers}\n", "pyproject.toml").config
    assert config.tiers == ((25.0, "Frontier"), (5.0, "Strong"), (0.0, "Small"))
    assert derive.alscore_text(100, 1000, config) == "1.1 (Small)"


def test_every_convention_key_sets_its_field() -> None:
    table = {
        "card-glob": "models/*/*.md",
        "labs-dir": "labs",
        "architectures-dir": "architectures",
        "link-allowlist": ["../../wiki"],
        "verdict-threshold": 25,
        "verdict-good": "good",
        "verdict-bad": "bad",
        "alscore-decimals": 2,
        "mmlu-exceptional": 95,
        "mmlu-strong": 85.5,
        "gpqa-outstanding": 70,
        "gpqa-good": 50,
        "analysis-mmlu-exceptional": "a",
        "analysis-mmlu-strong": "b",
        "analysis-gpqa-outstanding": "c",
        "analysis-gpqa-good": "d",
        "sota-tag": "Top",
        "reasoning-tag": "Thinks",
        "overview-sota-reasoning": "{title} top thinker",
        "overview-sota": "{title} top",
        "overview-reasoning": "{title} thinks",
        "overview-default": "{title} by {org}",
        "untagged-tagline": "LLM",
        "no-tags-line": "none",
        "access-emoji": {"Open": "O"},
    }
    config = build(table)
    for key, value in table.items():
        expected = tuple(value) if isinstance(value, list) else value
        expected = tuple(value.items()) if isinstance(value, dict) else expected
        assert getattr(config, CONVENTIONS[key][0]) == expected, key
    assert derive.verdict(24, config) == "bad"
    assert derive.overview_sentence("M", "Lab", [], config) == "M by Lab"
    assert derive.lab_link("Big Lab", config) == "../../labs/big-lab.md"


def test_root_is_relative_to_the_config_file(repo: Path) -> None:
    (repo / "site").mkdir()
    settings = settings_from(repo, 'root = "site"\n')
    assert settings.root == repo / "site"
    assert settings_from(repo, 'root = "."\n').root == repo


# --- rule selection ---


def selection(**keys: object) -> Settings:
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in keys.items()}
    return Settings(**fields)  # type: ignore[arg-type]


def enabled(settings: Settings, *codes: str) -> list[bool]:
    return [is_enabled(code, settings) for code in codes]


def test_everything_is_selected_by_default() -> None:
    assert enabled_codes(Settings()) == {rule.code for rule in registry.all_rules()}
    assert all(enabled(Settings(), "CL101", "CL304", "CL404", "CL901"))


def test_select_a_family_but_ignore_one_rule() -> None:
    settings = selection(select=["CL3"], ignore=["CL304"])
    assert enabled(settings, "CL301", "CL313", "CL304", "CL101") == [True, True, False, False]


def test_the_more_specific_select_beats_a_family_ignore() -> None:
    settings = selection(select=["CL304"], ignore=["CL3"])
    assert enabled(settings, "CL304", "CL301", "CL101") == [True, False, False]
    settings = selection(ignore=["CL3"], extend_select=["CL304"])
    assert enabled(settings, "CL304", "CL301", "CL101") == [True, False, True]


def test_ignore_wins_at_equal_specificity_and_prefixes_nest() -> None:
    assert enabled(selection(select=["CL304"], ignore=["CL304"]), "CL304") == [False]
    settings = selection(ignore=["CL30"], extend_select=["CL3"])
    assert enabled(settings, "CL301", "CL309", "CL310", "CL101") == [False, False, True, True]
    assert enabled_codes(selection(ignore=["ALL"])) == frozenset()
    assert enabled_codes(selection(select=["CL"], ignore=["CL9"])) == enabled_codes(
        selection(ignore=["CL9"])
    )


def test_extend_select_adds_to_select() -> None:
    settings = selection(select=["CL1"], extend_select=["CL304"])
    assert enabled(settings, "CL101", "CL304", "CL301") == [True, True, False]


def test_per_file_ignores_apply_to_matching_paths(repo: Path) -> None:
    settings = settings_from(
        repo,
        """\
        [per-file-ignores]
        "models/**/drafts/*.md" = ["CL3"]
        "README.md" = ["ALL"]
        "models/lab/b.md" = ["CL401"]
        """,
    )
    draft = repo / "models" / "lab" / "drafts" / "x.md"
    assert is_enabled("CL304", settings, draft) is False
    assert is_enabled("CL101", settings, draft) is True
    assert is_enabled("CL304", settings, repo / "models" / "lab" / "a.md") is True
    assert is_enabled("CL304", settings, "repo/models/drafts/y.md") is False  # ** spans none
    assert is_enabled("CL101", settings, repo / "labs" / "README.md") is False  # by name
    assert is_enabled("CL401", settings, repo / "models" / "lab" / "b.md") is False
    assert is_enabled("CL402", settings, repo / "models" / "lab" / "b.md") is True
    assert is_enabled("CL304", settings) is True


def test_exclude_matches_files_and_folders(repo: Path) -> None:
    settings = settings_from(repo, 'exclude = ["drafts", "models/old/**", "*.tmp.md", "[x]?.md"]\n')
    assert is_excluded(repo / "models" / "lab" / "drafts" / "a.md", settings)
    assert is_excluded(repo / "models" / "old" / "lab" / "a.md", settings)
    assert is_excluded(repo / "models" / "lab" / "a.tmp.md", settings)
    assert is_excluded(repo / "models" / "lab" / "x1.md", settings)
    assert not is_excluded(repo / "models" / "lab" / "a.md", settings)
    assert not is_excluded(repo / "models" / "lab" / "y1.md", settings)
    assert not is_excluded(repo.parent / "drafts.md", settings)  # outside the config's folder


@pytest.mark.parametrize(
    ("selector", "valid"),
    [
        ("ALL", True),
        ("CL", True),
        ("CL3", True),
        ("CL30", True),
        ("CL304", True),
        ("CL999", False),
        ("CL8", False),
        ("CL3001", False),
        ("cl304", False),
        ("all", False),
        ("C", False),
        ("", False),
    ],
)
def test_selectors_must_start_a_registered_code(selector: str, valid: bool) -> None:
    assert is_selector(selector) is valid


# --- command-line selection ---


def test_cli_select_starts_over() -> None:
    file = selection(select=["CL3"], ignore=["CL304"], extend_select=["CL401"])
    settings = with_cli(file, select="CL1,CL304")
    assert enabled(settings, "CL101", "CL304", "CL301", "CL401") == [True, True, False, False]


def test_cli_ignore_and_extend_select_adjust_the_file() -> None:
    file = selection(select=["CL3"], ignore=["CL304"])
    assert enabled(with_cli(file, ignore="CL301"), "CL301", "CL302", "CL304") == [
        False,
        True,
        False,
    ]
    # The command line comes later, so its broader extend-select re-enables what the file ignored.
    assert enabled(with_cli(file, extend_select=["CL3", "CL4"]), "CL304", "CL401") == [True, True]


def test_cli_accepts_repeated_and_comma_separated_options() -> None:
    settings = with_cli(Settings(), select=("CL101, CL102", "CL2"))
    assert enabled_codes(settings) == {"CL101", "CL102"} | {
        code for code in enabled_codes(Settings()) if code.startswith("CL2")
    }
    assert with_cli(Settings(), select=(), ignore=None) == Settings()


def test_cli_rejects_unknown_codes() -> None:
    with pytest.raises(SettingsError, match='--ignore: unknown rule code or prefix "CL999"'):
        with_cli(Settings(), ignore="CL3,CL999")


def test_per_file_ignores_still_apply_after_cli_select(repo: Path) -> None:
    settings = settings_from(repo, '[per-file-ignores]\n"models/**" = ["CL304"]\n')
    settings = with_cli(settings, select="CL304")
    assert is_enabled("CL304", settings, repo / "models" / "lab" / "a.md") is False
    assert is_enabled("CL304", settings, repo / "README.md") is True


# --- describe ---


def test_describe_lists_every_key_with_its_origin(repo: Path) -> None:
    settings = settings_from(repo, 'ignore = ["CL4"]\nalscore-divisor = 250\n', "pyproject.toml")
    text = describe(with_cli(settings, extend_select="CL401"))
    lines = text.splitlines()
    assert lines[0] == "# settings from repo/pyproject.toml"
    for key in KEYS:
        assert any(re.match(rf"(# )?{re.escape(key)} = ", line) for line in lines), key
    assert 'ignore = ["CL4"]  # repo/pyproject.toml' in lines
    assert 'select = ["ALL"]  # default' in lines
    assert "alscore-divisor = 250.0  # repo/pyproject.toml" in lines
    assert 'formula-text = "√(Parameters × Tokens) ÷ 250"  # repo/pyproject.toml' in text
    assert '"Extremely powerful" = 20.0' in text
    assert "# command line: --extend-select=CL401" in lines
    assert re.search(r"^# enabled rules \(\d+ of \d+\): CL101, .*CL401", text, re.MULTILINE)
    assert "CL402" not in lines[-1]


def test_describe_without_a_file() -> None:
    text = describe(Settings())
    assert text.startswith("# no config file: every key is a default\n")
    assert "# root = (not set" in text
    assert all(line.endswith("# default") for line in text.splitlines()[1:-1])


# --- the documentation ---


def test_docs_describe_every_key_and_their_examples_load(repo: Path) -> None:
    text = DOCS.read_text("utf-8")
    for key in KEYS:
        assert f"| `{key}` |" in text, key
    examples = re.findall(r"```toml\n(.*?)```", text, re.DOTALL)
    assert len(examples) == 2
    (repo / "site").mkdir()
    cardlint_toml = write(repo / "site" / ".cardlint.toml", examples[0])
    settings = load_settings([cardlint_toml.parent])
    assert settings.config.ratio_rounding == "half-even"
    assert settings.per_file_ignores[1] == ("README.md", ("ALL",))
    pyproject = write(repo / "pyproject.toml", examples[1])
    settings = load_settings([repo / "models"])
    assert (settings.source, settings.root) == (pyproject, repo)
    assert settings.config.tiers[-1] == (0.0, "Everything else")
