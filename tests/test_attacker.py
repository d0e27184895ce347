"""The attacker: reads everything a build publishes and tries to work each hidden survey count back out.

What the attacker reads (all of it, every language):
- `figures.json` and `manifest.json` of the publication folder: values, shares, 95 % intervals, bases, bounds, reasons;
- each edition's HTML: every figure the text or a table inserts (`data-fig` spans: exact counts, rounded
  percentages, "a of b" counts, bounds, intervals, `n = b / N` bases) and the data of the chart specs
  (`<script type="application/json">`: share, ci_low, ci_high, count, base of each category record);
- each PDF's text (pdftotext -layout): the row of each hidden answer in the survey tables (count, percentage, interval).
The attacker also knows the questionnaire (question types, answer keys, which answers a `top` share groups), the
disclosure threshold and the code's rules: Wilson intervals (inverted by trying every count), a single-choice
question's answers add up to its base, a merged "other answers" count is the sum of the answers it holds, a reason
"fewer than N respondents" means 1..N-1, a crosstab group's cells add up to its base and its base is at most the
number who gave that answer to the column question, a crosstab's cells of one answer (single-choice columns)
add up to at most that answer's count.

Every published fact is a constraint on integer unknowns (each answer's count and each table's base, 0..respondents);
the constraints are propagated to a fixed point (each constraint made arc-consistent by trying every value; sums by
dynamic programming), which keeps every value any consistent table allows (and possibly a few more: the check errs on
the side of the attacker only if the constraints are not tree-shaped).

Criterion: a hidden count is *recovered* when fewer than 2 integer values remain consistent with everything
published. A hidden count whose true value is 0 counts as recovered too unless one of 1..N-1 stays consistent
(a 0 in a hidden cell is only protected by the company of the small values), except a 0 that the public figures
of a larger group already state (a table published as empty; a crosstab cell of an answer the question's own
table publishes as 0, or the one answer left in a group whose other answers that table publishes as 0). The test passes when no hidden count is
recovered; the true values (from the build's own statistics) are used only to report what was found.
"""
from __future__ import annotations

import json
import math
import re
import subprocess
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pytest

from report.survey import wilson

Pair = Callable[[int, int], bool]  # (count, base) -> consistent?


@dataclass
class Knowledge:
    """Integer unknowns with their possible values, and the constraints between them."""

    top: int
    domains: dict[str, set[int]] = field(default_factory=dict)
    pairs: list[tuple[str, str, Pair]] = field(default_factory=list)  # (count var, base var, relation)
    sums: list[tuple[tuple[str, ...], str, bool]] = field(default_factory=list)  # (parts, total, exact: == else <=)

    def var(self, name: str) -> str:
        self.domains.setdefault(name, set(range(self.top + 1)))
        return name

    def restrict(self, name: str, allowed: Iterable[int]) -> None:
        self.domains[self.var(name)] &= set(allowed)

    def pair(self, count: str, base: str, relation: Pair) -> None:
        self.pairs.append((self.var(count), self.var(base), relation))

    def sum(self, parts: Iterable[str], total: str, exact: bool = True) -> None:
        self.sums.append((tuple(self.var(p) for p in parts), self.var(total), exact))

    def solve(self) -> dict[str, set[int]]:
        changed = True
        while changed:
            changed = False
            for count, base, relation in self.pairs:
                counts = {c for c in self.domains[count] if any(relation(c, b) for b in self.domains[base])}
                bases = {b for b in self.domains[base] if any(relation(c, b) for c in counts)}
                changed |= self._set(count, counts) | self._set(base, bases)
            for parts, total, exact in self.sums:
                changed |= self._propagate_sum(parts, total, exact)
        return self.domains

    def _set(self, name: str, values: set[int]) -> bool:
        if values != self.domains[name]:
            self.domains[name] = values
            return True
        return False

    def _propagate_sum(self, parts: tuple[str, ...], total: str, exact: bool) -> bool:
        changed = False
        reachable = _sums([self.domains[p] for p in parts], self.top)
        totals = {t for t in self.domains[total] if (t in reachable if exact else any(s <= t for s in reachable))}
        changed |= self._set(total, totals)
        for index, part in enumerate(parts):
            others = _sums([self.domains[p] for i, p in enumerate(parts) if i != index], self.top)
            if exact:
                keep = {v for v in self.domains[part] if any(t - v in others for t in totals)}
            else:
                least = min(others, default=0)
                keep = {v for v in self.domains[part] if any(v + least <= t for t in totals)}
            changed |= self._set(part, keep)
        return changed


