-- Schema version 2: the auditor-facing contract (../shared/warehouse-contract.md).
--
-- Layout
--   document_files        one row per distinct PDF content (content-addressed: doc_id = first 16 hex of sha256)
--   runs, run_documents   run history and what each run did with each file
--   document_extractions  one row per (run, document) that was extracted, with the classification of that run
--   run_<entity>          extracted rows of every run (run_id column): runs stay comparable
--   run_problems          what extraction (or the load) could not do, said where
--   run_provenance        per field of every extracted row: page, bbox and the string as printed
--   published_extractions the accepted extraction of each document (until steward review exists: the latest
--                         successful one); every contract view shows the rows of that extraction only
--   findings, review_decisions, rules  filled by the checks and review issues
--
-- Constraints hold for what a document can print: S and K are 1-5 by definition, so a misread value is
-- refused (the loader nulls it and records a problem). A printed risk value that breaks RV = S x K is a
-- finding, not a schema error, so risk_value is only checked to be non-negative.

-- ---------------------------------------------------------------------------------------------------------
-- documents: the file table keeps identity; the `documents` view adds the accepted classification
CREATE TABLE document_files (
    doc_id        VARCHAR PRIMARY KEY CHECK (regexp_full_match(doc_id, '[0-9a-f]{16}')),
    sha256        VARCHAR NOT NULL UNIQUE CHECK (regexp_full_match(sha256, '[0-9a-f]{64}')),
    source_uri    VARCHAR NOT NULL,
    page_count    INTEGER NOT NULL CHECK (page_count >= 0),
    first_seen_at TIMESTAMP NOT NULL,
    CHECK (doc_id = left(sha256, 16))
);
INSERT INTO document_files SELECT doc_id, sha256, source_uri, page_count, first_seen_at FROM documents;
DROP TABLE documents;

-- ---------------------------------------------------------------------------------------------------------
-- runs: recreated to add counts and checks (DuckDB cannot add a CHECK to an existing table)
CREATE TABLE runs_v2 (
    run_id              VARCHAR PRIMARY KEY,
    started_at          TIMESTAMP NOT NULL,
    finished_at         TIMESTAMP,
    code_version        VARCHAR NOT NULL,
    status              VARCHAR NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    documents_seen      INTEGER NOT NULL DEFAULT 0 CHECK (documents_seen >= 0),
    documents_new       INTEGER NOT NULL DEFAULT 0 CHECK (documents_new >= 0),
    documents_reextracted INTEGER NOT NULL DEFAULT 0 CHECK (documents_reextracted >= 0),
    documents_unchanged INTEGER NOT NULL DEFAULT 0 CHECK (documents_unchanged >= 0),
    documents_failed    INTEGER NOT NULL DEFAULT 0 CHECK (documents_failed >= 0),
    pages_total         INTEGER NOT NULL DEFAULT 0 CHECK (pages_total >= 0),
    records_loaded      INTEGER NOT NULL DEFAULT 0 CHECK (records_loaded >= 0),
    problems_recorded   INTEGER NOT NULL DEFAULT 0 CHECK (problems_recorded >= 0),
    CHECK (finished_at IS NULL OR finished_at >= started_at),
    CHECK (documents_seen = documents_new + documents_reextracted + documents_unchanged + documents_failed)
);
INSERT INTO runs_v2 (run_id, started_at, finished_at, code_version, status, documents_seen, documents_new,
                     documents_unchanged, documents_failed, pages_total)
SELECT run_id, started_at, finished_at, code_version, status, documents_seen, documents_new,
       documents_unchanged, documents_failed, pages_total FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v2 RENAME TO runs;

CREATE TABLE run_documents_v2 (
    run_id      VARCHAR NOT NULL,
    source_uri  VARCHAR NOT NULL,
    sha256      VARCHAR CHECK (sha256 IS NULL OR regexp_full_match(sha256, '[0-9a-f]{64}')),
    doc_id      VARCHAR,
    status      VARCHAR NOT NULL CHECK (status IN ('new', 'reextracted', 'unchanged', 'failed')),
    reason      VARCHAR,
    detail      VARCHAR,
    page_count  INTEGER CHECK (page_count >= 0),
    PRIMARY KEY (run_id, source_uri),
    CHECK (status = 'failed' OR doc_id IS NOT NULL)
);
INSERT INTO run_documents_v2 SELECT run_id, source_uri, sha256, doc_id, status, reason, detail, page_count
FROM run_documents;
DROP TABLE run_documents;
ALTER TABLE run_documents_v2 RENAME TO run_documents;

