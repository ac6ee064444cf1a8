-- Schema version 1: documents, runs and what each run saw.
CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    applied_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS documents (
    doc_id        VARCHAR PRIMARY KEY,          -- first 16 hex digits of sha256: content-addressed
    sha256        VARCHAR NOT NULL UNIQUE,
    source_uri    VARCHAR NOT NULL,
    doc_type      VARCHAR,                      -- 'VP', 'VB', ... (NULL until classified)
    year          INTEGER,
    committee     VARCHAR,
    title         VARCHAR,
    page_count    INTEGER NOT NULL CHECK (page_count >= 0),
    first_seen_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
    run_id            VARCHAR PRIMARY KEY,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP,
    code_version      VARCHAR NOT NULL,
    status            VARCHAR NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    documents_seen    INTEGER NOT NULL DEFAULT 0,
    documents_new     INTEGER NOT NULL DEFAULT 0,
    documents_unchanged INTEGER NOT NULL DEFAULT 0,
    documents_failed  INTEGER NOT NULL DEFAULT 0,
    pages_total       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS run_documents (
    run_id      VARCHAR NOT NULL,
    source_uri  VARCHAR NOT NULL,
    sha256      VARCHAR,
    doc_id      VARCHAR,                        -- NULL when the file could not be read as a PDF
    status      VARCHAR NOT NULL CHECK (status IN ('new', 'unchanged', 'failed')),
    reason      VARCHAR,                        -- not_pdf, encrypted, corrupt, no_text_layer, no_pages, ...
    detail      VARCHAR,
    page_count  INTEGER,
    PRIMARY KEY (run_id, source_uri)
);
