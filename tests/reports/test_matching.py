"""Matching exposure rows to the watchlist: id first, then name or alias; unmatched rows kept with a reason."""

from __future__ import annotations

from decimal import Decimal

from nlp.watchlist import WatchedEntity
from reports.exposure_file import ExposureRow
from reports.exposures import MatchedExposure, UnmatchedExposure, match_exposures


def row(number: int, counterparty_id: str = "", name: str = "", aliases: tuple[str, ...] = ()) -> ExposureRow:
    return ExposureRow(number, counterparty_id, name, aliases, Decimal(1), "CNY")


def test_id_then_name_then_alias(watchlist: list[WatchedEntity]) -> None:
    rows = [
        row(2, "hongyuan", "a name the watchlist does not know"),  # the id wins
        row(3, "HongYuan"),  # ids compare case-folded
        row(4, "C-1", "明川科技股份有限公司"),  # an unknown id falls back to the name
        row(5, "", "青石矿业有限公司"),  # not on the watchlist
        row(6, "", "安和食品有限公司"),  # a different suffix: both strip to 安和食品
        row(7, "", "某某公司", ("星海", "002999")),  # the ticker alias
        row(8, "", "蜂鸟科技"),  # a brand's alias
    ]
    matching = match_exposures(rows, watchlist)
    matched = {m.row.row: (m.entity.id, m.matched_by) for m in matching.matched}
    assert matched == {
        2: ("hongyuan", "id"),
        3: ("hongyuan", "id"),
        4: ("mingchuan", "name"),
        6: ("anhe", "name"),
        7: ("xinghai", "alias"),
        8: ("xiaofeng", "name"),
    }
    assert [(u.row.row, u.reason) for u in matching.unmatched] == [
        (5, "not on the watchlist (no id, name or alias matches)")
    ]


def test_full_width_and_case_are_folded(watchlist: list[WatchedEntity]) -> None:
    matching = match_exposures(
        [row(2, "", "鸿远地产集团股份有限公司"), row(3, "", "鸿远地产（集团）")], watchlist
    )
    assert [m.entity.id for m in matching.matched] == ["hongyuan", "hongyuan"]


def test_ambiguous_names_are_not_guessed() -> None:
    watchlist = [
        WatchedEntity(id="a", name="长河银行股份有限公司", aliases=["长河银行"]),
        WatchedEntity(id="b", name="长河银行", aliases=[]),
    ]
    result = match_exposures([row(2, "", "长河银行")], watchlist)
    assert not result.matched
    (unmatched,) = result.unmatched
    assert isinstance(unmatched, UnmatchedExposure) and unmatched.reason == "ambiguous: the name matches a, b"


def test_every_row_is_kept_in_file_order(watchlist: list[WatchedEntity]) -> None:
    rows = [
        row(n, "", name) for n, name in enumerate(["青石矿业", "安和食品", "云帆航运", "明川科技"], start=2)
    ]
    matching = match_exposures(rows, watchlist)
    assert [m.row.row for m in matching.matched] == [3, 5]
    assert [u.row.row for u in matching.unmatched] == [2, 4]
    assert all(isinstance(m, MatchedExposure) for m in matching.matched)