CREATE TABLE document_extractions (
    run_id        VARCHAR NOT NULL,
    doc_id        VARCHAR NOT NULL,
    code_version  VARCHAR NOT NULL,
    status        VARCHAR NOT NULL CHECK (status IN ('succeeded', 'failed')),
    doc_type      VARCHAR CHECK (doc_type IN ('VP', 'VB', 'T1', 'T2')),
    year          INTEGER CHECK (year BETWEEN 1900 AND 2200),
    committee     VARCHAR,
    title         VARCHAR,
    page_count    INTEGER NOT NULL CHECK (page_count >= 0),
    records       INTEGER NOT NULL DEFAULT 0 CHECK (records >= 0),
    problems      INTEGER NOT NULL DEFAULT 0 CHECK (problems >= 0),
    error         VARCHAR,
    PRIMARY KEY (run_id, doc_id),
    CHECK (status = 'succeeded' OR error IS NOT NULL)
);

-- ---------------------------------------------------------------------------------------------------------
-- extracted rows, per run. Common columns: run_id, doc_id, row_no (1-based, document order within the
-- entity), page, bbox (x0, top, x1, bottom in PDF points), extra (fields the schema has no column for: NULL)
CREATE TABLE run_risks (
    run_id            VARCHAR NOT NULL,
    doc_id            VARCHAR NOT NULL,
    row_no            INTEGER NOT NULL CHECK (row_no >= 1),
    risk_no           INTEGER CHECK (risk_no >= 0),
    goal_code         VARCHAR,
    goal              VARCHAR,
    process           VARCHAR,
    working_method    VARCHAR,
    event             VARCHAR,
    probability       INTEGER CHECK (probability BETWEEN 1 AND 5),
    probability_label VARCHAR,
    consequence       INTEGER CHECK (consequence BETWEEN 1 AND 5),
    consequence_label VARCHAR,
    risk_value        INTEGER CHECK (risk_value >= 0),
    in_control_plan   BOOLEAN,
    page              INTEGER CHECK (page >= 1),
    bbox              DOUBLE[4],
    extra             JSON,
    PRIMARY KEY (run_id, doc_id, row_no)
);

CREATE TABLE run_risk_matrix (
    run_id      VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    row_no      INTEGER NOT NULL CHECK (row_no >= 1),
    risk_no     INTEGER CHECK (risk_no >= 0),
    probability INTEGER CHECK (probability BETWEEN 1 AND 5),
    consequence INTEGER CHECK (consequence BETWEEN 1 AND 5),
    page        INTEGER CHECK (page >= 1),
    bbox        DOUBLE[4],
    extra       JSON,
    PRIMARY KEY (run_id, doc_id, row_no)
);

CREATE TABLE run_risk_matrix_totals (
    run_id   VARCHAR NOT NULL,
    doc_id   VARCHAR NOT NULL,
    row_no   INTEGER NOT NULL CHECK (row_no >= 1),
    printed  VARCHAR NOT NULL,
    total    INTEGER CHECK (total >= 0),
    page     INTEGER CHECK (page >= 1),
    bbox     DOUBLE[4],
    extra    JSON,
    PRIMARY KEY (run_id, doc_id, row_no)
);

CREATE TABLE run_controls (
    run_id           VARCHAR NOT NULL,
    doc_id           VARCHAR NOT NULL,
    row_no           INTEGER NOT NULL CHECK (row_no >= 1),
    goal_code        VARCHAR,
    process          VARCHAR,
    working_method   VARCHAR,
    control          VARCHAR,
    risk_value       INTEGER CHECK (risk_value >= 0),
    event            VARCHAR,
    control_activity VARCHAR,
    risk_no          INTEGER CHECK (risk_no >= 0),
    link_note        VARCHAR,
    page             INTEGER CHECK (page >= 1),
    bbox             DOUBLE[4],
    extra            JSON,
    PRIMARY KEY (run_id, doc_id, row_no)
);

CREATE TABLE run_control_assessments (
    run_id     VARCHAR NOT NULL,
    doc_id     VARCHAR NOT NULL,
    row_no     INTEGER NOT NULL CHECK (row_no >= 1),
    assessment VARCHAR CHECK (assessment IN ('tillräcklig', 'delvis tillräcklig', 'otillräcklig')),
    printed    VARCHAR NOT NULL,
    analysis   VARCHAR,
    page       INTEGER CHECK (page >= 1),
    bbox       DOUBLE[4],
    extra      JSON,
    PRIMARY KEY (run_id, doc_id, row_no)
);