def _sums(domains: list[set[int]], top: int) -> set[int]:
    reachable = {0}
    for domain in domains:
        reachable = {s + v for s in reachable for v in domain if s + v <= top}
    return reachable


# --- reading numbers as the editions print them ------------------------------------------------------------------

_NUMBER = re.compile(r"\d[\d.\u00a0\u202f ]*(?:,\d+)?|\d+(?:\.\d+)?")


def _parse_number(text: str) -> tuple[float, int] | None:
    """A number as fr/nl/de print it (`1 234`, `1.234`, `12,5`): its value and its decimals."""
    text = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    match = re.search(r"\d[\d. ]*(?:,(\d+))?", text)
    if not match:
        return None
    whole, _, decimals = match.group(0).partition(",")
    digits = whole.replace(".", "").replace(" ", "")
    if not digits.isdigit():
        return None
    return float(f"{digits}.{decimals or 0}"), len(decimals)


def _percent_relation(percent: float, decimals: int) -> Pair:
    half = 0.5 * 10 ** -decimals + 1e-9
    return lambda c, b: b > 0 and abs(100 * c / b - percent) <= half


def _exact_share(share: float) -> Pair:
    return lambda c, b: b > 0 and abs(c / b - share) < 1e-9


def _ci_relation(low: float | None, high: float | None, half: float = 1e-9) -> Pair:
    def consistent(c: int, b: int) -> bool:
        if b <= 0 or c > b:
            return False
        lo, hi = wilson(c, b)
        return (low is None or abs(lo - low) <= half) and (high is None or abs(hi - high) <= half)
    return consistent


def _bound_relation(kind: str, share: float) -> Pair:
    if kind == "above":
        return lambda c, b: b > 0 and c / b > share - 1e-12
    return lambda c, b: b > 0 and c / b < share + 1e-12


# --- which unknowns a figure id speaks of ------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    count: str
    base: str


class Survey:
    """The questionnaire as the attacker knows it, and the unknowns of each table."""

    def __init__(self, codebook: Any, crosstabs: Iterable[tuple[str, str]], threshold: int) -> None:
        self.codebook, self.crosstabs, self.threshold = codebook, list(crosstabs), threshold

    def cell(self, figure_id: str) -> Cell | None:
        """The (count, base) unknowns of a survey figure id, or None for one the attacker has no use for."""
        parts = figure_id.split(".")
        if parts[0] != "survey" or len(parts) < 3:
            return None
        if parts[1] == "crosstab":
            table = ".".join(parts[2:4])
            if len(parts) == 6 and parts[5] == "base":
                return Cell(f"x:{table}:{parts[4]}:base", f"x:{table}:{parts[4]}:base")
            if len(parts) == 7 and parts[6] in ("count", "share"):
                return Cell(f"x:{table}:{parts[4]}:{parts[5]}", f"x:{table}:{parts[4]}:base")
            return None
        qid = parts[1]
        if qid not in self.codebook.questions:
            return None
        rest = parts[2:]
        if rest == ["base"]:
            return Cell(f"q:{qid}:base", f"q:{qid}:base")
        if rest[0] == "dont_know":  # counted apart, as a share of everyone who answered (don't know included)
            return Cell(f"q:{qid}:dont_know", f"q:{qid}:answered")
        if rest[0] == "bracket":
            rest = rest[1:]
        if rest[0] == "top" and rest[-1] == "share":
            return Cell(f"q:{qid}:top", f"q:{qid}:base")
        if rest[0] == "at_least" and rest[-1] == "share":
            return Cell(f"q:{qid}:at_least:{rest[1]}", f"q:{qid}:base")
        if len(rest) == 2 and rest[1] in ("count", "share"):
            return Cell(f"q:{qid}:{rest[0]}", f"q:{qid}:base")
        return None


