-- Schema version 3: which runs ran the checks, and the findings of the latest one.
--
-- `findings` and `rules` exist since version 2; pipeline/checks/store.py fills them. A run that ran the checks
-- is recorded in `check_runs` even when it found nothing, so `current_findings` can tell "no findings" from
-- "not checked". `muni check` re-runs the checks over the published state and replaces the latest run's
-- findings (steward decisions on a finding carry over by its stable `finding_id`).

CREATE TABLE check_runs (
    run_id        VARCHAR PRIMARY KEY,
    checked_at    TIMESTAMP NOT NULL,
    code_version  VARCHAR NOT NULL,
    documents     INTEGER NOT NULL CHECK (documents >= 0),
    rules         INTEGER NOT NULL CHECK (rules >= 0),
    findings      INTEGER NOT NULL CHECK (findings >= 0)
);

-- the findings of the run that ran the checks last
CREATE VIEW current_findings AS
SELECT f.*
FROM findings f
WHERE f.run_id = (SELECT run_id FROM check_runs ORDER BY checked_at DESC, run_id DESC LIMIT 1);