CREATE TABLE run_control_followups (
    run_id             VARCHAR NOT NULL,
    doc_id             VARCHAR NOT NULL,
    row_no             INTEGER NOT NULL CHECK (row_no >= 1),
    goal_code          VARCHAR,
    process            VARCHAR,
    working_method     VARCHAR,
    control_activity   VARCHAR,
    result_text        VARCHAR,
    performed          BOOLEAN,
    control_doc_id     VARCHAR,
    risk_no            INTEGER CHECK (risk_no >= 0),
    candidate_risk_nos INTEGER[],
    link_note          VARCHAR,
    page               INTEGER CHECK (page >= 1),
    bbox               DOUBLE[4],
    extra              JSON,
    PRIMARY KEY (run_id, doc_id, row_no)
);

CREATE TABLE run_budget_lines (
    run_id        VARCHAR NOT NULL,
    doc_id        VARCHAR NOT NULL,
    row_no        INTEGER NOT NULL CHECK (row_no >= 1),
    sheet         VARCHAR NOT NULL,
    line_no       INTEGER NOT NULL CHECK (line_no >= 0),
    label         VARCHAR NOT NULL,
    parent_label  VARCHAR,
    column_key    VARCHAR NOT NULL,
    column_label  VARCHAR NOT NULL,
    value_sek     DECIMAL(20, 4),
    value_printed VARCHAR NOT NULL,
    unit          VARCHAR,
    page          INTEGER CHECK (page >= 1),
    bbox          DOUBLE[4],
    extra         JSON,
    PRIMARY KEY (run_id, doc_id, row_no)
);

CREATE TABLE run_accounts (
    run_id         VARCHAR NOT NULL,
    doc_id         VARCHAR NOT NULL,
    row_no         INTEGER NOT NULL CHECK (row_no >= 1),
    statement      VARCHAR CHECK (statement IN ('RR', 'BR')),
    account        VARCHAR,
    account_name   VARCHAR,
    level          INTEGER CHECK (level IN (2, 3, 4)),
    parent_account VARCHAR,
    column_key     VARCHAR NOT NULL,
    value_sek      DECIMAL(20, 4),
    value_printed  VARCHAR NOT NULL,
    page           INTEGER CHECK (page >= 1),
    bbox           DOUBLE[4],
    extra          JSON,
    PRIMARY KEY (run_id, doc_id, row_no)
);

CREATE TABLE run_kaa_stats (
    run_id      VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    row_no      INTEGER NOT NULL CHECK (row_no >= 1),
    year        INTEGER CHECK (year BETWEEN 1900 AND 2200),
    metric      VARCHAR NOT NULL,
    unit        VARCHAR CHECK (unit IN ('count', 'percent')),
    group_by    VARCHAR,
    group_value VARCHAR,
    value       DECIMAL(20, 4),
    printed     VARCHAR NOT NULL,
    source      VARCHAR CHECK (source IN ('table', 'text')),
    sentence    VARCHAR,
    page        INTEGER CHECK (page >= 1),
    bbox        DOUBLE[4],
    extra       JSON,
    PRIMARY KEY (run_id, doc_id, row_no)
);

CREATE TABLE run_kpis (
    run_id        VARCHAR NOT NULL,
    doc_id        VARCHAR NOT NULL,
    row_no        INTEGER NOT NULL CHECK (row_no >= 1),
    kpi_no        VARCHAR,
    name          VARCHAR,
    numerator     DECIMAL(20, 4),
    denominator   DECIMAL(20, 4),
    value         DECIMAL(20, 4),
    prior_value   DECIMAL(20, 4),
    unit          VARCHAR,
    value_printed VARCHAR,
    comment       VARCHAR,
    page          INTEGER CHECK (page >= 1),
    bbox          DOUBLE[4],
    extra         JSON,
    PRIMARY KEY (run_id, doc_id, row_no)
);

CREATE TABLE run_projects (
    run_id              VARCHAR NOT NULL,
    doc_id              VARCHAR NOT NULL,
    row_no              INTEGER NOT NULL CHECK (row_no >= 1),
    list                VARCHAR NOT NULL,
    item_no             VARCHAR,
    name                VARCHAR NOT NULL,
    project_key         VARCHAR NOT NULL,
    funder              VARCHAR,
    role                VARCHAR,
    budget_sek          DECIMAL(20, 4),
    budget_printed      VARCHAR,
    currency            VARCHAR,
    cofinancing_sek     DECIMAL(20, 4),
    cofinancing_printed VARCHAR,
    start_month         VARCHAR CHECK (regexp_full_match(start_month, '\d{4}-(0[1-9]|1[0-2])')),
    end_month           VARCHAR CHECK (regexp_full_match(end_month, '\d{4}-(0[1-9]|1[0-2])')),
    department          VARCHAR,
    page                INTEGER CHECK (page >= 1),
    bbox                DOUBLE[4],
    extra               JSON,
    PRIMARY KEY (run_id, doc_id, row_no)
);