def add_record(knowledge: Knowledge, survey: Survey, record: Mapping[str, Any]) -> None:
    """One figures.json record: value, interval, base, bound, reason."""
    cell = survey.cell(str(record.get("id", "")))
    if cell is None:
        return
    figure_id, unit, value = record["id"], record.get("unit"), record.get("value")
    if record.get("base") is not None:
        knowledge.restrict(cell.base, {int(record["base"])})
    if value is not None and unit == "count":
        knowledge.restrict(cell.count, {int(value)})
    if value is not None and unit == "share":
        knowledge.pair(cell.count, cell.base, _exact_share(float(value)))
    if record.get("ci95") and record["ci95"][0] is not None:
        low, high = record["ci95"]
        knowledge.pair(cell.count, cell.base, _ci_relation(low, high))
    if record.get("bound") in ("above", "below") and record.get("bound_value") is not None:
        if unit == "share":
            knowledge.pair(cell.count, cell.base, _bound_relation(record["bound"], float(record["bound_value"])))
        else:
            bound = int(record["bound_value"])
            knowledge.restrict(cell.count, range(bound + 1, knowledge.top + 1) if record["bound"] == "above" else range(bound))
    add_reason(knowledge, survey, cell, str(figure_id), str(record.get("reason") or ""))


def add_reason(knowledge: Knowledge, survey: Survey, cell: Cell, figure_id: str, reason: str) -> None:
    """What a reason tells: `... N ...` numbers in it are read, and "fewer than"/"below" a threshold means 1..N-1."""
    numbers = [int(n) for n in re.findall(r"\d+", reason)]
    small = range(1, survey.threshold)
    if reason.startswith("base") or "answered than" in reason:
        knowledge.restrict(cell.base, small)
        if len(numbers) >= 2:  # "base 3 below 10"
            knowledge.restrict(cell.base, {numbers[0]})
    elif re.search(r"fewer than|cell below|below \d|gave this answer than", reason) and not figure_id.endswith((".top.share",)) \
            and ".at_least." not in figure_id:
        knowledge.restrict(cell.count, small)


_SPAN = re.compile(r'<span class="([^"]*)" data-fig="([^"]+)"(?: data-[a-z-]+="[^"]*")*>(.*?)</span>', re.S)


def add_html(knowledge: Knowledge, survey: Survey, html: str) -> None:
    """Every figure span of an edition, and its chart data."""
    for classes, figure_id, inner in _SPAN.findall(html):
        text = unescape(re.sub(r"<[^>]+>", "", inner))
        cell = survey.cell(figure_id)
        if cell is None:
            continue
        names = classes.split()
        if "base" in names:
            number = _parse_number(text.split("/")[0].split("=")[-1])
            if number:
                knowledge.restrict(cell.base, {int(number[0])})
            continue
        if "ci" in names:
            bounds = [_parse_number(part) for part in re.split(r"[\u2013-]", text) if _parse_number(part)]
            if len(bounds) == 2:
                (low, dl), (high, dh) = bounds  # type: ignore[misc]
                knowledge.pair(cell.count, cell.base, _ci_relation(low / 100, high / 100, 0.5 * 10 ** -max(dl, dh) / 100 + 1e-9))
            continue
        if "fig-suppressed" in names or "fig-missing" in names:
            continue
        numbers = [n for n in (_parse_number(part) for part in _NUMBER.findall(text.replace("\u00a0", " "))) if n]
        if "fig-bound" in names and numbers:
            kind = "below" if "fig-bound-below" in names else "above"
            share = numbers[0][0] / 100 if "%" in text else None
            if share is not None:
                knowledge.pair(cell.count, cell.base, _bound_relation(kind, share))
            continue
        if "fig-small-base" in names or "fig-counts" in names:
            if len(numbers) >= 2:
                knowledge.restrict(cell.count, {int(numbers[0][0])})
                knowledge.restrict(cell.base, {int(numbers[1][0])})
            continue
        if not numbers:
            continue
        if "%" in text:
            knowledge.pair(cell.count, cell.base, _percent_relation(numbers[0][0], numbers[0][1]))
        elif figure_id.endswith((".count", ".base")):
            knowledge.restrict(cell.count, {int(numbers[0][0])})
    for target, spec in re.findall(r'<script type="application/json"[^>]*data-target="chart-([^"]+)"[^>]*>(.*?)</script>', html, re.S):
        add_chart(knowledge, survey, target, json.loads(spec))


