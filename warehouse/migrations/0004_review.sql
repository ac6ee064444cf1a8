-- Schema version 4: steward review. The published views show accepted values only.
--
-- Layout
--   publications      one row per (run, document) the review step handled: the first version of a logical
--                     document (doc_type-year-committee) is published as the baseline by 'system'; a
--                     re-extraction or a republished version is diffed against the published state
--   review_changes    what a run would change in the published state, one row per field (or whole row added /
--                     removed); append-only. Its status comes from review_decisions (pipeline/review/store.py)
--   review_decisions  (since v2) gains change_id, doc_id, doc_key and lifts (the override a decision lifts);
--                     append-only: a decision is never edited
--   pub_<entity>      the materialised published rows: identity (run_id, doc_id, row_no) of the newest run row
--                     that matched them, values as accepted (an override's value while it stands)
--   pub_provenance    field-level provenance of the published values (page, bbox, printed of the run the value
--                     came from), keyed by the published row's identity
-- The contract views read the pub_ tables; the run_ tables keep every run's extraction as it was.

CREATE TABLE publications (
    run_id          VARCHAR NOT NULL,
    doc_id          VARCHAR NOT NULL,
    doc_key         VARCHAR NOT NULL,
    basis           VARCHAR NOT NULL CHECK (basis IN ('baseline', 'reextraction', 'republished')),
    compared_doc_id VARCHAR,
    reviewer        VARCHAR NOT NULL,
    published_at    TIMESTAMP NOT NULL,
    reason          VARCHAR NOT NULL,
    rows_published  INTEGER NOT NULL DEFAULT 0 CHECK (rows_published >= 0),
    changes_queued  INTEGER NOT NULL DEFAULT 0 CHECK (changes_queued >= 0),
    PRIMARY KEY (run_id, doc_id)
);

CREATE TABLE review_changes (
    change_id   VARCHAR PRIMARY KEY,
    run_id      VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    doc_key     VARCHAR NOT NULL,
    entity      VARCHAR NOT NULL,
    entity_key  VARCHAR NOT NULL,
    field       VARCHAR,
    kind        VARCHAR NOT NULL CHECK (kind IN ('added', 'removed', 'changed')),
    old_value   VARCHAR,
    new_value   VARCHAR,
    old_printed VARCHAR,
    new_printed VARCHAR,
    old_run_id  VARCHAR,
    old_doc_id  VARCHAR,
    old_row_no  INTEGER,
    old_page    INTEGER,
    old_bbox    DOUBLE[4],
    new_row_no  INTEGER,
    new_page    INTEGER,
    new_bbox    DOUBLE[4],
    created_at  TIMESTAMP NOT NULL,
    CHECK (kind <> 'changed' OR field IS NOT NULL),
    CHECK (kind = 'added' OR old_row_no IS NOT NULL),
    CHECK (kind = 'removed' OR new_row_no IS NOT NULL)
);

ALTER TABLE review_decisions ADD COLUMN change_id VARCHAR;
ALTER TABLE review_decisions ADD COLUMN doc_id VARCHAR;
ALTER TABLE review_decisions ADD COLUMN doc_key VARCHAR;
ALTER TABLE review_decisions ADD COLUMN lifts VARCHAR;

-- ---------------------------------------------------------------------------------------------------------
-- the published layer, started from what was published before review existed (the latest successful
-- extraction of each document), recorded as baselines
CREATE TABLE publications_seed AS
SELECT p.run_id, p.doc_id,
       coalesce(e.doc_type, '?') || '-' || coalesce(CAST(e.year AS VARCHAR), '?') || '-' || coalesce(e.committee, '?')
           AS doc_key
FROM published_extractions p JOIN document_extractions e ON e.run_id = p.run_id AND e.doc_id = p.doc_id;

INSERT INTO publications (run_id, doc_id, doc_key, basis, reviewer, published_at, reason)
SELECT run_id, doc_id, doc_key, 'baseline', 'system', now()::TIMESTAMP, 'first version (published before review existed)'
FROM publications_seed;

CREATE TABLE pub_risks AS SELECT t.* FROM run_risks t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_risk_matrix AS SELECT t.* FROM run_risk_matrix t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_risk_matrix_totals AS
SELECT t.* FROM run_risk_matrix_totals t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_controls AS SELECT t.* FROM run_controls t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_control_assessments AS
SELECT t.* FROM run_control_assessments t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_control_followups AS
SELECT t.* FROM run_control_followups t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_budget_lines AS SELECT t.* FROM run_budget_lines t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_accounts AS SELECT t.* FROM run_accounts t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_kaa_stats AS SELECT t.* FROM run_kaa_stats t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_kpis AS SELECT t.* FROM run_kpis t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_projects AS SELECT t.* FROM run_projects t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_procurements AS SELECT t.* FROM run_procurements t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_other_records AS
SELECT t.* FROM run_other_records t JOIN publications_seed p USING (run_id, doc_id);
CREATE TABLE pub_provenance AS SELECT t.* FROM run_provenance t JOIN publications_seed p USING (run_id, doc_id);

DROP TABLE publications_seed;

-- every published row's identity, for joins on (run_id, doc_id, entity, row_no)
CREATE VIEW published_rows AS
          SELECT run_id, doc_id, 'risks' AS entity, row_no FROM pub_risks
UNION ALL SELECT run_id, doc_id, 'risk_matrix', row_no FROM pub_risk_matrix
UNION ALL SELECT run_id, doc_id, 'risk_matrix_totals', row_no FROM pub_risk_matrix_totals
UNION ALL SELECT run_id, doc_id, 'controls', row_no FROM pub_controls
UNION ALL SELECT run_id, doc_id, 'control_assessments', row_no FROM pub_control_assessments
UNION ALL SELECT run_id, doc_id, 'control_followups', row_no FROM pub_control_followups
UNION ALL SELECT run_id, doc_id, 'budget_lines', row_no FROM pub_budget_lines
UNION ALL SELECT run_id, doc_id, 'accounts', row_no FROM pub_accounts
UNION ALL SELECT run_id, doc_id, 'kaa_stats', row_no FROM pub_kaa_stats
UNION ALL SELECT run_id, doc_id, 'kpis', row_no FROM pub_kpis
UNION ALL SELECT run_id, doc_id, 'projects', row_no FROM pub_projects
UNION ALL SELECT run_id, doc_id, 'procurements', row_no FROM pub_procurements
UNION ALL SELECT run_id, doc_id, entity, row_no FROM pub_other_records;

-- the accepted extraction of a document: its latest publication, for documents that are the current version of
-- their logical document or still supply published rows (a republished version's rejected changes)
CREATE OR REPLACE VIEW published_extractions AS
WITH ranked AS (
    SELECT p.doc_id, p.run_id, p.doc_key,
           row_number() OVER (PARTITION BY p.doc_id ORDER BY r.started_at DESC, p.run_id DESC) AS doc_rank,
           row_number() OVER (PARTITION BY p.doc_key ORDER BY r.started_at DESC, p.run_id DESC, p.doc_id DESC)
               AS key_rank
    FROM publications p JOIN runs r ON r.run_id = p.run_id
)
SELECT doc_id, run_id FROM ranked
WHERE doc_rank = 1
  AND (doc_id IN (SELECT doc_id FROM ranked WHERE key_rank = 1)
       OR doc_id IN (SELECT DISTINCT doc_id FROM published_rows));

CREATE OR REPLACE VIEW risks AS
SELECT t.doc_id, t.risk_no, t.goal_code, t.goal, t.process, t.working_method, t.event, t.probability,
       t.probability_label, t.consequence, t.consequence_label, t.risk_value, t.in_control_plan, t.page, t.bbox,
       t.run_id, t.row_no
FROM pub_risks t;

CREATE OR REPLACE VIEW risk_matrix AS
SELECT t.doc_id, t.risk_no, t.probability, t.consequence, t.page, t.bbox, t.run_id, t.row_no
FROM pub_risk_matrix t;

CREATE OR REPLACE VIEW risk_matrix_totals AS
SELECT t.doc_id, t.printed, t.total, t.page, t.bbox, t.run_id, t.row_no
FROM pub_risk_matrix_totals t;

CREATE OR REPLACE VIEW controls AS
SELECT t.doc_id, t.goal_code, t.process, t.working_method, t.control, t.risk_value, t.event, t.control_activity,
       t.risk_no, t.link_note, t.page, t.bbox, t.run_id, t.row_no
FROM pub_controls t;

CREATE OR REPLACE VIEW control_assessments AS
SELECT t.doc_id, t.assessment, t.printed, t.analysis, t.page, t.bbox, t.run_id, t.row_no
FROM pub_control_assessments t;

CREATE OR REPLACE VIEW control_followups AS
SELECT t.doc_id, t.goal_code, t.process, t.working_method, t.control_activity, t.result_text, t.performed,
       t.control_doc_id, t.risk_no, t.candidate_risk_nos, t.link_note, t.page, t.bbox, t.run_id, t.row_no
FROM pub_control_followups t;

CREATE OR REPLACE VIEW budget_lines AS
SELECT t.doc_id, t.sheet, t.line_no, t.label, t.parent_label, t.column_key, t.column_label, t.value_sek,
       t.value_printed, t.unit, t.page, t.bbox, t.run_id, t.row_no
FROM pub_budget_lines t;

CREATE OR REPLACE VIEW accounts AS
SELECT t.doc_id, t.statement, t.account, t.account_name, t.level, t.parent_account, t.column_key, t.value_sek,
       t.value_printed, t.page, t.bbox, t.run_id, t.row_no
FROM pub_accounts t;

CREATE OR REPLACE VIEW kaa_stats AS
SELECT t.doc_id, t.year, t.metric, t.unit, t.group_by, t.group_value, t.value, t.printed, t.source, t.sentence,
       t.page, t.bbox, t.run_id, t.row_no
FROM pub_kaa_stats t;

CREATE OR REPLACE VIEW kpis AS
SELECT t.doc_id, t.kpi_no, t.name, t.numerator, t.denominator, t.value, t.prior_value, t.unit, t.value_printed,
       t.comment, t.page, t.bbox, t.run_id, t.row_no
FROM pub_kpis t;

CREATE OR REPLACE VIEW projects AS
SELECT t.doc_id, t.list, t.item_no, t.name, t.project_key, t.funder, t.role, t.budget_sek, t.budget_printed,
       t.currency, t.cofinancing_sek, t.cofinancing_printed, t.start_month, t.end_month, t.department, t.page,
       t.bbox, t.run_id, t.row_no
FROM pub_projects t;

CREATE OR REPLACE VIEW procurements AS
SELECT t.doc_id, t.category, t.category_class, t.description, t.planned_start, t.period, t.value_sek,
       t.committee, t.contact, t.department, t.page, t.bbox, t.run_id, t.row_no
FROM pub_procurements t;

CREATE OR REPLACE VIEW other_records AS
SELECT t.doc_id, t.entity, t.row_no, t.page, t.bbox, t.payload, t.run_id
FROM pub_other_records t;

CREATE OR REPLACE VIEW provenance AS
SELECT t.doc_id, t.entity, t.row_no, t.field, t.page, t.bbox, t.printed, t.run_id
FROM pub_provenance t;
