"""What the findings report shows, read from the published warehouse: documents, findings with their evidence,
the section each finding sits in, and the figures behind the charts."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import duckdb

from pipeline.checks.model import SEVERITIES
from pipeline.checks.store import relation_exists, relation_names

SEVERITY_LABEL = {"error": "Fel", "warning": "Varning", "minor": "Mindre avvikelse", "info": "Information"}
STATUS_LABEL = {"open": "Öppen", "accepted": "Bekräftad", "dismissed": "Avfärdad"}

# entity -> the section name a reader knows it by (Swedish, as the documents title them)
SECTION_LABEL = {
    "risks": "Väsentlighets- och riskanalys (VoR)",
    "risk_matrix": "Riskmatris",
    "risk_matrix_totals": "Riskmatris",
    "controls": "Internkontrollplan",
    "control_assessments": "Bedömning av den interna kontrollen",
    "control_followups": "Uppföljning av internkontrollplanen",
    "budget_lines": "Budget",
    "accounts": "Resultat- och balansräkning",
    "kaa_stats": "Kommunala aktivitetsansvaret (KAA)",
    "kpis": "Nyckeltal",
    "projects": "Projekt",
    "procurements": "Upphandlingsplan",
    "control_sums": "Kontokontroller",
    "fixed_asset_reconciliation": "Anläggningsinformation",
    "working_capital": "Anläggnings- och rörelsekapital",
    "infosec_requirements": "Informationssäkerhet",
}
STATEMENT_LABEL = {"RR": "Resultaträkning", "BR": "Balansräkning"}
LIST_LABEL = {"projektbilaga": "Projektbilaga", "innovation": "Innovation"}


@dataclass(frozen=True)
class ReportDoc:
    """A published document as the report names it."""

    doc_id: str
    sha256: str
    source_uri: str
    doc_type: str | None
    year: int | None
    committee: str | None
    title: str | None
    page_count: int

    @property
    def label(self) -> str:
        return self.title or f"{self.doc_type or '?'} {self.year or ''} {self.committee or ''}".strip()

    @property
    def short(self) -> str:
        return f"{self.doc_type or '?'} {self.year or ''}".strip()


@dataclass(frozen=True)
class EvidenceItem:
    """A printed figure a finding rests on, in a warehouse document."""

    doc_id: str | None
    field: str | None
    page: int | None
    bbox: tuple[float, float, float, float] | None
    printed: str | None


@dataclass
class ReportFinding:
    """A finding as the report shows it; `section` and `images` are filled while building the report."""

    finding_id: str
    rule_id: str
    rule_title: str
    severity: str
    doc_id: str | None
    other_doc_id: str | None
    entity: str | None
    entity_key: str | None
    expected: str | None
    actual: str | None
    tolerance: str | None
    message: str
    status: str
    evidence: list[EvidenceItem]
    section: str = ""
    images: list = field(default_factory=list)

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABEL.get(self.severity, self.severity)

    @property
    def status_label(self) -> str:
        return STATUS_LABEL.get(self.status, self.status)


@dataclass(frozen=True)
class CheckRun:
    run_id: str
    checked_at: datetime | None
    started_at: datetime | None
    code_version: str | None


@dataclass
class ReportData:
    """Everything the report needs, read once."""

    run: CheckRun | None
    docs: dict[str, ReportDoc]
    findings: list[ReportFinding]
    rules: dict[str, tuple[str, str, str]]  # rule_id -> (title, description, severity)
    page_entities: dict[tuple[str, int], Counter]  # (doc_id, page) -> (entity, section) -> rows on that page
    matrix: dict[str, list[tuple[int, int, int, tuple | None, int]]]  # doc_id -> (risk_no, S, K, bbox, page)
    risks: dict[str, list[tuple[int | None, int | None, int | None, int | None]]]  # doc_id -> (no, S, K, RV)
    budget: dict[tuple[str, str], list[tuple[str, Decimal, Decimal]]]  # (doc_id, sheet) -> (label, budget, outcome)
    kaa: dict[tuple[str, int], list[tuple[str, Decimal | None, Decimal | None, Decimal | None]]]


def check_run(con: duckdb.DuckDBPyConnection, run_id: str | None) -> CheckRun | None:
    """The run whose findings to show: `run_id`, else the run that ran the checks last."""
    if not relation_exists(con, "check_runs"):
        return None
    sql = ("SELECT c.run_id, c.checked_at, r.started_at, c.code_version FROM check_runs c "
           "LEFT JOIN runs r ON r.run_id = c.run_id ")
    row = (con.execute(sql + "WHERE c.run_id = ?", [run_id]).fetchone() if run_id else
           con.execute(sql + "ORDER BY c.checked_at DESC, c.run_id DESC LIMIT 1").fetchone())
    if row is None and run_id:
        raise ValueError(f"run {run_id!r} has not run the checks (see `SELECT * FROM check_runs`)")
    return CheckRun(*row) if row else None


def report_docs(con: duckdb.DuckDBPyConnection) -> dict[str, ReportDoc]:
    """Every document in the warehouse, by id, VP before VB within a year."""
    rows = con.execute("SELECT doc_id, sha256, source_uri, doc_type, year, committee, title, page_count FROM documents "
                       "ORDER BY committee NULLS LAST, year NULLS LAST, doc_type DESC NULLS LAST, doc_id").fetchall()
    return {r[0]: ReportDoc(*r) for r in rows}


def as_box(bbox) -> tuple[float, float, float, float] | None:
    return tuple(float(x) for x in bbox) if bbox is not None and len(bbox) == 4 else None  # type: ignore[return-value]


def report_findings(con: duckdb.DuckDBPyConnection, run_id: str, titles: dict[str, str]) -> list[ReportFinding]:
    """The run's findings with their evidence (rule titles by rule id), most severe first."""
    rows = con.execute("SELECT finding_id, rule_id, severity, doc_id, other_doc_id, entity, entity_key, expected, actual, "
                       "tolerance, message, status, evidence FROM findings WHERE run_id = ? "
                       "ORDER BY rule_id, entity_key, finding_id", [run_id]).fetchall()
    out = []
    for (fid, rule, sev, doc, other, entity, key, exp, act, tol, msg, status, evidence) in rows:
        items = [EvidenceItem(e.get("doc_id"), e.get("field"), e.get("page"), as_box(e.get("bbox")), e.get("printed"))
                 for e in (evidence or [])]
        out.append(ReportFinding(fid, rule, titles.get(rule, rule), sev, doc, other, entity, key, exp, act, tol, msg,
                                 status, items))
    out.sort(key=lambda f: SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 9)
    return out


