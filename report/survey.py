"""Codebook-driven survey statistics with disclosure control; no display strings here."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Iterable

import pandas as pd

from .errors import ConfigError, InputError
from .model import CROSSTAB_COLUMN_TYPES, CROSSTAB_ROW_TYPES, Codebook, Figure, Figures, Question, SurveyStats, Unit, frozen_tables

Z95 = 1.959963984540054
TABLE_COLUMNS = ["key", "kind", "count", "share", "ci_low", "ci_high", "suppressed", "reason", "bound", "bound_value", "merged"]
OTHER = "other"  # the key of the merged row of small answers ("other answers")
# Reasons in words, without numbers: they are published (figures.json, notes) and must not give a count away.
REASON_CELL = "fewer respondents gave this answer than the publication threshold"
REASON_BASE = "fewer respondents answered than the publication threshold"
REASON_SECONDARY = "hidden so that a smaller hidden answer cannot be worked out from the total"
REASON_BOUNDED = "given only as a bound, so that a smaller hidden answer cannot be worked out from the total"
REASON_ATTRIBUTE = "given only as a bound: on a small base, all or none would disclose each respondent's answer"
REASON_MERGED = "counted with the other small answers"
STEP = 0.05  # bounds are multiples of 5 %


@dataclass(frozen=True)
class Disclosure:
    threshold: int = 10
    indicative_base: int = 30
    attribute: str = "bound"  # a 0 % or 100 % on a base under indicative_base: "bound" or "suppress"

    def small(self, count: int) -> bool:
        """A cell or base from 1 to threshold - 1 could point at individuals."""
        return 0 < count < self.threshold


def wilson(successes: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval for a proportion."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    # Rounding can put a bound a hair past the estimate at p = 0 or 1; the interval always contains p.
    return (max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)))


def _is_missing(value: str, question: Question) -> bool:
    return question.is_missing(value)


def _refuse_undeclared(question: Question, frame: pd.DataFrame) -> None:
    """A value the codebook does not declare is an error, never silently some other answer (load.py names the file)."""
    for column in question.columns.values():
        values = frame[column].fillna("")
        wrong = values[~values.map(question.accepts)]
        if len(wrong):
            raise InputError(f"column {column}: '{wrong.iloc[0]}' is not a code of question '{question.id}' in the codebook",
                             where=f"survey:{int(wrong.index[0]) + 2}")


def _answer_rows(counts: Iterable[tuple[str, int]], base: int, rule: Disclosure) -> list[dict[str, Any]]:
    rows = []
    for key, count in counts:
        rows.append(_row(key, "answer", count, base))
    return rows


def _row(key: str, kind: str, count: int, base: int, merged: str | None = None) -> dict[str, Any]:
    low, high = wilson(count, base) if base else (None, None)
    return {"key": key, "kind": kind, "count": count, "share": count / base if base else None, "ci_low": low,
            "ci_high": high, "suppressed": False, "reason": None, "bound": None, "bound_value": None, "merged": merged}


def _cell_range(k: int, low: int, high: int, rule: Disclosure) -> int:
    """How many values one of k hidden cells (each 1..threshold-1) can take when they add up to low..high."""
    top = rule.threshold - 1
    least, most = max(1, low - top * (k - 1)), min(top, high - (k - 1))
    return most - least + 1


def _lead_bound(lead: int, rest: int, k: int, base: int, rule: Disclosure) -> float | None:
    """The largest step s with lead / base > s that still leaves each of the k hidden cells two values or more.

    The attacker knows rest (= lead + the hidden cells), k and base, and which steps would have been safe: a safe step
    above the chosen one tells him lead / base is at most that step. Safety depends on public numbers only.
    """
    steps = [round(i * STEP, 2) for i in range(int(0.5 / STEP), int(1 / STEP))]
    safe_above: float | None = None
    chosen = None
    for step in reversed(steps):
        low_lead = math.floor(step * base) + 1  # lead / base > step
        high_lead = math.floor(safe_above * base) if safe_above is not None else rest - k
        hidden_low, hidden_high = max(k, rest - high_lead), min(k * (rule.threshold - 1), rest - low_lead)
        safe = hidden_low <= hidden_high and _cell_range(k, hidden_low, hidden_high, rule) >= 2
        if safe:
            if chosen is None and lead / base > step:
                chosen = step
            safe_above = step
    return chosen


def _suppress(rows: list[dict[str, Any]], base: int, rule: Disclosure, exclusive: bool) -> None:
    """Primary suppression of small cells and bases; then, where the total would give a hidden cell away, small
    answers merged ("other answers"), the largest answer given as a bound, or (last resort) a second cell hidden."""
    if rule.small(base):
        for row in rows:
            row.update(suppressed=True, reason=REASON_BASE)
        return
    for row in rows:
        if rule.small(row["count"]):
            row.update(suppressed=True, reason=REASON_CELL)
    hidden = [row for row in rows if row["suppressed"]]
    if exclusive and hidden:
        _protect_total(rows, hidden, base, rule)
    _attribute(rows, base, rule, exclusive)


def _protect_total(rows: list[dict[str, Any]], hidden: list[dict[str, Any]], base: int, rule: Disclosure) -> None:
    k, total = len(hidden), sum(row["count"] for row in hidden)
    if k >= 2 and rule.threshold <= total < base and _cell_range(k, total, total, rule) >= 2:
        keys = "|".join(str(row["key"]) for row in hidden)
        for row in hidden:
            row["merged"] = OTHER
        rows.append(_row(OTHER, "merged", total, base, merged=keys))
        return
    shown = [row for row in rows if not row["suppressed"] and row["kind"] == "answer"]
    if shown:
        lead = max(shown, key=lambda r: (r["count"], str(r["key"])))
        rest = lead["count"] + total
        step = _lead_bound(lead["count"], rest, k, base, rule)
        if step is not None:
            lead.update(bound="above", bound_value=step, reason=REASON_BOUNDED)
            return
    while True:  # hide the next smallest shown cells until the hidden ones keep two values each
        candidates = sorted((r for r in rows if not r["suppressed"] and r["count"] > 0 and r["kind"] == "answer"),
                            key=lambda r: (r["count"], str(r["key"])))
        if not candidates:
            return
        candidates[0].update(suppressed=True, reason=REASON_SECONDARY)
        secondary = [r for r in rows if r["reason"] == REASON_SECONDARY]
        together = total + sum(r["count"] for r in secondary)
        high = min(k * (rule.threshold - 1), together - rule.threshold * len(secondary))  # secondaries are >= threshold
        if high >= k and _cell_range(k, k, high, rule) >= 2:
            return


def _attribute(rows: list[dict[str, Any]], base: int, rule: Disclosure, exclusive: bool) -> None:
    """All or none of a small group gave an answer: say "more than / less than" (or hide it), never 100 % or 0 %.

    Bounds depend on the base alone, so they tell nothing the base does not. In a single-choice table the total would
    give a bounded 0 back when every other answer is exact: the largest answer is then bounded too, below the
    lowest value it can take (known from the published cells), so it adds nothing either.
    """
    if base == 0 or base >= rule.indicative_base:
        return
    extreme = [row for row in rows if not row["suppressed"] and not row["bound"] and row["kind"] == "answer"
               and row["count"] in (0, base)]
    if not extreme:
        return
    if rule.attribute == "suppress":
        for row in (rows if exclusive else extreme):
            if not row["suppressed"]:
                row.update(suppressed=True, reason=REASON_ATTRIBUTE, bound=None, bound_value=None)
        return
    for row in extreme:
        if row["count"] == base:  # the largest step under (base - 1) / base: base - 1 stays possible
            row.update(bound="above", bound_value=_step_below((base - 1) / base), reason=REASON_ATTRIBUTE)
        else:  # the smallest step over 1 / base: 1 stays possible
            row.update(bound="below", bound_value=(math.floor(1 / base / STEP + 1e-9) + 1) * STEP, reason=REASON_ATTRIBUTE)
    if exclusive and not any(row["suppressed"] or row["bound"] == "above" for row in rows):
        exact = [row for row in rows if not row["bound"] and not row["suppressed"] and row["kind"] == "answer"]
        if exact:
            lead = max(exact, key=lambda r: (r["count"], str(r["key"])))
            zeros = sum(1 for row in rows if row["bound"] == "below")
            lowest = base - sum(row["count"] for row in exact if row is not lead) - zeros
            lead.update(bound="above", bound_value=_step_below(lowest / base), reason=REASON_BOUNDED)


def _step_below(share: float) -> float:
    """The largest multiple of STEP strictly below `share` (0 at least)."""
    return round(max(0.0, (math.ceil(share / STEP - 1e-9) - 1) * STEP), 2)


def _single(question: Question, column: pd.Series, rule: Disclosure) -> tuple[pd.DataFrame, int, int, int]:
    values = column.fillna("")
    missing = int(values.map(lambda v: _is_missing(v, question)).sum())
    dont_know = int(values.isin(question.dont_know).sum())
    answered = values[~values.map(lambda v: _is_missing(v, question)) & ~values.isin(question.dont_know)]
    known = [code for code in question.labels if code not in question.dont_know]
    base = len(answered)
    rows = _answer_rows(((code, int((answered == code).sum())) for code in known), base, rule)
    _suppress(rows, base, rule, exclusive=True)
    return pd.DataFrame(rows, columns=TABLE_COLUMNS), base, missing, dont_know


def _multi(question: Question, frame: pd.DataFrame, rule: Disclosure) -> tuple[pd.DataFrame, int, int]:
    columns = frame[list(question.columns.values())].fillna("")
    answered_mask = ~columns.apply(lambda col: col.map(lambda v: _is_missing(v, question))).all(axis=1)
    answered = columns[answered_mask]
    base = len(answered)
    counts = [(option, int(answered[column].isin(question.ticked).sum())) for option, column in question.columns.items()]
    rows = _answer_rows(counts, base, rule)
    _suppress(rows, base, rule, exclusive=False)
    return pd.DataFrame(rows, columns=TABLE_COLUMNS), base, len(frame) - base


def _numeric(question: Question, column: pd.Series, rule: Disclosure) -> tuple[pd.DataFrame, pd.Series, int]:
    values = column.fillna("")
    kept = values[~values.map(lambda v: _is_missing(v, question)) & ~values.isin(question.dont_know)]
    numbers = pd.to_numeric(kept, errors="coerce")
    if numbers.isna().any():
        bad = kept[numbers.isna()].index[0]
        raise InputError(f"column {question.columns['value']}: '{values[bad]}' is not a number", where=f"survey:{int(bad) + 2}")
    categories = _bracket_of(numbers, question)
    keys = [str(index) for index in range(len(question.brackets))]
    # Small brackets are merged with a neighbour first: "1 000 € or more" beats two hidden cells.
    keys, categories = _merge_small_brackets(keys, categories, {"all": categories.notna()}, rule)
    counts = [(key, int((categories == key).sum())) for key in keys]
    rows = _answer_rows(counts, len(numbers), rule)
    _suppress(rows, len(numbers), rule, exclusive=True)
    return pd.DataFrame(rows, columns=TABLE_COLUMNS), numbers, len(values) - len(numbers)


def _share_figures(prefix: str, table: pd.DataFrame, base: int, rule: Disclosure) -> list[Figure]:
    """A count and a share per row; a bounded share's count is hidden (the bound is all that is published)."""
    figures = []
    for row in table.itertuples():
        bound = row.bound if isinstance(row.bound, str) else None
        bound_value = float(row.bound_value) if bound else None
        hidden = bool(row.suppressed)
        reason = row.reason if hidden or bound else None
        figures.append(Figure(f"{prefix}.{row.key}.count", int(row.count), "count", base=base, suppressed=hidden or bound is not None,
                              reason=reason))
        figures.append(Figure(f"{prefix}.{row.key}.share", row.share, "share", base=base, ci_low=row.ci_low, ci_high=row.ci_high,
                              suppressed=hidden, reason=reason, bound=bound, bound_value=bound_value))  # type: ignore[arg-type]
    return figures