CREATE TABLE run_procurements (
    run_id         VARCHAR NOT NULL,
    doc_id         VARCHAR NOT NULL,
    row_no         INTEGER NOT NULL CHECK (row_no >= 1),
    category       VARCHAR,
    category_class VARCHAR,
    description    VARCHAR,
    planned_start  VARCHAR,
    period         VARCHAR,
    value_sek      DECIMAL(20, 4),
    committee      VARCHAR,
    contact        VARCHAR,
    department     VARCHAR,
    page           INTEGER CHECK (page >= 1),
    bbox           DOUBLE[4],
    extra          JSON,
    PRIMARY KEY (run_id, doc_id, row_no)
);

-- records of an entity this schema has no table for yet (a new record class): kept whole, never dropped
CREATE TABLE run_other_records (
    run_id  VARCHAR NOT NULL,
    doc_id  VARCHAR NOT NULL,
    entity  VARCHAR NOT NULL,
    row_no  INTEGER NOT NULL CHECK (row_no >= 1),
    page    INTEGER CHECK (page >= 1),
    bbox    DOUBLE[4],
    payload JSON NOT NULL,
    PRIMARY KEY (run_id, doc_id, entity, row_no)
);

CREATE TABLE run_problems (
    run_id     VARCHAR NOT NULL,
    doc_id     VARCHAR NOT NULL,
    problem_no INTEGER NOT NULL CHECK (problem_no >= 1),
    stage      VARCHAR NOT NULL CHECK (stage IN ('extraction', 'link', 'load')),
    page       INTEGER CHECK (page >= 1),
    section    VARCHAR,
    entity     VARCHAR,
    row_no     INTEGER,
    message    VARCHAR NOT NULL,
    PRIMARY KEY (run_id, doc_id, problem_no)
);

CREATE TABLE run_provenance (
    run_id  VARCHAR NOT NULL,
    doc_id  VARCHAR NOT NULL,
    entity  VARCHAR NOT NULL,
    row_no  INTEGER NOT NULL CHECK (row_no >= 1),
    field   VARCHAR NOT NULL,
    page    INTEGER CHECK (page >= 1),
    bbox    DOUBLE[4],
    printed VARCHAR,
    PRIMARY KEY (run_id, doc_id, entity, row_no, field)
);

-- ---------------------------------------------------------------------------------------------------------
-- checks and review (filled by their issues)
CREATE TABLE rules (
    rule_id     VARCHAR PRIMARY KEY,
    entity      VARCHAR,
    title       VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    tolerance   VARCHAR,
    severity    VARCHAR NOT NULL CHECK (severity IN ('error', 'warning', 'minor', 'info')),
    documented_in VARCHAR
);

CREATE TABLE findings (
    finding_id   VARCHAR NOT NULL,
    run_id       VARCHAR NOT NULL,
    rule_id      VARCHAR NOT NULL,
    severity     VARCHAR NOT NULL CHECK (severity IN ('error', 'warning', 'minor', 'info')),
    doc_id       VARCHAR,
    other_doc_id VARCHAR,
    entity       VARCHAR,
    entity_key   VARCHAR,
    expected     VARCHAR,
    actual       VARCHAR,
    tolerance    VARCHAR,
    message      VARCHAR NOT NULL,
    evidence     STRUCT(doc_id VARCHAR, field VARCHAR, page INTEGER, bbox DOUBLE[4], printed VARCHAR)[],
    status       VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'dismissed')),
    PRIMARY KEY (run_id, finding_id)
);

CREATE TABLE review_decisions (
    decision_id    VARCHAR PRIMARY KEY,
    run_id         VARCHAR NOT NULL,
    entity         VARCHAR NOT NULL,
    entity_key     VARCHAR NOT NULL,
    field          VARCHAR,
    old_value      VARCHAR,
    new_value      VARCHAR,
    decision       VARCHAR NOT NULL CHECK (decision IN ('accept', 'reject', 'override')),
    override_value VARCHAR,
    reviewer       VARCHAR NOT NULL,
    decided_at     TIMESTAMP NOT NULL,
    comment        VARCHAR,
    CHECK (decision <> 'override' OR override_value IS NOT NULL)
);

