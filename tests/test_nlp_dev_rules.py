"""The dev rules that choose the document label's thresholds (nlp.dev_rules), and the command that prints
them beside the shipped ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nlp.dev_rules import PostReads, post_entity_threshold, post_event_rule, post_threshold
from tests.conftest import REPO, crawl_env


def test_post_threshold_is_the_largest_that_keeps_nearly_every_dev_post_a_post() -> None:
    probabilities = [0.95] * 97 + [0.85, 0.75, 0.65]  # 100 dev posts
    assert post_threshold(probabilities, kept=0.99) == 0.7  # 0.8 keeps 98 of them
    assert post_threshold(probabilities, kept=0.97) == 0.9
    assert post_threshold([0.1] * 10) == 0.5  # none is kept anywhere: the smallest of the grid


def test_post_entity_threshold_is_the_lowest_that_keeps_the_dev_figure() -> None:
    # 20 posts: the forum head is right on all but four bearish posts, which name entities judged negative
    # at 0.9 (two) and 0.75 (two); six bullish posts name entities judged negative at 0.8
    gold = [0] * 8 + [1] * 6 + [2] * 6
    stance = [0, 0, 0, 0, 1, 1, 1, 1] + [1] * 6 + [2] * 6
    entity = [0.0] * 4 + [0.9, 0.9, 0.75, 0.75] + [0.0] * 6 + [0.8] * 6
    choice = post_entity_threshold(gold, stance, entity, target=0.5, grid=(0.95, 0.9, 0.8, 0.7))
    assert choice.figures[0.95] == choice.alone < choice.figures[0.9]  # the two at 0.9 are found
    assert choice.figures[0.8] < choice.alone  # ... but at 0.8 the bullish posts turn bearish
    assert choice.threshold == 0.9 and choice.standard_error > 0
    # a target the rule cannot keep: no threshold
    assert post_entity_threshold(gold, stance, entity, target=0.99, grid=(0.9,)).threshold is None


def test_the_event_backed_post_rule_is_kept_only_when_it_keeps_the_dev_figure() -> None:
    # 20 posts as above, with the entity rule at 0.9; two bearish posts the entity rule misses (0.75) report a
    # risk event, and so do two bullish posts whose entities are judged negative at 0.8
    gold = [0] * 8 + [1] * 6 + [2] * 6
    stance = [0, 0, 0, 0, 1, 1, 1, 1] + [1] * 6 + [2] * 6
    entity = [0.0] * 4 + [0.9, 0.9, 0.75, 0.75] + [0.0] * 6 + [0.8] * 6
    event = [0.0] * 6 + [0.9, 0.9] + [0.0] * 6 + [0.0] * 6
    choice = post_entity_threshold(gold, stance, entity, target=0.5, grid=(0.9,))
    found = post_event_rule(gold, stance, entity, event, choice, 0.9, 0.5, target=0.5)
    assert found.keep and found.changed == 2 and found.figure > found.without
    # the two bullish posts with events turn bearish: the figure falls below the forum head alone's
    costly = post_event_rule(gold, stance, entity, [0.0] * 14 + [0.9] * 6, choice, 0.9, 0.5, target=0.5)
    assert costly.changed == 6 and costly.figure < choice.alone - choice.standard_error and not costly.keep
    # an event below the threshold changes nothing
    assert post_event_rule(gold, stance, entity, [0.4] * 20, choice, 0.9, 0.5, target=0.5).changed == 0


def test_with_posts_of_other_crawls_the_event_backed_rule_must_not_lose_there() -> None:
    # FinFE dev as above: the rule keeps the dev figure. Other crawls' posts decide the rest: here the rule
    # finds two bearish posts the entity rule missed; there it turns two neutral posts with events bearish.
    gold = [0] * 8 + [1] * 6 + [2] * 6
    stance = [0, 0, 0, 0, 1, 1, 1, 1] + [1] * 6 + [2] * 6
    entity = [0.0] * 4 + [0.9, 0.9, 0.75, 0.75] + [0.0] * 6 + [0.8] * 6
    event = [0.0] * 6 + [0.9, 0.9] + [0.0] * 12
    choice = post_entity_threshold(gold, stance, entity, target=0.5, grid=(0.9,))
    posts = ([0, 0, 1, 1, 2], [1, 1, 1, 1, 2], [0.6, 0.6, 0.0, 0.0, 0.0])
    helps = PostReads(*posts, risk_event=[0.8, 0.8, 0.0, 0.0, 0.0])
    found = post_event_rule(gold, stance, entity, event, choice, 0.9, 0.5, target=1.01, other=helps)
    assert found.keep and found.other_figure > found.other_without  # the target is FinFE's alone, unused
    harms = PostReads(*posts[:2], [0.0, 0.0, 0.6, 0.6, 0.0], risk_event=[0.0, 0.0, 0.8, 0.8, 0.0])
    lost = post_event_rule(gold, stance, entity, event, choice, 0.9, 0.5, target=0.5, other=harms)
    assert not lost.keep and lost.other_figure < lost.other_without and lost.figure > lost.without
    # without posts of other crawls, FinFE dev must also reach the target (here one above any figure)
    assert not post_event_rule(gold, stance, entity, event, choice, 0.9, 0.5, target=1.01).keep


def test_evaluate_dev_rules_prints_both_thresholds(tiny_model_dir: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "riskwatch", "--config", str(REPO / "configs" / "riskwatch.yaml"), "evaluate",
         "--model", str(tiny_model_dir), "--dev-rules", "--limit", "40"],
        capture_output=True, text=True, env={**crawl_env(), "COLUMNS": "120"}, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "FinFE dev (40 posts)" in completed.stdout
    assert "POST_THRESHOLD" in completed.stdout and "POST_ENTITY_THRESHOLD" in completed.stdout
    event_row = next(line for line in completed.stdout.splitlines() if "POST_EVENT_THRESHOLD" in line)
    assert ("keep" in event_row or "drop" in event_row) and "entity rule alone" in event_row