def page_entities(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], Counter]:
    """(doc_id, page) -> {(entity, section label): rows printed on that page}, from every published table."""
    relations = relation_names(con)
    parts = []
    for entity, label_sql in (("budget_lines", "sheet"), ("accounts", "statement"), ("projects", "list")):
        if entity in relations:
            parts.append(f"SELECT doc_id, page, '{entity}' AS entity, {label_sql} AS label FROM {entity}")
    for entity in SECTION_LABEL:
        if entity not in ("budget_lines", "accounts", "projects") and entity in relations:
            parts.append(f"SELECT doc_id, page, '{entity}' AS entity, NULL AS label FROM {entity}")
    if "other_records" in relations:
        parts.append("SELECT doc_id, page, entity, NULL AS label FROM other_records")
    out: dict[tuple[str, int], Counter] = defaultdict(Counter)
    if not parts:
        return out
    for doc_id, page, entity, label, n in con.execute(
            "SELECT doc_id, page, entity, label, count(*) FROM (" + " UNION ALL ".join(parts) + ") "
            "WHERE page IS NOT NULL GROUP BY ALL").fetchall():
        out[(doc_id, page)][(entity, section_name(entity, label))] += n
    return out


def section_name(entity: str | None, label: str | None = None) -> str:
    """The section a row of `entity` belongs to; sheets and statements by their own name."""
    if entity == "budget_lines" and label:
        return label
    if entity == "accounts" and label:
        return STATEMENT_LABEL.get(label, label)
    if entity == "projects" and label:
        return LIST_LABEL.get(label, label.capitalize())
    return SECTION_LABEL.get(entity or "", (entity or "Övrigt").replace("_", " ").capitalize())