-- ---------------------------------------------------------------------------------------------------------
-- published views. The accepted extraction of a document: until steward review exists, the latest
-- successful extraction (latest run by started_at, then run_id). The review issue replaces this one view.
CREATE VIEW published_extractions AS
SELECT doc_id, run_id FROM (
    SELECT e.doc_id, e.run_id,
           row_number() OVER (PARTITION BY e.doc_id ORDER BY r.started_at DESC, e.run_id DESC) AS rank
    FROM document_extractions e JOIN runs r ON r.run_id = e.run_id
    WHERE e.status = 'succeeded' AND r.status = 'succeeded'
) WHERE rank = 1;

CREATE VIEW documents AS
SELECT f.doc_id, f.sha256, f.source_uri, e.doc_type, e.year, e.committee, e.title, f.page_count,
       f.first_seen_at, p.run_id AS published_run_id
FROM document_files f
LEFT JOIN published_extractions p ON p.doc_id = f.doc_id
LEFT JOIN document_extractions e ON e.doc_id = p.doc_id AND e.run_id = p.run_id;

CREATE VIEW risks AS
SELECT t.doc_id, t.risk_no, t.goal_code, t.goal, t.process, t.working_method, t.event, t.probability,
       t.probability_label, t.consequence, t.consequence_label, t.risk_value, t.in_control_plan, t.page, t.bbox,
       t.run_id, t.row_no
FROM run_risks t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW risk_matrix AS
SELECT t.doc_id, t.risk_no, t.probability, t.consequence, t.page, t.bbox, t.run_id, t.row_no
FROM run_risk_matrix t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW risk_matrix_totals AS
SELECT t.doc_id, t.printed, t.total, t.page, t.bbox, t.run_id, t.row_no
FROM run_risk_matrix_totals t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW controls AS
SELECT t.doc_id, t.goal_code, t.process, t.working_method, t.control, t.risk_value, t.event, t.control_activity,
       t.risk_no, t.link_note, t.page, t.bbox, t.run_id, t.row_no
FROM run_controls t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW control_assessments AS
SELECT t.doc_id, t.assessment, t.printed, t.analysis, t.page, t.bbox, t.run_id, t.row_no
FROM run_control_assessments t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW control_followups AS
SELECT t.doc_id, t.goal_code, t.process, t.working_method, t.control_activity, t.result_text, t.performed,
       t.control_doc_id, t.risk_no, t.candidate_risk_nos, t.link_note, t.page, t.bbox, t.run_id, t.row_no
FROM run_control_followups t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW budget_lines AS
SELECT t.doc_id, t.sheet, t.line_no, t.label, t.parent_label, t.column_key, t.column_label, t.value_sek,
       t.value_printed, t.unit, t.page, t.bbox, t.run_id, t.row_no
FROM run_budget_lines t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW accounts AS
SELECT t.doc_id, t.statement, t.account, t.account_name, t.level, t.parent_account, t.column_key, t.value_sek,
       t.value_printed, t.page, t.bbox, t.run_id, t.row_no
FROM run_accounts t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW kaa_stats AS
SELECT t.doc_id, t.year, t.metric, t.unit, t.group_by, t.group_value, t.value, t.printed, t.source, t.sentence,
       t.page, t.bbox, t.run_id, t.row_no
FROM run_kaa_stats t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW kpis AS
SELECT t.doc_id, t.kpi_no, t.name, t.numerator, t.denominator, t.value, t.prior_value, t.unit, t.value_printed,
       t.comment, t.page, t.bbox, t.run_id, t.row_no
FROM run_kpis t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW projects AS
SELECT t.doc_id, t.list, t.item_no, t.name, t.project_key, t.funder, t.role, t.budget_sek, t.budget_printed,
       t.currency, t.cofinancing_sek, t.cofinancing_printed, t.start_month, t.end_month, t.department, t.page,
       t.bbox, t.run_id, t.row_no
FROM run_projects t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW procurements AS
SELECT t.doc_id, t.category, t.category_class, t.description, t.planned_start, t.period, t.value_sek,
       t.committee, t.contact, t.department, t.page, t.bbox, t.run_id, t.row_no
FROM run_procurements t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW other_records AS
SELECT t.doc_id, t.entity, t.row_no, t.page, t.bbox, t.payload, t.run_id
FROM run_other_records t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW problems AS
SELECT t.doc_id, t.problem_no, t.stage, t.page, t.section, t.entity, t.row_no, t.message, t.run_id
FROM run_problems t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;

CREATE VIEW provenance AS
SELECT t.doc_id, t.entity, t.row_no, t.field, t.page, t.bbox, t.printed, t.run_id
FROM run_provenance t JOIN published_extractions p ON p.doc_id = t.doc_id AND p.run_id = t.run_id;