def _combined_share(prefix: str, table: pd.DataFrame, keys: Iterable[str], base: int, rule: Disclosure) -> Figure:
    """The share of several answers together (the top two of a scale, the brackets above a value)."""
    keys = list(keys)
    chosen = table.key.isin(keys) & (table.kind == "answer")
    count = int(table[chosen]["count"].sum())
    # A sum of hidden cells is safe only if it could be derived from shown cells anyway.
    secret = table.suppressed.astype(bool) | table.bound.map(lambda b: isinstance(b, str))
    answers = table.kind == "answer"
    derivable = not secret[chosen].any() or not secret[~chosen & answers].any()
    if base == 0:
        return Figure(prefix, None, "share", base=0, reason="no answers")
    if rule.small(base):
        return Figure(prefix, None, "share", base=base, suppressed=True, reason=REASON_BASE)
    if rule.small(count) or rule.small(base - count) or not derivable or (base < rule.indicative_base and count in (0, base)):
        return Figure(prefix, None, "share", base=base, suppressed=True, reason=REASON_SECONDARY)
    low, high = wilson(count, base)
    return Figure(prefix, count / base if base else None, "share", base=base, ci_low=low, ci_high=high)


def _at_least(figure_id: str, table: pd.DataFrame, index: int, base: int, rule: Disclosure) -> Figure:
    """The share at or above bracket `index`, unless a merged bracket straddles that bound."""
    parts = [[int(part) for part in key.split("+")] for key in table.key]
    if any(min(p) < index <= max(p) for p in parts):
        return Figure(figure_id, None, "share", base=base, reason="bound falls inside a merged bracket")
    keys = [key for key, p in zip(table.key, parts) if min(p) >= index]
    return _combined_share(figure_id, table, keys, base, rule)


