"""The figures of a Delphi round, exactly as the contract defines them ("Delphi studies"):
quartiles by linear interpolation between order statistics (numpy.percentile's default, R's
type 7, statistics.quantiles(method="inclusive")), percentages over the ratings given, the
two kinds of consensus rule, and stability between rounds.

Pure functions of plain numbers: the same figures for the results route, the export and the
tests, and nothing here waits on the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from server.delphi.models import Consensus, ConsensusKind


def quantile(ordered: Sequence[int], fraction: Fraction) -> float:
    """The quantile at `fraction` (0..1) of ratings in ascending order, by linear
    interpolation between the order statistics around position (n - 1) * fraction (R type 7)."""
    return float(exact_quantile(ordered, (len(ordered) - 1) * fraction))


def exact_quantile(ordered: Sequence[int], position: Fraction) -> Fraction:
    # Exact arithmetic: a boundary such as an IQR of exactly 1 is never 1.0000000002.
    below = int(position)  # floor: the position is never negative
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


@dataclass(frozen=True, slots=True)
class Figures:
    n: int
    median: float | None
    q1: float | None
    q3: float | None
    agree_percent: float | None
    disagree_percent: float | None
    distribution: dict[str, int]
    consensus: Consensus


def percent(count: int, n: int) -> float:
    return round(100 * count / n, 2)


def figures(ratings: Sequence[int], rule: Mapping[str, Any], scale_min: int, scale_max: int) -> Figures:
    """A statement's figures over the ratings given to it in one round (no rating is not a rating)."""
    ordered = sorted(ratings)
    counts = Counter(ordered)
    distribution = {str(value): counts.get(value, 0) for value in range(scale_min, scale_max + 1)}
    n = len(ordered)
    if n == 0:
        return Figures(0, None, None, None, None, None, distribution, Consensus.NONE)
    agree = sum(1 for rating in ordered if rating >= rule["agree_from"])
    disagree = sum(1 for rating in ordered if rating <= rule["disagree_to"])
    median = quantile(ordered, Fraction(1, 2))
    q1 = quantile(ordered, Fraction(1, 4))
    q3 = quantile(ordered, Fraction(3, 4))
    return Figures(
        n=n,
        median=median,
        q1=q1,
        q3=q3,
        agree_percent=percent(agree, n),
        disagree_percent=percent(disagree, n),
        distribution=distribution,
        consensus=consensus(rule, n=n, agree=agree, disagree=disagree, ordered=ordered),
    )


def consensus(
    rule: Mapping[str, Any], *, n: int, agree: int, disagree: int, ordered: Sequence[int]
) -> Consensus:
    """The contract's two kinds, word for word; counts are compared as whole numbers
    (100 * count against threshold * n), so that 70 % is at least 70 % without rounding."""
    if rule["kind"] == ConsensusKind.PERCENT:
        threshold, max_opposite = rule["threshold"], rule["max_opposite"]
        # "at least threshold %" agree and "fewer than max_opposite %" disagree.
        if 100 * agree >= threshold * n and 100 * disagree < max_opposite * n:
            return Consensus.IN
        if 100 * disagree >= threshold * n and 100 * agree < max_opposite * n:
            return Consensus.OUT
        return Consensus.NONE
    last = len(ordered) - 1
    q1 = exact_quantile(ordered, last * Fraction(1, 4))
    q3 = exact_quantile(ordered, last * Fraction(3, 4))
    median = exact_quantile(ordered, last * Fraction(1, 2))
    if q3 - q1 <= Fraction(str(rule["max_iqr"])):
        if median >= rule["agree_from"]:
            return Consensus.IN
        if median <= rule["disagree_to"]:
            return Consensus.OUT
    return Consensus.NONE


def moved_percent(before: Mapping[Any, int], after: Mapping[Any, int]) -> float | None:
    """Stability between two rounds: the share of panellists who rated the statement in both
    whose rating moved by more than one point; None when nobody rated it in both."""
    both = before.keys() & after.keys()
    if not both:
        return None
    moved = sum(1 for who in both if abs(after[who] - before[who]) > 1)
    return percent(moved, len(both))
