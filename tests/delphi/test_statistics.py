"""The figures of a round against examples worked by hand and against numpy.percentile and
statistics.quantiles(method="inclusive"), which the contract names (R's type 7)."""

from __future__ import annotations

import random
import statistics as python_statistics

import numpy
import pytest

from server.delphi.models import Consensus
from server.delphi.statistics import figures, moved_percent
from tests.delphi.conftest import IQR_RULE, PERCENT_RULE


def test_quartiles_of_four_ratings_interpolate_between_order_statistics():
    # Positions (n-1)p: 0.75, 1.5, 2.25 -> 1 + 0.75, 2 + 0.5, 3 + 0.25.
    result = figures([4, 1, 3, 2], PERCENT_RULE, 1, 9)
    assert (result.q1, result.median, result.q3) == (1.75, 2.5, 3.25)


def test_quartiles_of_five_ratings_fall_on_order_statistics():
    result = figures([9, 7, 8, 9, 7], PERCENT_RULE, 1, 9)
    assert (result.q1, result.median, result.q3) == (7, 8, 9)


def test_one_rating_is_every_quartile():
    result = figures([5], PERCENT_RULE, 1, 9)
    assert (result.n, result.q1, result.median, result.q3) == (1, 5, 5, 5)
    assert result.distribution == {str(point): int(point == 5) for point in range(1, 10)}


def test_no_rating_gives_no_figures_and_no_consensus():
    result = figures([], PERCENT_RULE, 1, 9)
    assert (result.n, result.median, result.agree_percent) == (0, None, None)
    assert result.consensus == Consensus.NONE


def test_exactly_the_threshold_agreeing_is_consensus_in():
    # 7 of 10 agree: at least 70 %; 1 of 10 disagrees: fewer than 15 %.
    result = figures([7] * 7 + [5, 5, 3], PERCENT_RULE, 1, 9)
    assert (result.agree_percent, result.disagree_percent) == (70.0, 10.0)
    assert result.consensus == Consensus.IN


def test_opposition_of_exactly_max_opposite_prevents_consensus():
    # 14 of 20 agree (70 %), but 3 of 20 disagree: 15 % is not fewer than 15 %.
    result = figures([8] * 14 + [5, 5, 5, 2, 2, 2], PERCENT_RULE, 1, 9)
    assert (result.agree_percent, result.disagree_percent) == (70.0, 15.0)
    assert result.consensus == Consensus.NONE


def test_just_under_the_threshold_is_no_consensus():
    # 69 of 100 agree.
    result = figures([9] * 69 + [5] * 31, PERCENT_RULE, 1, 9)
    assert result.consensus == Consensus.NONE


def test_a_panel_that_disagrees_reaches_consensus_out():
    result = figures([1] * 8 + [5, 9], PERCENT_RULE, 1, 9)
    assert (result.agree_percent, result.disagree_percent) == (10.0, 80.0)
    assert result.consensus == Consensus.OUT


def test_iqr_rule_in_out_and_none_by_hand():
    # [7, 7, 8, 8]: q1 at 0.75 is 7, q3 at 2.25 is 8; IQR 1 <= 1 and median 7.5 >= 7.
    assert figures([7, 7, 8, 8], IQR_RULE, 1, 9).consensus == Consensus.IN
    # [2, 3, 3, 4]: q1 2.75, q3 3.25, median 3 <= 3.
    assert figures([2, 3, 3, 4], IQR_RULE, 1, 9).consensus == Consensus.OUT
    # [3, 5, 7, 9]: IQR 3.
    assert figures([3, 5, 7, 9], IQR_RULE, 1, 9).consensus == Consensus.NONE
    # Narrow but in the middle: neither.
    assert figures([5, 5, 5], IQR_RULE, 1, 9).consensus == Consensus.NONE


def test_an_iqr_of_exactly_max_iqr_counts_without_rounding_errors():
    # Positions 1.5 and 4.5 of [6, 7, 8, 8, 8, 9, 9]: q1 7.5, q3 8.5, an IQR of exactly 1.
    ratings = [6, 7, 8, 8, 8, 9, 9]
    rule = {**IQR_RULE, "max_iqr": 0.5}
    assert figures(ratings, rule, 1, 9).consensus == Consensus.NONE  # IQR 1.0 > 0.5
    assert figures(ratings, {**IQR_RULE, "max_iqr": 1}, 1, 9).consensus == Consensus.IN


def test_all_equal_ratings_are_consensus_under_both_rules():
    assert figures([8] * 12, PERCENT_RULE, 1, 9).consensus == Consensus.IN
    assert figures([8] * 12, IQR_RULE, 1, 9).consensus == Consensus.IN
    assert figures([2] * 12, IQR_RULE, 1, 9).consensus == Consensus.OUT


@pytest.mark.parametrize("seed", range(200))
def test_quartiles_match_numpy_and_the_inclusive_method_for_random_panels(seed):
    generator = random.Random(seed)
    scale_max = generator.randint(5, 9)
    # Small panels give many ties; even and odd counts both come up.
    ratings = [generator.randint(1, scale_max) for _ in range(generator.randint(1, 160))]
    result = figures(ratings, PERCENT_RULE | {"agree_from": scale_max - 1, "disagree_to": 2}, 1, scale_max)
    expected = numpy.percentile(ratings, [25, 50, 75])
    assert [result.q1, result.median, result.q3] == pytest.approx(list(expected), abs=1e-12)
    if len(ratings) > 1:
        inclusive = python_statistics.quantiles(ratings, n=4, method="inclusive")
        assert [result.q1, result.median, result.q3] == pytest.approx(inclusive, abs=1e-12)
    assert sum(result.distribution.values()) == len(ratings)


@pytest.mark.parametrize("seed", range(200))
def test_both_rules_agree_with_their_wording_for_random_panels(seed):
    generator = random.Random(1000 + seed)
    ratings = [generator.choice([1, 2, 3, 7, 8, 9, 5]) for _ in range(generator.randint(1, 40))]
    n = len(ratings)
    agree = sum(rating >= 7 for rating in ratings) / n * 100
    disagree = sum(rating <= 3 for rating in ratings) / n * 100
    if agree >= 70 - 1e-9 and disagree < 15 - 1e-9:
        expected = Consensus.IN
    elif disagree >= 70 - 1e-9 and agree < 15 - 1e-9:
        expected = Consensus.OUT
    else:
        expected = Consensus.NONE
    assert figures(ratings, PERCENT_RULE, 1, 9).consensus == expected
    q1, median, q3 = numpy.percentile(ratings, [25, 50, 75])
    if q3 - q1 <= 1 + 1e-9 and median >= 7:
        expected_iqr = Consensus.IN
    elif q3 - q1 <= 1 + 1e-9 and median <= 3:
        expected_iqr = Consensus.OUT
    else:
        expected_iqr = Consensus.NONE
    assert figures(ratings, IQR_RULE, 1, 9).consensus == expected_iqr


def test_stability_is_the_share_of_those_rating_twice_who_moved_more_than_a_point():
    before = {"a": 3, "b": 5, "c": 7}
    after = {"a": 5, "b": 6, "d": 1}
    # a moved 2 (counts), b moved 1 (does not); c and d rated once only.
    assert moved_percent(before, after) == 50.0
    assert moved_percent({"a": 1}, {"b": 1}) is None