def _nonresponse_figures(prefix: str, base: int, missing: int, dont_know: int, rule: Disclosure) -> list[Figure]:
    """Missing and "don't know" answers, counted apart; "don't know" also as a share of all who answered (base + them).

    A small don't-know count is hidden, and the missing count with it: respondents - base - missing would give it back.
    """
    answered = base + dont_know
    hidden = rule.small(dont_know)
    reason = REASON_CELL if hidden else None
    share_hidden = hidden or rule.small(answered)
    low, high = wilson(dont_know, answered) if answered else (None, None)
    return [Figure(f"{prefix}.missing", missing, "count", suppressed=hidden, reason=REASON_SECONDARY if hidden else None),
            Figure(f"{prefix}.dont_know", dont_know, "count", base=answered, suppressed=hidden, reason=reason),
            Figure(f"{prefix}.dont_know.share", dont_know / answered if answered else None, "share", base=answered,
                   ci_low=low, ci_high=high, suppressed=share_hidden,
                   reason=(reason or REASON_BASE) if share_hidden else None)]


def _hide_small_base(computed: tuple[pd.DataFrame | None, list[Figure]], rule: Disclosure, exclusive: bool
                     ) -> tuple[pd.DataFrame | None, list[Figure]]:
    """A question answered by 1 to threshold - 1 respondents: its base is hidden, and the missing count with it
    (respondents minus missing would give the base back); the answers are already hidden. So is the base of a
    single-choice question whose answers are all hidden when the base alone would pin them (9 + 9 = 18)."""
    table, figures = computed
    if table is None:
        return computed
    answers = table[table.kind == "answer"]
    hidden = answers[answers.suppressed.astype(bool) & (answers["count"] > 0)]
    total = int(answers["count"].sum())
    pinned = exclusive and len(hidden) and len(hidden) == int((answers["count"] > 0).sum()) \
        and _cell_range(len(hidden), total, total, rule) < 2
    bases = [f for f in figures if f.id.endswith(".base") and isinstance(f.value, int) and (rule.small(f.value) or pinned)]
    if not bases:
        return computed
    stem = bases[0].id[: -len(".base")]
    hide = {f"{stem}.base": REASON_BASE if rule.small(int(bases[0].value or 0)) else REASON_SECONDARY,
            f"{stem}.missing": REASON_SECONDARY, f"{stem}.dont_know.share": REASON_SECONDARY}

    def hidden_base(figure: Figure) -> Figure:
        if figure.id in hide:
            return replace(figure, suppressed=True, reason=hide[figure.id])
        return replace(figure, base=None) if figure.id == f"{stem}.dont_know" else figure  # its base holds the base

    return table, [hidden_base(f) for f in figures]


