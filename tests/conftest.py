from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

FIXTURES = Path(__file__).parent / "fixtures"
CARDS = FIXTURES / "cards"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "llm-leaderboard"

settings.register_profile(
    "ci",
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=3000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


# Tests lint trees inside the checkout: no `.cardlint_cache` may appear there. The cache
# tests turn it back on in their own temporary trees.
os.environ["CARDLINT_NO_CACHE"] = "1"


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "models").is_dir():
        pytest.skip("the real corpus (../shared/corpus/llm-leaderboard) is not present")
    return CORPUS
