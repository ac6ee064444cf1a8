-- Schema version 5: how a KAA figure from prose relates to its year.
--
-- A sentence like "268 fler än under 2021" states a change, not the year's level; until now only the sentence
-- said so, and the checks re-read it with the prose parser. `comparison` is what extraction read: 'level',
-- 'prior', 'from', 'to' (levels), 'increase', 'decrease', 'diff', 'diff_vs_<year>' (changes); `vs_year` the year
-- a change is counted from. Both are NULL for figures from tables, and for prose figures extracted before this
-- version (the checks then read the sentence again).

ALTER TABLE run_kaa_stats ADD COLUMN comparison VARCHAR;
ALTER TABLE run_kaa_stats ADD COLUMN vs_year INTEGER;
ALTER TABLE pub_kaa_stats ADD COLUMN comparison VARCHAR;
ALTER TABLE pub_kaa_stats ADD COLUMN vs_year INTEGER;

CREATE OR REPLACE VIEW kaa_stats AS
SELECT t.doc_id, t.year, t.metric, t.unit, t.group_by, t.group_value, t.value, t.printed, t.source, t.sentence,
       t.comparison, t.vs_year, t.page, t.bbox, t.run_id, t.row_no
FROM pub_kaa_stats t;