def finding_section(f: ReportFinding, pages: dict[tuple[str, int], Counter]) -> str:
    """The section of a finding: where its first evidence in its own document is printed (the finding's own
    table on that page first, else the table with most rows there), else the section of its entity."""
    own = [e for e in f.evidence if e.doc_id == f.doc_id and e.page] or [e for e in f.evidence if e.page]
    counts = pages.get((own[0].doc_id, own[0].page)) if own else None
    if counts:
        mine = [key for key in counts if key[0] == f.entity]
        best = max(mine or counts, key=lambda key: (counts[key], key[1]))
        return best[1]
    return section_name(f.entity)


def matrix_placements(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = defaultdict(list)
    if relation_exists(con, "risk_matrix"):
        for doc_id, no, s, k, bbox, page in con.execute(
                "SELECT doc_id, risk_no, probability, consequence, bbox, page FROM risk_matrix "
                "ORDER BY doc_id, row_no").fetchall():
            out[doc_id].append((no, s, k, as_box(bbox), page))
    return out


def risk_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = defaultdict(list)
    if relation_exists(con, "risks"):
        for doc_id, no, s, k, rv in con.execute("SELECT doc_id, risk_no, probability, consequence, risk_value "
                                                "FROM risks ORDER BY doc_id, row_no").fetchall():
            out[doc_id].append((no, s, k, rv))
    return out


def budget_vs_outcome(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[tuple[str, Decimal, Decimal]]]:
    """(doc_id, sheet) -> (line label, budget, outcome) for sheets that print a budget and an outcome column."""
    if not relation_exists(con, "budget_lines"):
        return {}
    rows = con.execute(
        "WITH cols AS (SELECT doc_id, sheet, "
        "  max(CASE WHEN column_key LIKE 'outcome%' THEN column_key END) AS outcome_key "
        "  FROM budget_lines GROUP BY ALL HAVING bool_or(column_key = 'budget') AND outcome_key IS NOT NULL) "
        "SELECT b.doc_id, b.sheet, b.line_no, b.label, "
        "  max(CASE WHEN b.column_key = 'budget' THEN b.value_sek END), "
        "  max(CASE WHEN b.column_key = c.outcome_key THEN b.value_sek END) "
        "FROM budget_lines b JOIN cols c ON c.doc_id = b.doc_id AND c.sheet = b.sheet "
        "GROUP BY ALL ORDER BY b.doc_id, b.sheet, b.line_no").fetchall()
    out: dict[tuple[str, str], list] = defaultdict(list)
    for doc_id, sheet, _, label, budget, outcome in rows:
        if budget is None or outcome is None or (budget == 0 and outcome == 0):
            continue
        out[(doc_id, sheet)].append((label, budget, outcome))
    return dict(out)


def kaa_by_jobbtorg(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], list[tuple]]:
    """(doc_id, year) -> (Jobbtorg, % to work, % to studies, enrolled) from the KAA tables."""
    if not relation_exists(con, "kaa_stats"):
        return {}
    rows = con.execute(
        "SELECT doc_id, year, group_value, "
        "  max(CASE WHEN metric = 'andel_till_arbete' THEN value END), "
        "  max(CASE WHEN metric = 'andel_till_studier' THEN value END), "
        "  max(CASE WHEN metric = 'inskrivna' THEN value END), min(row_no) "
        "FROM kaa_stats WHERE group_by = 'jobbtorg' AND source = 'table' GROUP BY ALL "
        "ORDER BY doc_id, year, min(row_no)").fetchall()
    out: dict[tuple[str, int], list] = defaultdict(list)
    for doc_id, year, place, work, studies, enrolled, _ in rows:
        if work is not None or studies is not None:
            out[(doc_id, year)].append((place, work, studies, enrolled))
    return dict(out)


def load_report_data(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> ReportData:
    """Read the report's contents from a (read-only) warehouse connection."""
    run = check_run(con, run_id)
    rules = {r[0]: (r[1], r[2], r[3]) for r in con.execute(
        "SELECT rule_id, title, description, severity FROM rules ORDER BY rule_id").fetchall()}
    findings = report_findings(con, run.run_id, {r: v[0] for r, v in rules.items()}) if run else []
    pages = page_entities(con)
    for f in findings:
        f.section = finding_section(f, pages)
    return ReportData(run, report_docs(con), findings, rules, pages, matrix_placements(con), risk_rows(con),
                      budget_vs_outcome(con), kaa_by_jobbtorg(con))