def _question_figures(question: Question, frame: pd.DataFrame, rule: Disclosure) -> tuple[pd.DataFrame | None, list[Figure]]:
    prefix = f"survey.{question.id}"
    _refuse_undeclared(question, frame)
    if question.type in ("single", "scale"):
        table, base, missing, dont_know = _single(question, frame[question.columns["value"]], rule)
        figures = [Figure(f"{prefix}.base", base, "count"), *_nonresponse_figures(prefix, base, missing, dont_know, rule)]
        figures += _share_figures(prefix, table, base, rule)
        if question.top:
            figures.append(_combined_share(f"{prefix}.top.share", table, question.top, base, rule))
        return table, figures
    if question.type == "multi":
        table, base, missing = _multi(question, frame, rule)
        figures = [Figure(f"{prefix}.base", base, "count"), Figure(f"{prefix}.missing", missing, "count")]
        return table, figures + _share_figures(prefix, table, base, rule)
    if question.type == "numeric":
        table, numbers, missing = _numeric(question, frame[question.columns["value"]], rule)
        base = len(numbers)
        hidden = rule.small(base) or base == 0
        reason = "no answers" if base == 0 else REASON_BASE if hidden else None
        figures = [Figure(f"{prefix}.base", base, "count"), Figure(f"{prefix}.missing", missing, "count")]
        for name, value in (("median", numbers.median()), ("q1", numbers.quantile(0.25)), ("q3", numbers.quantile(0.75)),
                            ("mean", numbers.mean())):
            figures.append(Figure(f"{prefix}.{name}", None if hidden else float(value), "number", base=base,
                                  suppressed=hidden, reason=reason))
        figures += _share_figures(f"{prefix}.bracket", table, base, rule)
        for index, bracket in enumerate(question.brackets):
            if "lower" in bracket:
                figures.append(_at_least(f"{prefix}.at_least.{bracket['lower']:g}.share", table, index, base, rule))
                unit: Unit = "eur" if (question.unit or "").upper() == "EUR" else "number"
                figures.append(Figure(f"{prefix}.at_least.{bracket['lower']:g}.value", bracket["lower"], unit))
        return table, figures
    answered = int((~frame[question.columns["value"]].fillna("").map(lambda v: _is_missing(v, question))).sum())
    return None, [Figure(f"{prefix}.answered", answered, "count")]


