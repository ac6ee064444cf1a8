"""Typed records of what extraction produces, one class per warehouse-contract table.

Every record carries its provenance: the page and bbox of the row, and per field the page, bbox and
string as printed (`Provenance`). Money is `Decimal` in kronor; nothing is a float.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from functools import lru_cache
from typing import Any

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Provenance:
    """Where a value was printed: 1-based page, bbox (x0, top, x1, bottom) in PDF points, the string."""

    page: int
    bbox: Box | None
    printed: str


@lru_cache(maxsize=None)
def value_names(cls: type) -> tuple[str, ...]:
    """A record class's own fields, in order, without where it was printed (page, bbox, provenance): asked once per
    class, not once per record (a load fits hundreds of thousands)."""
    return tuple(f.name for f in fields(cls) if f.name not in ("page", "bbox", "provenance"))


@dataclass(kw_only=True)
class Record:
    """Base of every extracted row."""

    page: int | None = None
    bbox: Box | None = None
    provenance: dict[str, Provenance] = field(default_factory=dict)

    ENTITY = ""

    def values(self) -> dict[str, Any]:
        """The row's own fields (without provenance), as plain values."""
        return {name: getattr(self, name) for name in value_names(type(self))}

    def as_json(self) -> dict[str, Any]:
        def plain(v):
            if isinstance(v, Decimal):
                return str(v)
            if isinstance(v, Provenance):
                return asdict(v)
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [plain(x) for x in v]
            return v
        return {k: plain(v) for k, v in {**self.values(), "page": self.page, "bbox": self.bbox,
                                            "provenance": self.provenance}.items()}


@dataclass(kw_only=True)
class RiskRow(Record):
    ENTITY = "risks"
    risk_no: int | None
    goal_code: str | None
    goal: str | None
    process: str | None
    working_method: str | None
    event: str | None
    probability: int | None
    probability_label: str | None
    consequence: int | None
    consequence_label: str | None
    risk_value: int | None
    in_control_plan: bool | None


@dataclass(kw_only=True)
class MatrixPlacement(Record):
    ENTITY = "risk_matrix"
    risk_no: int
    probability: int
    consequence: int


@dataclass(kw_only=True)
class MatrixTotal(Record):
    ENTITY = "risk_matrix_totals"
    printed: str
    total: int | None


@dataclass(kw_only=True)
class ControlRow(Record):
    ENTITY = "controls"
    goal_code: str | None
    process: str | None
    working_method: str | None
    control: str | None
    risk_value: int | None
    event: str | None
    control_activity: str | None
    risk_no: int | None = None  # the linked VoR row
    link_note: str | None = None  # how the link was made, or why it is ambiguous


@dataclass(kw_only=True)
class Assessment(Record):
    ENTITY = "control_assessments"
    assessment: str  # tillräcklig | delvis tillräcklig | otillräcklig
    printed: str
    analysis: str | None = None


@dataclass(kw_only=True)
class FollowupRow(Record):
    ENTITY = "control_followups"
    goal_code: str | None
    process: str | None
    working_method: str | None
    control_activity: str | None
    result_text: str | None
    performed: bool | None
    control_doc_id: str | None = None
    risk_no: int | None = None
    candidate_risk_nos: list[int] = field(default_factory=list)
    link_note: str | None = None


@dataclass(kw_only=True)
class BudgetLine(Record):
    ENTITY = "budget_lines"
    sheet: str
    line_no: int
    label: str
    parent_label: str | None
    column_key: str
    column_label: str
    value_sek: Decimal | None
    value_printed: str
    unit: str | None


@dataclass(kw_only=True)
class AccountFigure(Record):
    ENTITY = "accounts"
    statement: str  # RR | BR
    account: str | None
    account_name: str | None
    level: int | None
    parent_account: str | None
    column_key: str
    value_sek: Decimal | None
    value_printed: str


@dataclass(kw_only=True)
class KaaStat(Record):
    ENTITY = "kaa_stats"
    year: int | None
    metric: str
    unit: str  # count | percent
    group_by: str | None
    group_value: str | None
    value: Decimal | None
    printed: str
    source: str  # table | text
    sentence: str | None = None
    # for prose figures: how the figure relates to its year, as the sentence states it: 'level' (the year's own
    # figure), 'prior' / 'from' / 'to' (a level stated for comparison or as the ends of a change), 'increase',
    # 'decrease', 'diff' or 'diff_vs_<year>' (a change, not a level); and the year a change is counted from
    comparison: str | None = None
    vs_year: int | None = None


@dataclass(kw_only=True)
class Kpi(Record):
    ENTITY = "kpis"
    kpi_no: str | None
    name: str | None
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    prior_value: Decimal | None
    unit: str | None
    value_printed: str | None = None
    comment: str | None = None


@dataclass(kw_only=True)
class Project(Record):
    ENTITY = "projects"
    list: str
    item_no: str | None
    name: str
    project_key: str
    funder: str | None = None
    role: str | None = None
    budget_sek: Decimal | None = None
    budget_printed: str | None = None
    currency: str | None = None
    cofinancing_sek: Decimal | None = None
    cofinancing_printed: str | None = None
    start_month: str | None = None
    end_month: str | None = None
    department: str | None = None


@dataclass(kw_only=True)
class Procurement(Record):
    ENTITY = "procurements"
    category: str | None
    category_class: str | None
    description: str | None
    planned_start: str | None
    period: str | None
    value_sek: Decimal | None
    committee: str | None
    contact: str | None
    department: str | None = None


ENTITIES: dict[str, type[Record]] = {c.ENTITY: c for c in (
    RiskRow, MatrixPlacement, MatrixTotal, ControlRow, Assessment, FollowupRow, BudgetLine, AccountFigure, KaaStat,
    Kpi, Project, Procurement)}


@dataclass(frozen=True)
class Problem:
    """Something extraction could not do, said where: it is recorded, never silently dropped."""

    page: int | None
    section: str | None
    message: str
