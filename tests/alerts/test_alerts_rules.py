"""Each rule type under a frozen clock against a real SQLite store filled with tagged documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.engine import Evaluator
from alerts.state import AlertState
from indexer.sqlite import SqliteStore
from tests.alerts.support import AT, doc, hours, write_alerting

FILE = {"out": {"type": "file", "path": "outbox"}}


def evaluate(tmp_path: Path, store: SqliteStore, rule: dict) -> dict[str, float]:
    """Opened alerts at AT: entity id -> the figure that crossed the line."""
    config = write_alerting(tmp_path, [{"window": "24h", "channels": ["out"], **rule}], FILE)
    with AlertState(config.state_path) as state:
        report = Evaluator(store, config, state).evaluate(AT)
        return {state.get(i).entity_id: state.get(i).figure for i in report.opened}


def test_threshold_counts_documents_or_distinct_stories(tmp_path: Path, store: SqliteStore) -> None:
    store.put(
        [
            doc("hongyuan", AT - hours(1), cluster="story-a"),
            doc("hongyuan", AT - hours(2), cluster="story-a"),  # a reprint of the same story
            doc("hongyuan", AT - hours(3), cluster="story-b"),
            doc("hongyuan", AT - hours(30)),  # outside the 24h window
            doc("hongyuan", AT - hours(1), negative=False),
            doc("mingchuan", AT - hours(1)),
            doc("mingchuan", AT - hours(2)),
        ]
    )
    documents = evaluate(tmp_path / "a", store, {"name": "vol", "type": "threshold", "min_count": 3})
    assert documents == {"hongyuan": 3}
    stories = evaluate(
        tmp_path / "b", store, {"name": "vol", "type": "threshold", "count": "stories", "min_count": 2}
    )
    assert stories == {"hongyuan": 2, "mingchuan": 2}
    assert (
        evaluate(
            tmp_path / "c", store, {"name": "vol", "type": "threshold", "count": "stories", "min_count": 3}
        )
        == {}
    )


def test_spike_compares_with_the_average_of_preceding_windows(tmp_path: Path, store: SqliteStore) -> None:
    documents = []
    for day in range(1, 8):  # one negative document a day for the week before: average 1
        documents.append(doc("hongyuan", AT - hours(24 * day + 5)))
        documents += [doc("mingchuan", AT - hours(24 * day + 5)) for _ in range(2)]  # average 2
    documents += [doc("hongyuan", AT - hours(n)) for n in (1, 2, 3)]  # 3 = 3 x 1: a spike
    documents += [doc("mingchuan", AT - hours(n)) for n in (1, 2, 3, 4, 5)]  # 5 < 3 x 2: no spike
    documents += [doc("anhe", AT - hours(n)) for n in (1, 2)]  # 0 before, but 2 < min_count
    store.put(documents)
    rule = {"name": "spike", "type": "spike", "baseline": "7d", "ratio": 3, "min_count": 3}
    assert evaluate(tmp_path, store, rule) == {"hongyuan": 3}
    with AlertState(tmp_path / "alerts.db") as state:
        (alert,) = state.list()
    assert alert.baseline == 1.0 and alert.threshold == 3.0
    assert "平均每24小时 1.0 篇" in alert.summary


def test_ratio_needs_share_and_volume(tmp_path: Path, store: SqliteStore) -> None:
    store.put(
        [doc("hongyuan", AT - hours(n), negative=n != 4) for n in (1, 2, 3, 4)]  # 3 of 4 negative
        + [doc("mingchuan", AT - hours(n), negative=n == 1) for n in (1, 2, 3, 4)]  # 1 of 4
        + [doc("anhe", AT - hours(1))]  # 1 of 1, but too few documents
    )
    rule = {"name": "share", "type": "ratio", "min_ratio": 0.6, "min_docs": 3}
    assert evaluate(tmp_path / "a", store, rule) == {"hongyuan": 0.75}
    assert evaluate(tmp_path / "b", store, {**rule, "min_docs": 5}) == {}


def test_event_rule_fires_on_chosen_types_for_the_entity(tmp_path: Path, store: SqliteStore) -> None:
    store.put(
        [
            doc("hongyuan", AT - hours(2), events=["债务违约"]),
            doc("mingchuan", AT - hours(2), events=["高管负面"]),  # a type the rule does not watch
            doc("anhe", AT - hours(30), events=["债务违约"]),  # outside the window
        ]
    )
    fired = evaluate(
        tmp_path, store, {"name": "events", "type": "event", "event_types": ["债务违约", "立案调查"]}
    )
    assert fired == {"hongyuan": 1}


@pytest.mark.parametrize(
    ("entities", "expected"),
    [
        ("all", {"hongyuan", "mingchuan"}),
        (["mingchuan"], {"mingchuan"}),
        ({"tags": ["real-estate"]}, {"hongyuan"}),
    ],
)
def test_entity_selection(tmp_path: Path, store: SqliteStore, entities, expected) -> None:
    store.put([doc(e, AT - hours(1)) for e in ("hongyuan", "mingchuan")])
    rule = {"name": "vol", "type": "threshold", "min_count": 1, "entities": entities}
    assert set(evaluate(tmp_path, store, rule)) == expected


class CountingStore:
    """The real store, counting the calls the evaluator makes."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.calls: list[tuple[str, int]] = []

    def entity_counts(self, windows, entity_ids=None):
        self.calls.append(("entity_counts", len(windows)))
        return self.store.entity_counts(windows, entity_ids)

    def negative_documents(self, entity_id, window, limit):
        self.calls.append(("negative_documents", limit))
        return self.store.negative_documents(entity_id, window, limit)


def test_all_rules_share_one_counts_call(tmp_path: Path, store: SqliteStore) -> None:
    store.put(
        [
            doc(e, AT - hours(n), events=["债务违约"])
            for e in ("hongyuan", "mingchuan", "anhe")
            for n in (1, 2, 3)
        ]
    )
    rules = [
        {"name": "vol", "type": "threshold", "min_count": 3},
        {"name": "spike", "type": "spike", "baseline": "3d", "ratio": 2, "min_count": 3},
        {"name": "share", "type": "ratio", "min_ratio": 0.5, "min_docs": 2},
        {"name": "events", "type": "event", "event_types": ["债务违约"]},
    ]
    config = write_alerting(tmp_path, [{"window": "24h", "channels": ["out"], **r} for r in rules], FILE)
    counting = CountingStore(store)
    with AlertState(config.state_path) as state:
        report = Evaluator(counting, config, state).evaluate(AT)  # type: ignore[arg-type]
    counts_calls = [c for c in counting.calls if c[0] == "entity_counts"]
    assert counts_calls == [("entity_counts", 4)]  # the 24h window plus the spike's three baseline windows
    assert len(report.opened) == 12  # 4 rules x 3 entities; evidence fetched only for those 12
    assert sum(1 for c in counting.calls if c[0] == "negative_documents") == 12