def _bracket_of(numbers: pd.Series, question: Question) -> pd.Series:
    """The codebook bracket (as its index, a string) each number falls in."""
    categories = pd.Series([None] * len(numbers), index=numbers.index, dtype=object)
    for index, bracket in enumerate(question.brackets):
        inside = (numbers >= bracket.get("lower", -math.inf)) & (numbers < bracket.get("upper", math.inf))
        categories[inside] = str(index)
    return categories


def _row_categories(question: Question, frame: pd.DataFrame) -> pd.Series:
    """Each respondent's answer category (code or bracket index), None when not validly answered."""
    values = frame[question.columns["value"]].fillna("")
    valid = ~values.map(lambda v: _is_missing(v, question)) & ~values.isin(question.dont_know)
    if question.type == "numeric":
        return _bracket_of(pd.to_numeric(values.where(valid), errors="coerce"), question)
    return values.where(valid, None)


def _column_groups(question: Question, frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Respondents in each column group: who ticked an option (multi) or gave an answer (single)."""
    if question.type == "multi":
        columns = frame[list(question.columns.values())].fillna("")
        answered = ~columns.apply(lambda col: col.map(lambda v: _is_missing(v, question))).all(axis=1)
        return {option: answered & frame[column].isin(question.ticked) for option, column in question.columns.items()}
    values = frame[question.columns["value"]].fillna("")
    return {code: values == code for code in question.labels if code not in question.dont_know}


def _merge_small_brackets(keys: list[str], categories: pd.Series, groups: dict[str, pd.Series],
                          rule: Disclosure) -> tuple[list[str], pd.Series]:
    """Merge neighbouring brackets while one is too small in a group that is big enough to show.

    Merging keeps a table useful where suppression would blank it; merged keys read `2+3+4`.
    """
    def small_somewhere(key: str, current: pd.Series) -> bool:
        for members in groups.values():
            answered = current[members & current.notna()]
            if not rule.small(len(answered)) and rule.small(int((answered == key).sum())):
                return True
        return False

    while len(keys) > 1:
        small = [index for index, key in enumerate(keys) if small_somewhere(key, categories)]
        if not small:
            break
        index = small[0]
        neighbour = index + 1 if index == 0 else index - 1
        if 0 < index < len(keys) - 1:  # inside: merge with the smaller neighbour
            below, above = (int((categories == keys[i]).sum()) for i in (index - 1, index + 1))
            neighbour = index - 1 if below <= above else index + 1
        first, second = sorted((index, neighbour))
        merged = f"{keys[first]}+{keys[second]}"
        categories = categories.replace({keys[first]: merged, keys[second]: merged})
        keys = keys[:first] + [merged] + keys[second + 1:]
    return keys, categories


def crosstab(rows: Question, columns: Question, frame: pd.DataFrame, rule: Disclosure,
             secret: frozenset[str] = frozenset()) -> tuple[pd.DataFrame, list[Figure]]:
    """Row answers within each column group (e.g. spending brackets of those who buy for friends), column percent.

    A group whose answer the column question's own table hides or bounds (`secret`) is hidden whole: its base would
    give that count back.
    """
    if rows.type not in CROSSTAB_ROW_TYPES or columns.type not in CROSSTAB_COLUMN_TYPES:
        raise ConfigError(f"cannot cross {rows.id} ({rows.type}) with {columns.id} ({columns.type})")
    categories = _row_categories(rows, frame)
    keys = [str(i) for i in range(len(rows.brackets))] if rows.type == "numeric" else [c for c in rows.labels if c not in rows.dont_know]
    groups = _column_groups(columns, frame)
    if rows.type == "numeric":
        keys, categories = _merge_small_brackets(keys, categories, groups, rule)
    prefix = f"survey.crosstab.{rows.id}.{columns.id}"
    answered = {group: categories[members & categories.notna()] for group, members in groups.items()}
    bases = {group: len(values) for group, values in answered.items()}
    reasons = {group: REASON_BASE if rule.small(base) else REASON_SECONDARY if group in secret else None
               for group, base in bases.items()}
    if columns.type != "multi":
        _protect_group_bases(bases, reasons, int(categories.notna().sum()), rule)
    records, figures = [], []
    for group, values in answered.items():
        base, reason = bases[group], reasons[group]
        cells = _answer_rows(((key, int((values == key).sum())) for key in keys), base, rule)
        _suppress(cells, base, rule, exclusive=True)
        if reason == REASON_SECONDARY:
            for cell in cells:
                cell.update(suppressed=True, reason=reason, bound=None, bound_value=None)
        figures.append(Figure(f"{prefix}.{group}.base", base, "count", suppressed=reason is not None, reason=reason))
        figures += _share_figures(f"{prefix}.{group}", pd.DataFrame(cells, columns=TABLE_COLUMNS), base, rule)
        records += [{"group": group, "base": base, **cell} for cell in cells]
    return pd.DataFrame(records, columns=["group", "base", *TABLE_COLUMNS]), figures


REASON_CROSSTAB = "hidden with the whole table: its shown cells and totals would let a hidden one be worked out"


def _margins_pin(table: pd.DataFrame, rows_table: pd.DataFrame | None, rule: Disclosure) -> bool:
    """Whether the crosstab's shown cells and its totals narrow a hidden cell down to one value: each group's total
    (its base) and each row's total where the row question's own table shows that answer (the groups of a
    single-choice column question split its respondents). A cell hidden for being small is known to lie in
    1..threshold-1; every other hidden cell in 0..its group's base. Narrow each range by every total until nothing
    moves, as an attacker would; a range of one value is a leak. Every group total counts as known (the safe side)."""
    answers = table[table.kind == "answer"]
    value = {(str(r.group), str(r.key)): int(r.count) for r in answers.itertuples()}
    hidden = {(str(r.group), str(r.key)): r for r in answers.itertuples() if r.suppressed or isinstance(r.bound, str)}
    if not hidden:
        return False
    low = {cell: (1 if row.reason == REASON_CELL else 0) for cell, row in hidden.items()}
    high = {cell: (rule.threshold - 1 if row.reason == REASON_CELL else int(row.base)) for cell, row in hidden.items()}
    totals = [{cell for cell in value if cell[0] == group} for group in {cell[0] for cell in value}]
    if rows_table is not None:
        shown = {str(row.key) for row in rows_table[rows_table.kind == "answer"].itertuples()
                 if not row.suppressed and not isinstance(row.bound, str)}
        totals += [{cell for cell in value if cell[1] == key} for key in shown]
    changed = True
    while changed:
        changed = False
        for members in totals:
            rest = sum(value[cell] for cell in members) - sum(value[cell] for cell in members if cell not in hidden)
            unknown = [cell for cell in members if cell in hidden]
            for cell in unknown:
                others = [other for other in unknown if other != cell]
                new_low = max(low[cell], rest - sum(high[o] for o in others))
                new_high = min(high[cell], rest - sum(low[o] for o in others))
                if (new_low, new_high) != (low[cell], high[cell]):
                    low[cell], high[cell], changed = new_low, new_high, True
    return any(low[cell] >= high[cell] for cell in hidden)


def _hide_crosstab(table: pd.DataFrame, figures: list[Figure]) -> tuple[pd.DataFrame, list[Figure]]:
    """Every cell and group base hidden, but for empty groups: the column question's own table already says they
    are empty, and hiding a 0 would only mark it."""
    empty = {str(group) for group, base in zip(table.group, table.base) if int(base) == 0}
    hide = ~table.group.astype(str).isin(empty)
    hidden = table.copy()
    for column, value in (("suppressed", True), ("reason", REASON_CROSSTAB), ("share", None), ("ci_low", None),
                          ("ci_high", None), ("bound", None), ("bound_value", None)):
        hidden[column] = hidden[column].astype(object)
        hidden.loc[hide, column] = value
    prefix = len("survey.crosstab.")
    def group_of(figure: Figure) -> str:
        return figure.id[prefix:].split(".")[2] if figure.id.count(".") >= 4 else ""
    return hidden, [f if group_of(f) in empty else replace(f, suppressed=True, reason=REASON_CROSSTAB, bound=None, bound_value=None)
                    for f in figures]


def _protect_group_bases(bases: dict[str, int], reasons: dict[str, str | None], answered: int, rule: Disclosure) -> None:
    """The groups of a single-choice column question share the row question's base: the small hidden group bases add
    up to at most that base minus the shown ones. Hide the next smallest group until each keeps two values."""
    while True:
        small = [g for g, r in reasons.items() if r == REASON_BASE]
        if not small or any(r == REASON_SECONDARY for r in reasons.values()):
            return
        slack = answered - sum(base for g, base in bases.items() if reasons[g] is None)
        if min(rule.threshold - 1, slack - (len(small) - 1)) >= 2:
            return
        shown = sorted((g for g, r in reasons.items() if r is None and bases[g] > 0), key=lambda g: (bases[g], g))
        if not shown:
            return
        reasons[shown[0]] = REASON_SECONDARY


def _finite(figure: Figure) -> Figure:
    """No NaN leaves the survey stage: a value or bound that could not be computed is None (null in figures.json)."""
    def bad(number: Any) -> bool:
        return isinstance(number, float) and math.isnan(number)

    if not (bad(figure.value) or bad(figure.ci_low) or bad(figure.ci_high)):
        return figure
    value = None if bad(figure.value) else figure.value
    reason = figure.reason or ("no answers" if value is None else None)
    return replace(figure, value=value, ci_low=None, ci_high=None, reason=reason)


def no_survey() -> SurveyStats:
    """The survey stage without a survey: no questions, no tables, and a respondent count that says why."""
    return SurveyStats(Figures([Figure("survey.respondents", None, "count", reason="no survey")]), frozen_tables({}),
                       Codebook(questions={}), 0)


def summarise_survey(frame: pd.DataFrame | None, codebook: Codebook | None, rule: Disclosure,
                     crosstabs: Iterable[tuple[str, str]] = ()) -> SurveyStats:
    """One table and a set of figures per codebook question, plus the configured cross-tabulations."""
    if frame is None or codebook is None:
        return no_survey()
    figures: list[Figure] = [Figure("survey.respondents", len(frame), "count")]
    tables: dict[str, pd.DataFrame] = {}
    log: list[dict[str, Any]] = []
    for question in codebook.questions.values():
        table, question_figures = _hide_small_base(_question_figures(question, frame, rule), rule, question.type != "multi")
        if table is not None:
            tables[question.id] = table
        figures += question_figures
        log += [{"figure": f.id, "reason": f.reason} for f in question_figures if f.suppressed or f.bound]
    for row_id, column_id in crosstabs:
        for qid in (row_id, column_id):
            if qid not in codebook.questions:
                raise ConfigError(f"crosstab names question '{qid}', which is not in the codebook")
        column_table = tables.get(column_id)
        secret = frozenset() if column_table is None else frozenset(
            str(row.key) for row in column_table.itertuples() if row.suppressed or isinstance(row.bound, str))
        table, crossed = crosstab(codebook.questions[row_id], codebook.questions[column_id], frame, rule, secret)
        if codebook.questions[column_id].type != "multi" and _margins_pin(table, tables.get(row_id), rule):
            table, crossed = _hide_crosstab(table, crossed)
        tables[f"crosstab.{row_id}.{column_id}"] = table
        figures += crossed
        log += [{"figure": f.id, "reason": f.reason} for f in crossed if f.suppressed or f.bound]
    return SurveyStats(Figures(_finite(f) for f in figures), frozen_tables(tables), codebook, len(frame), tuple(log))
