-- =============================================================================
-- Benchmarks/sql/revenue.sql
--
-- NRR, GRR, revenue churn and logo churn of every agency over [P0, P1] with
-- P1 = T and P0 = T − 365 days (DESIGN.md, "Metric definitions", defaults),
-- computed by DuckDB from accounts.csv and mrr.csv.
--
-- Placeholders, substituted textually by Benchmarks/score_bench.py:
--   {dir}     the dataset directory (mrr.csv may be a header-only stand-in)
--   {as_of}   T, as YYYY-MM-DD.
--
-- The last statement returns one row per agency (every agency of accounts.csv
-- or agencies.csv): agency_id, p0, p1, cohort_accounts, churned_accounts,
-- mrr_p0_cents, mrr_p1_cents, nrr, grr, revenue_churn, logo_churn (the four
-- ratios NULL when the cohort is empty).
-- =============================================================================

SET TimeZone = 'UTC';

CREATE OR REPLACE TEMP MACRO as_of() AS DATE '{as_of}';

CREATE OR REPLACE TEMP MACRO csv_text(path) AS TABLE
    SELECT * FROM read_csv(path, header = true, all_varchar = true,
                           delim = ',', quote = '"', escape = '"');

-- Entities: of two rows with one account_id the later row wins (upsert);
-- rowid of a table created from read_csv is file order.
CREATE OR REPLACE TEMP TABLE revenue_account_rows AS
    SELECT account_id, agency_id, tracked FROM csv_text('{dir}/accounts.csv');

-- mrr.csv in file order: "of two rows on one date, the one ingested last".
CREATE OR REPLACE TEMP TABLE mrr_rows AS
    SELECT account_id, CAST(date AS DATE) AS date, CAST(mrr_cents AS BIGINT) AS mrr_cents
    FROM csv_text('{dir}/mrr.csv');

-- "MRR(a, d): the mrr_cents of a's latest mrr.csv row with date ≤ d (0 if
--  none; of two rows on one date, the one ingested last)."
CREATE OR REPLACE TEMP MACRO mrr_on(d) AS TABLE
    SELECT account_id, mrr_cents
    FROM mrr_rows
    WHERE date <= d
    QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY date DESC, rowid DESC) = 1;

CREATE OR REPLACE TEMP VIEW agency_revenue AS
WITH
period AS (
    -- "default P1 = T, P0 = T − 365 days"; "P0 is exactly T − 365 days"
    SELECT as_of() - 365 AS p0, as_of() AS p1
),

accounts AS (
    SELECT account_id, agency_id, lower(trim(tracked)) = 'true' AS tracked
    FROM revenue_account_rows
    QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY rowid DESC) = 1
),

agencies AS (
    SELECT agency_id FROM accounts
    UNION
    SELECT agency_id FROM csv_text('{dir}/agencies.csv')
),

mrr_p0 AS (SELECT * FROM mrr_on(as_of() - 365)),
mrr_p1 AS (SELECT * FROM mrr_on(as_of())),

cohort AS (
    -- "cohort = tracked accounts with MRR(a, P0) > 0"
    SELECT a.agency_id, a.account_id,
           s.mrr_cents                AS start_cents,
           coalesce(e.mrr_cents, 0)   AS end_cents
    FROM accounts a
    JOIN mrr_p0 s USING (account_id)
    LEFT JOIN mrr_p1 e USING (account_id)
    WHERE a.tracked AND s.mrr_cents > 0
),

per_agency AS (
    SELECT agency_id,
           count(*)                                       AS cohort_accounts,
           -- "Logo churn = count of those" (cohort accounts with MRR(a, P1) = 0)
           count(*) FILTER (WHERE end_cents = 0)          AS churned_accounts,
           sum(start_cents)                               AS mrr_p0_cents,
           sum(end_cents)                                 AS mrr_p1_cents,
           sum(least(start_cents, end_cents))             AS retained_cents,
           coalesce(sum(start_cents) FILTER (WHERE end_cents = 0), 0) AS churned_cents
    FROM cohort
    GROUP BY agency_id
)

SELECT g.agency_id,
       p.p0,
       p.p1,
       coalesce(r.cohort_accounts, 0)  AS cohort_accounts,
       coalesce(r.churned_accounts, 0) AS churned_accounts,
       coalesce(r.mrr_p0_cents, 0)     AS mrr_p0_cents,
       coalesce(r.mrr_p1_cents, 0)     AS mrr_p1_cents,
       -- "an empty cohort gives no ratio (null), not 0": r is NULL then.
       -- "NRR = Σ MRR(a, P1) / Σ MRR(a, P0)"
       CAST(r.mrr_p1_cents AS DOUBLE) / r.mrr_p0_cents          AS nrr,
       -- "GRR = Σ min(MRR(a, P1), MRR(a, P0)) / Σ MRR(a, P0)"
       CAST(r.retained_cents AS DOUBLE) / r.mrr_p0_cents        AS grr,
       -- "Revenue churn = Σ MRR(a, P0) over cohort accounts with MRR(a, P1) = 0,
       --  / Σ MRR(a, P0)"
       CAST(r.churned_cents AS DOUBLE) / r.mrr_p0_cents         AS revenue_churn,
       -- "Logo churn = count of those / cohort size"
       CAST(r.churned_accounts AS DOUBLE) / r.cohort_accounts   AS logo_churn
FROM agencies g
CROSS JOIN period p
LEFT JOIN per_agency r USING (agency_id);

SELECT * FROM agency_revenue ORDER BY agency_id;
