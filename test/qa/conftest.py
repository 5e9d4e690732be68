import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[3] / 'shared' / 'fixtures' / 'savvy_release'
GTAVMAP = FIXTURES / 'gtavmap_sample.json'


@pytest.fixture(scope='session')
def phrase_matcher():
    from savvy_ros.qa.phrase_matcher import EmbeddingPhraseMatcher
    return EmbeddingPhraseMatcher()


@pytest.fixture(scope='session')
def bench_items():
    if not GTAVMAP.is_file():
        pytest.skip(f'benchmark fixtures not found at {FIXTURES}')
    return json.loads(GTAVMAP.read_text())