def _records(spec: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("values",) and isinstance(value, list):
                yield from (v for v in value if isinstance(v, dict))
            elif key == "datasets" and isinstance(value, dict):
                for rows in value.values():
                    yield from (v for v in rows if isinstance(v, dict))
            else:
                yield from _records(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from _records(item)


def add_chart(knowledge: Knowledge, survey: Survey, target: str, spec: Any) -> None:
    """A survey chart's records: each names its answer by `key` (and its question by `question` when two share a chart)."""
    if not target.startswith("survey."):
        return
    name = target[len("survey."):]
    qids = name[len("compare."):].split(".") if name.startswith("compare.") else name.split("+")
    texts = {" ".join(str(text).split()): qid for qid in qids if qid in survey.codebook.questions
             for text in survey.codebook.questions[qid].text.values()}
    for record in _records(spec):
        if "key" not in record:
            continue
        series = " ".join(str(record.get("series", "")).split())
        qid = str(record.get("question") or record.get("qid") or texts.get(series) or qids[0])
        if qid not in survey.codebook.questions or (len(qids) > 1 and not (record.get("question") or series in texts)):
            continue  # a record of a two-question chart the attacker cannot place
        count, base = f"q:{qid}:{record['key']}", f"q:{qid}:base"
        if record["key"] == "dont_know":  # a share of everyone who answered, don't know included
            base = f"q:{qid}:answered"
        if record.get("bound") in ("above", "below") and _finite(record.get("share")):
            knowledge.pair(count, base, _bound_relation(str(record["bound"]), float(record["share"])))
        if _finite(record.get("count")):
            knowledge.restrict(count, {int(record["count"])})
        if _finite(record.get("base")):
            knowledge.restrict(base, {int(record["base"])})
        if _finite(record.get("share")) and not record.get("bound"):
            knowledge.pair(count, base, _exact_share(float(record["share"])))
        if _finite(record.get("ci_low")) or _finite(record.get("ci_high")):
            low = float(record["ci_low"]) if _finite(record.get("ci_low")) else None
            high = float(record["ci_high"]) if _finite(record.get("ci_high")) else None
            knowledge.pair(count, base, _ci_relation(low, high))


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def add_pdf_text(knowledge: Knowledge, survey: Survey, text: str, lang: str, hidden: Iterable[tuple[str, str]]) -> None:
    """The survey-table row of each hidden answer in a PDF: `label  n  %  low–high %`."""
    lines = text.splitlines()
    labels = [str(label.get(lang)) for question in survey.codebook.questions.values() if question.type != "numeric"
              for label in question.labels.values()]
    for qid, key in hidden:
        question = survey.codebook.questions[qid]
        label = question.labels.get(key, {}).get(lang) if question.type != "numeric" else None
        if not label or labels.count(label) > 1:  # "Non" answers several questions: no telling which table it is
            continue
        for line in lines:
            stripped = line.strip()
            if not stripped.startswith(label) or len(stripped) == len(label):
                continue
            rest = stripped[len(label):]
            tokens = re.split(r"\s{2,}", rest.strip())
            if not tokens or not re.fullmatch(r"[\d.\u00a0\u202f ]+", tokens[0].replace(" ", "")):
                continue
            number = _parse_number(tokens[0])
            if number:
                knowledge.restrict(f"q:{qid}:{key}", {int(number[0])})
            if len(tokens) > 1 and "%" in tokens[1] and (share := _parse_number(tokens[1])):
                knowledge.pair(f"q:{qid}:{key}", f"q:{qid}:base", _percent_relation(*share))


def structure(knowledge: Knowledge, survey: Survey, stats_tables: Mapping[str, Any]) -> None:
    """What the attacker knows of how the tables hang together."""
    for qid, question in survey.codebook.questions.items():
        table = stats_tables.get(qid)
        if table is None:
            continue
        keys = [str(k) for k, kind in zip(table.key, table.kind) if kind == "answer"]
        base = knowledge.var(f"q:{qid}:base")
        knowledge.sum([base, f"q:{qid}:dont_know"], f"q:{qid}:answered")
        if question.type in ("single", "scale", "numeric"):
            knowledge.sum([f"q:{qid}:{k}" for k in keys], base)
            for merged in (str(k) for k, kind in zip(table.key, table.kind) if kind == "merged"):
                held = [str(k) for k in str(table.set_index("key").loc[merged, "merged"]).split("|") if k]
                knowledge.sum([f"q:{qid}:{k}" for k in held], f"q:{qid}:{merged}")
        else:
            for k in keys:
                knowledge.sum([f"q:{qid}:{k}"], base, exact=False)
        if question.top:
            knowledge.sum([f"q:{qid}:{k}" for k in question.top if k in keys], f"q:{qid}:top")
        if question.type == "numeric":
            for index, bracket in enumerate(question.brackets):
                if "lower" in bracket:
                    parts = [k for k in keys if min(int(p) for p in k.split("+")) >= index]
                    knowledge.sum([f"q:{qid}:{k}" for k in parts], f"q:{qid}:at_least:{bracket['lower']:g}")
    for rows, columns in survey.crosstabs:
        table = stats_tables.get(f"crosstab.{rows}.{columns}")
        if table is None:
            continue
        name = f"{rows}.{columns}"
        for group in dict.fromkeys(str(g) for g in table.group):
            rows_of = table[table.group.astype(str) == group]
            keys = [str(k) for k, kind in zip(rows_of.key, rows_of.kind) if kind == "answer"]
            knowledge.sum([f"x:{name}:{group}:{k}" for k in keys], f"x:{name}:{group}:base")
            for merged, held in zip(rows_of.key, rows_of.merged):
                if str(merged) in set(rows_of[rows_of.kind == "merged"].key.astype(str)):
                    knowledge.sum([f"x:{name}:{group}:{k}" for k in str(held).split("|")], f"x:{name}:{group}:{merged}")
            knowledge.sum([f"x:{name}:{group}:base"], f"q:{columns}:{group}", exact=False)
        if survey.codebook.questions[columns].type != "multi":
            groups = list(dict.fromkeys(str(g) for g in table.group))
            knowledge.sum([f"x:{name}:{g}:base" for g in groups], f"q:{rows}:base", exact=False)
            row_keys = {str(k) for k in stats_tables[rows].key} if rows in stats_tables else set()
            for key in dict.fromkeys(str(k) for k, kind in zip(table.key, table.kind) if kind == "answer"):
                if key in row_keys:
                    knowledge.sum([f"x:{name}:{g}:{key}" for g in groups], f"q:{rows}:{key}", exact=False)


# --- the whole attack ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    variable: str
    truth: int
    consistent: tuple[int, ...]


def hidden_cells(stats: Any, survey: Survey) -> dict[str, int]:
    """The unknowns whose value the publication hides (suppressed or bounded counts and bases), with their true value."""
    hidden: dict[str, int] = {}
    for figure in stats.figures.values():
        cell = survey.cell(figure.id)
        if cell is None or not (figure.suppressed or getattr(figure, "bound", None)):
            continue
        if not (figure.id.endswith(".count") or figure.id.endswith(".base") or figure.id.endswith(".share")):
            continue
        if figure.id.endswith((".top.share",)) or ".at_least." in figure.id:
            continue
        if figure.id.endswith(".base"):
            if isinstance(figure.value, int):
                hidden[cell.base] = figure.value
            continue
        count = _true_count(stats, figure)
        if count is not None:
            hidden[cell.count] = count
    return hidden


def _true_count(stats: Any, figure: Any) -> int | None:
    stem = figure.id.rsplit(".", 1)[0]
    counted = stats.figures.get(f"{stem}.count")
    if counted is not None and isinstance(counted.value, (int, float)) and counted.value is not None:
        return int(counted.value)
    return None


def attack(folder: Path, stats: Any, crosstabs: Iterable[tuple[str, str]], threshold: int,
           languages: Iterable[str]) -> tuple[list[Finding], int]:
    """Every hidden count the published folder gives away, and how many hidden counts there are."""
    survey = Survey(stats.survey.codebook, crosstabs, threshold)
    respondents = int(stats.survey.respondents)
    knowledge = Knowledge(top=respondents)
    structure(knowledge, survey, stats.survey.tables)
    hidden = hidden_cells(stats, survey)
    for name in hidden:
        knowledge.var(name)
    for path in sorted(folder.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for record in _json_records(data):
            add_record(knowledge, survey, record)
    question_keys = [(name.split(":")[1], name.split(":")[2]) for name in hidden if name.startswith("q:")]
    for lang in languages:
        html = folder / lang / "report.html"
        if html.is_file():
            add_html(knowledge, survey, html.read_text(encoding="utf-8"))
        pdf = folder / lang / "report.pdf"
        if pdf.is_file():
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
            add_pdf_text(knowledge, survey, text, lang, question_keys)
    domains = knowledge.solve()
    findings = [Finding(name, truth, tuple(sorted(domains[name]))) for name, truth in sorted(hidden.items())
                if recovered(domains[name], truth, threshold, empty_table(name, domains))]
    return findings, len(hidden)


def empty_table(name: str, domains: Mapping[str, set[int]]) -> bool:
    """Whether a count is 0 by what is public about a larger group holding it: its table is published as empty
    (a base of 0), or it is a crosstab cell of an answer the whole question's table publishes as 0."""
    kind, table, *rest = name.split(":")
    base = f"q:{table}:base" if kind == "q" else f"q:{table.split('.')[0]}:base"
    if domains.get(base) == {0}:
        return True
    if kind != "x":
        return False
    rows = table.split(".")[0]
    if rest[-1] != "base" and domains.get(f"q:{rows}:{rest[-1]}") == {0}:
        return True
    # every other answer of the group is a public 0 of the whole question: the cell is its group's base, and saying
    # so says no more than the question's own exact table (a share on a base the rules let through)
    others = [name for name in domains if name.startswith(f"q:{rows}:") and name.count(":") == 2
              and name.split(":")[2] not in ("base", "answered", "dont_know", "top", rest[-1]) and ":at_least" not in name]
    return rest[-1] != "base" and bool(others) and all(domains[name] == {0} for name in others)


def recovered(consistent: set[int], truth: int, threshold: int, empty: bool = False) -> bool:
    """Fewer than two values left; or a true 0 that nothing says could be 1..N-1 as well. A value that a larger
    group's public table already implies (`empty_table`) is no disclosure."""
    if empty:  # implied by what the rules let a larger group's table say
        return False
    if len(consistent) < 2:
        return True
    return truth == 0 and not (consistent & set(range(1, threshold)))


def _json_records(data: Any) -> Iterable[Mapping[str, Any]]:
    """Figure records anywhere in a JSON file (figures.json's list, a manifest's suppression log)."""
    if isinstance(data, dict):
        if "id" in data and isinstance(data.get("id"), str):
            yield data
        if "figure" in data and isinstance(data.get("figure"), str):
            yield {"id": data["figure"], **{k: v for k, v in data.items() if k != "figure"}}
        for value in data.values():
            yield from _json_records(value)
    elif isinstance(data, list):
        for item in data:
            yield from _json_records(item)


def report_findings(findings: list[Finding], total: int) -> str:
    lines = [f"{len(findings)} of {total} hidden counts recovered:"]
    lines += [f"  {f.variable}: true {f.truth}, consistent {list(f.consistent)[:12]}" for f in findings]
    return "\n".join(lines)


# --- the tests -------------------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = 200  # derandomized: the same surveys on every run; about 6 s


@pytest.mark.slow
def test_sample_build_gives_no_hidden_count_away(tmp_path: Path) -> None:
    """The sample, built in every language and format: the attacker recovers no hidden survey count."""
    from report.build import build, compute, configured
    from report.load import load_inputs

    config_path = ROOT / "config" / "sample.yaml"
    result = build(config_path, out=tmp_path)
    config, base = configured(config_path)
    stats = compute(config, load_inputs(config, base))
    findings, total = attack(result.folder, stats, [(c.rows, c.columns) for c in config.crosstabs],
                             config.disclosure.threshold, config.languages)
    assert total > 0
    assert not findings, report_findings(findings, total)


@pytest.mark.slow
def test_random_surveys_give_no_hidden_count_away() -> None:
    """Hypothesis draws surveys of single-choice (some with a `top` group), multi and crossed questions with small
    answers (survey.py called directly); the attacker reads the public figures.json records and the text as fig(),
    ci() and base() print every survey figure in fr and nl, and recovers nothing. (Charts and the PDF are
    attacked on the sample build above.)"""
    import pandas as pd
    from hypothesis import HealthCheck, Phase, given, settings, strategies as st

    from report.build import figures_json
    from report.i18n import Formatter
    from report.model import Codebook, Figure, Question, Statistics
    from report.render import Inserter, RenderContext
    from report.survey import Disclosure, summarise_survey
    from report.theme import Theme

    catalogs = {lang: Theme().catalog(lang).gettext for lang in ("fr", "nl")}  # de prints as nl does

    @st.composite
    def surveys(draw: st.DrawFn) -> tuple[pd.DataFrame, Codebook]:
        questions, columns = {}, {}
        respondents = draw(st.integers(5, 120))
        for index in range(draw(st.integers(1, 3))):
            qid, kind = f"q{index}", draw(st.sampled_from(["single", "single", "multi"]))
            answers = draw(st.integers(2, 5))
            weights = draw(st.lists(st.integers(0, 40), min_size=answers, max_size=answers))
            codes = [str(c + 1) for c in range(answers)]
            labels = {code: {lang: f"{qid}-{code}-{lang}" for lang in ("fr", "nl", "de")} for code in codes}
            if kind == "single":
                picks = [codes[i] for i, w in enumerate(weights) for _ in range(w)][:respondents]
                picks += ["" for _ in range(respondents - len(picks))]
                columns[qid] = draw(st.permutations(picks))
                top = tuple(codes[-2:]) if draw(st.booleans()) else ()
                questions[qid] = Question(qid, "single", {"value": qid}, {"fr": qid}, labels, top=top)
            else:
                option_columns = {}
                for code, weight in zip(codes, weights):
                    column = f"{qid}_{code}"
                    columns[column] = draw(st.permutations(["1" if i < min(weight, respondents) else "0"
                                                            for i in range(respondents)]))
                    option_columns[code] = column
                questions[qid] = Question(qid, "multi", option_columns, {"fr": qid}, labels)
        return pd.DataFrame(columns), Codebook(questions)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(surveys(), st.booleans())
    def check(drawn: tuple[pd.DataFrame, Codebook], cross: bool) -> None:
        frame, codebook = drawn
        qids = list(codebook.questions)
        crossed = [(qids[0], qids[1])] if cross and len(qids) > 1 and codebook.questions[qids[0]].type == "single" else []
        survey_stats = summarise_survey(frame, codebook, Disclosure(), crossed)
        figures = survey_stats.figures.merged([Figure("disclosure.threshold", 10, "count")])
        stats = Statistics(figures, None, survey_stats)  # type: ignore[arg-type]
        survey = Survey(codebook, crossed, 10)
        knowledge = Knowledge(top=len(frame))
        structure(knowledge, survey, survey_stats.tables)
        hidden = hidden_cells(stats, survey)
        for record in json.loads(figures_json(stats, public=True))["figures"]:
            add_record(knowledge, survey, record)
        for lang, gettext in catalogs.items():
            insert = Inserter(RenderContext(lang, "html", stats, {}, {"indicative_base": 30}, {}), Formatter(lang), gettext)
            text = [str(insert.fig(fid)) for fid in figures if fid.startswith("survey.") and fid != "survey.respondents"]
            text += [str(insert.ci(fid)) + str(insert.base(fid)) for fid in figures
                     if fid.startswith("survey.") and fid.endswith(".share")]
            add_html(knowledge, survey, "\n".join(text))
        domains = knowledge.solve()
        found = [Finding(n, t, tuple(sorted(domains[n]))) for n, t in hidden.items() if recovered(domains[n], t, 10, empty_table(n, domains))]
        assert not found, report_findings(found, len(hidden)) + f"\n{ {c: ''.join(v or '.' for v in frame[c]) for c in frame} }"

    check()
