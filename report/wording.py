"""Data-dependent wording: turn figures into keywords the templates choose their phrasing from.

Templates never compare numbers themselves, so a new period's data changes the words in every language alike.

A difference is claimed in words ("up", "higher": "en hausse", "surreprésentée") only when a statistical test at
the configured level (`comparisons.level`, 95 % by default) finds it, and, for changes of counts, only when it is
also larger than the stable band (`comparisons.stable_band`): the method note states both from the same figures.

- Two counts of one thing in two months (9 vendors, then 10): the exact conditional test of two Poisson counts
  (given the total, the later count is binomial with p = 1/2).
- Two shares (13 % of 112 listings against 11 % of 11 026): Fisher's exact test when an expected cell is under 5,
  else the two-proportion z-test with a pooled proportion.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Literal, Mapping

from .model import Figure

STABLE_BAND = 0.05  # a change within +/- 5 % reads as stable, whatever the test says
LEVEL = 0.95  # the confidence level of the tests, unless the config says otherwise
FISHER_BELOW = 5  # an expected cell count under this: Fisher's exact test instead of the z-test
_RELATIVE_TIE = 1 + 1e-7  # probabilities this close to the observed one count as equally extreme (as in R and SciPy)

Direction = Literal["up", "down", "stable", "unknown"]
Comparison = Literal["higher", "lower", "similar", "unknown"]


# ---------------------------------------------------------------------------------------------------------------
# The tests (two-sided p-values), in plain math.

def binomial_p(k: int, n: int, p: float = 0.5) -> float:
    """Exact two-sided binomial test: the probability of an outcome at most as likely as `k` of `n`."""
    if n == 0:
        return 1.0
    probabilities = [_binomial_pmf(i, n, p) for i in range(n + 1)]
    observed = probabilities[k]
    return min(1.0, sum(q for q in probabilities if q <= observed * _RELATIVE_TIE))


def _binomial_pmf(k: int, n: int, p: float) -> float:
    if p in (0.0, 1.0):
        return float(k == (n if p == 1.0 else 0))
    return math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p))


def poisson_counts_p(first: int, last: int) -> float:
    """Two counts over equal spans (one month each): the exact conditional test that they share one rate."""
    return binomial_p(last, first + last)


def fisher_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Fisher's exact test, two-sided, of x1 of n1 against x2 of n2 (the 2x2 table's margins held fixed)."""
    ticked, total = x1 + x2, n1 + n2
    low, high = max(0, ticked - n2), min(n1, ticked)

    def log_pmf(a: int) -> float:
        return _log_comb(n1, a) + _log_comb(n2, ticked - a) - _log_comb(total, ticked)

    observed = log_pmf(x1)
    limit = observed + math.log(_RELATIVE_TIE)
    return min(1.0, sum(math.exp(value) for a in range(low, high + 1) if (value := log_pmf(a)) <= limit))


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """The two-proportion z-test with a pooled proportion, two-sided."""
    pooled = (x1 + x2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / spread
    return math.erfc(abs(z) / math.sqrt(2))


def proportions_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two shares compared: Fisher's exact test when an expected cell is under FISHER_BELOW, else the z-test."""
    if n1 <= 0 or n2 <= 0:
        return 1.0
    ticked, total = x1 + x2, n1 + n2
    expected = [n * share for n in (n1, n2) for share in (ticked / total, 1 - ticked / total)]
    if min(expected) < FISHER_BELOW:
        return fisher_p(x1, n1, x2, n2)
    return two_proportion_p(x1, n1, x2, n2)


# ---------------------------------------------------------------------------------------------------------------
# The keywords the outline and the prose choose their words from.

@dataclass(frozen=True)
class Rule:
    """When a difference may be put into words: tested at `level`; a change of counts also beyond `band`."""

    level: float = LEVEL
    band: float = STABLE_BAND

    @property
    def alpha(self) -> float:
        return 1 - self.level


def count_direction(first: int, last: int, rule: Rule = Rule()) -> Direction:
    """'up' or 'down' when two counts differ beyond the band and significantly at the rule's level, else 'stable'."""
    if first < 0 or last < 0:
        return "unknown"
    if first == last or (first > 0 and abs(last - first) / first <= rule.band):
        return "stable"
    if poisson_counts_p(first, last) >= rule.alpha:
        return "stable"
    return "up" if last > first else "down"


def direction(figure: Figure, rule: Rule = Rule()) -> Direction:
    """The direction of a relative change figure (its base is the first count): 'unknown' when not computed."""
    if not figure.available or not isinstance(figure.value, (int, float)):
        return "unknown"
    if figure.base is None:  # a change without its counts cannot be tested: only the band applies
        return "up" if figure.value > rule.band else "down" if figure.value < -rule.band else "stable"
    first = int(figure.base)
    return count_direction(first, round(first * (1 + float(figure.value))), rule)


def portion(figure: Figure) -> str:
    """How a share reads in words: none, few (< 10 %), minority, half, majority, most (>= 90 %), all."""
    if not figure.available or not isinstance(figure.value, (int, float)):
        return "unknown"
    share = float(figure.value)
    if share <= 0:
        return "none"
    if share >= 1:
        return "all"
    if share >= 0.9:
        return "most"
    if share > 0.5:
        return "majority"
    if share == 0.5:
        return "half"
    if share < 0.1:
        return "few"
    return "minority"


def _counts(figure: Figure) -> tuple[int, int] | None:
    """(count, base) of a share figure, or None when it has no value or no base."""
    if not figure.available or not isinstance(figure.value, (int, float)) or not figure.base:
        return None
    return round(float(figure.value) * figure.base), int(figure.base)


def compare(left: Figure, right: Figure, rule: Rule = Rule(), part_of: bool = False) -> Comparison:
    """'higher' or 'lower' when the share `left` differs significantly from the share `right`, else 'similar'.

    With `part_of`, the units of `left` are among those of `right` (a country's listings among all listings):
    `left` is then tested against the rest of `right`, so that the two groups are apart.
    """
    first, second = _counts(left), _counts(right)
    if first is None or second is None:
        return "unknown"
    (x1, n1), (x2, n2) = first, second
    if part_of:
        x2, n2 = x2 - x1, n2 - n1
        if n2 <= 0 or x2 < 0:
            return "unknown"
    if x1 * n2 == x2 * n1 or proportions_p(x1, n1, x2, n2) >= rule.alpha:
        return "similar"
    return "higher" if x1 * n2 > x2 * n1 else "lower"


@dataclass(frozen=True)
class Difference:
    """One key whose share in a group differs significantly from its share overall."""

    key: str
    kind: Literal["higher", "lower"]
    gap: float  # left share minus right share (a fraction)


def largest_differences(pairs: Iterable[tuple[str, Figure, Figure]], rule: Rule = Rule(), part_of: bool = False,
                        limit: int = 3) -> list[Difference]:
    """The significant differences among (key, share in the group, share overall), largest gap first (ties by key)."""
    found = []
    for key, left, right in pairs:
        kind = compare(left, right, rule, part_of)
        if kind in ("higher", "lower"):
            found.append(Difference(key, kind, float(left.value) - float(right.value)))  # type: ignore[arg-type]
    return sorted(found, key=lambda d: (-abs(d.gap), d.key))[:limit]


def is_zero(figure: Figure) -> bool:
    """True for a figure known to be zero (so the text can say 'none')."""
    return figure.available and figure.value == 0


def rule_of(figures: Mapping[str, Figure]) -> Rule:
    """The rule a build states in its figures (`comparisons.level`, `comparisons.stable_band`), else the defaults."""
    def number(figure_id: str, default: float) -> float:
        figure = figures.get(figure_id)
        return float(figure.value) if figure is not None and isinstance(figure.value, (int, float)) else default

    return Rule(number("comparisons.level", LEVEL), number("comparisons.stable_band", STABLE_BAND))
