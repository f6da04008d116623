-- =============================================================================
-- Benchmarks/sql/score.sql
--
-- The health score, its six components and the seven risk signals of every
-- TRACKED account of every agency as of day T, computed by DuckDB straight
-- from a dataset's CSV files. It is an independent reference for
-- `vitals score`: every rule below quotes DESIGN.md, "Metric definitions".
--
-- Placeholders, substituted textually by Benchmarks/score_bench.py:
--   {dir}     the dataset directory. Every file read here must exist in it;
--             the script stands in header-only CSVs for missing optional files.
--   {as_of}   T, as YYYY-MM-DD.
--
-- The last statement returns one row per tracked account:
--   agency_id, account_id, as_of, health, band,
--   activity, recency, breadth, trend, payments, sentiment, signals
-- (components unrounded doubles; health rounded to one decimal).
--
-- Each CSV is read once: the two event CTEs that are used twice are
-- MATERIALIZED. Decisions where DESIGN.md is silent are marked DECISION.
-- =============================================================================

-- "All days are UTC calendar days (timestamps with an offset are converted to
--  UTC first)."
SET TimeZone = 'UTC';

CREATE OR REPLACE TEMP MACRO as_of() AS DATE '{as_of}';

-- "`ts` is RFC 3339 UTC (`2026-11-20T13:45:07Z`, fractional seconds and
--  `+00:00` allowed) or integer epoch seconds."
CREATE OR REPLACE TEMP MACRO utc_instant(ts) AS
    CASE WHEN regexp_full_match(trim(ts), '[+-]?[0-9]+')
         THEN to_timestamp(CAST(trim(ts) AS BIGINT))        -- epoch seconds
         ELSE CAST(upper(trim(ts)) AS TIMESTAMPTZ)          -- RFC 3339, any offset
    END;

-- DECISION: instants keep DuckDB's microsecond precision, so two feedback rows
-- differing only in fractional seconds are not a tie.
-- The UTC day of a ts. Fast path: a ts that ends in Z / +00:00 is already UTC,
-- so its day is its first ten characters; everything else goes through
-- utc_instant (the session time zone is UTC, so the DATE cast is the UTC day).
CREATE OR REPLACE TEMP MACRO utc_day(ts) AS
    CASE WHEN (suffix(ts, 'Z') OR suffix(ts, 'z') OR suffix(ts, '+00:00'))
              AND substr(ts, 11, 1) IN ('T', 't', ' ')
         THEN CAST(left(ts, 10) AS DATE)
         ELSE CAST(utc_instant(ts) AS DATE)
    END;

-- RFC 4180 CSV, header row, columns found by header name, every value read as
-- text ("Identifiers are opaque strings": `007` must stay `007`).
CREATE OR REPLACE TEMP MACRO csv_text(path) AS TABLE
    SELECT * FROM read_csv(path, header = true, all_varchar = true,
                           delim = ',', quote = '"', escape = '"');

-- -----------------------------------------------------------------------------
-- Entities. DECISION: ingest upserts entities, so of two rows with one id the
-- later row (in file order) wins; rowid of a table created from read_csv is
-- file order. (data-gen writes no duplicate ids.)
-- -----------------------------------------------------------------------------
CREATE OR REPLACE TEMP TABLE account_rows AS
    SELECT account_id, agency_id, seats, renewal_date, tracked
    FROM csv_text('{dir}/accounts.csv');

CREATE OR REPLACE TEMP TABLE accounts AS
    SELECT account_id,
           agency_id,
           CAST(NULLIF(trim(seats), '') AS BIGINT)       AS seats,         -- "seats" may be empty
           CAST(NULLIF(trim(renewal_date), '') AS DATE)  AS renewal_date,  -- "renewal_date may be empty"
           lower(trim(tracked)) = 'true'                 AS tracked        -- "`tracked` true/false"
    FROM account_rows
    QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY rowid DESC) = 1;

CREATE OR REPLACE TEMP TABLE user_rows AS
    SELECT user_id, account_id, key_user
    FROM csv_text('{dir}/users.csv');

CREATE OR REPLACE TEMP TABLE users AS
    SELECT user_id, account_id, lower(trim(key_user)) = 'true' AS key_user
    FROM user_rows
    QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY rowid DESC) = 1;

-- -----------------------------------------------------------------------------
-- The score.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE TEMP VIEW account_scores AS
WITH
tracked_accounts AS (
    -- "Per-agency metrics consider that agency's tracked accounts only; every
    --  tracked account is scored, churned ones (MRR 0) included."
    SELECT account_id, agency_id, seats, renewal_date
    FROM accounts
    WHERE tracked
),

users_per_account AS (
    -- "users(a): every users.csv row of account a (created_at ignored)."
    SELECT account_id, count(*) AS n_users
    FROM users
    GROUP BY account_id
),

last_login_per_account_user AS MATERIALIZED (
    -- One pass over logins.csv: each (login account, user) pair's latest login
    -- day <= T. "Everything after T is ignored everywhere."
    SELECT account_id, user_id, max(day) AS last_day
    FROM (SELECT account_id, user_id, utc_day(ts) AS day
          FROM csv_text('{dir}/logins.csv'))
    WHERE day <= as_of()
    GROUP BY account_id, user_id
),

logins_per_account AS (
    SELECT account_id,
           -- "recency uses the latest login at any time up to T"
           max(last_day) AS last_login_day,
           -- "wau(a): distinct user_ids among logins whose own account_id is a,
           --  in the last 7 days" = users whose latest login (<= T) under a is
           --  in [T-6, T].
           count(*) FILTER (WHERE last_day >= as_of() - 6) AS wau
    FROM last_login_per_account_user
    GROUP BY account_id
),

last_login_per_user AS (
    -- "last_login(u): latest login day <= T". DECISION: a user's logins under
    -- any account count (data-gen never logs a user in under another account).
    SELECT user_id, max(last_day) AS last_day
    FROM last_login_per_account_user
    GROUP BY user_id
),

inactive_key_users_per_account AS (
    -- champion_inactive: "a key user with no login in the last 14 days,
    --  never-logged-in included; accounts without key users never fire".
    SELECT u.account_id, count(*) AS n_inactive_key_users
    FROM users u
    LEFT JOIN last_login_per_user l USING (user_id)
    WHERE u.key_user
      AND (l.last_day IS NULL OR l.last_day < as_of() - 13)
    GROUP BY u.account_id
),

feature_uses_last_30_days AS MATERIALIZED (
    -- One pass over feature_usage.csv, days [T-29, T] only: every window below
    -- lies inside it. "Feature uses: sum of `count`."
    SELECT account_id, feature,
           sum(uses)                                                         AS uses_30d,
           sum(uses) FILTER (WHERE day >= as_of() - 13)                      AS uses_cur14,
           sum(uses) FILTER (WHERE day BETWEEN as_of() - 27 AND as_of() - 14) AS uses_prev14,
           sum(uses) FILTER (WHERE day >= as_of() - 6)                       AS uses_cur7,
           sum(uses) FILTER (WHERE day BETWEEN as_of() - 13 AND as_of() - 7)  AS uses_prev7
    FROM (SELECT account_id, feature, CAST("count" AS BIGINT) AS uses, utc_day(ts) AS day
          FROM csv_text('{dir}/feature_usage.csv'))
    WHERE day BETWEEN as_of() - 29 AND as_of()
    GROUP BY account_id, feature
),

usage_per_account AS (
    SELECT account_id,
           -- breadth numerator: "distinct features a used in the last 30 days"
           count(*)                         AS features_30d,
           -- trend: "cur = a's uses in the last 14 days, prev = the 14 days
           --  before", "cur = [T-13, T], prev = [T-27, T-14]"
           coalesce(sum(uses_cur14), 0)     AS uses_cur14,
           coalesce(sum(uses_prev14), 0)    AS uses_prev14,
           -- usage_drop: "the account's uses over the last 7 days vs the 7 before"
           coalesce(sum(uses_cur7), 0)      AS uses_cur7,
           coalesce(sum(uses_prev7), 0)     AS uses_prev7
    FROM feature_uses_last_30_days
    GROUP BY account_id
),

agency_features_30d AS (
    -- breadth denominator: "distinct features used by any tracked account of
    --  the agency in the last 30 days"
    SELECT t.agency_id, count(DISTINCT f.feature) AS n_features
    FROM feature_uses_last_30_days f
    JOIN tracked_accounts t USING (account_id)
    GROUP BY t.agency_id
),

failed_payments_30d AS (
    -- payments: "f = failed payments of a in the last 30 days". DECISION: every
    -- failed row counts, recovered or not (recovery belongs to the Failed
    -- payments tool, not to this component); status compared case-insensitively.
    SELECT account_id, count(*) AS n_failed
    FROM (SELECT account_id, status, utc_day(ts) AS day
          FROM csv_text('{dir}/payments.csv'))
    WHERE day BETWEEN as_of() - 29 AND as_of()
      AND lower(trim(status)) = 'failed'
    GROUP BY account_id
),

latest_nps_180d AS (
    -- sentiment: "the latest NPS is the latest row by `ts` in [T-179, T], the
    --  lower score on a tie"
    SELECT account_id, nps
    FROM (SELECT account_id, CAST(score AS DOUBLE) AS nps, utc_instant(ts) AS instant
          FROM csv_text('{dir}/feedback.csv'))
    WHERE CAST(instant AS DATE) BETWEEN as_of() - 179 AND as_of()
    QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY instant DESC, nps ASC) = 1
),

account_facts AS (
    SELECT t.agency_id, t.account_id, t.seats, t.renewal_date,
           coalesce(u.n_users, 0)              AS n_users,
           coalesce(l.wau, 0)                  AS wau,
           l.last_login_day,
           coalesce(g.features_30d, 0)         AS features_30d,
           coalesce(af.n_features, 0)          AS agency_features_30d,
           coalesce(g.uses_cur14, 0)           AS uses_cur14,
           coalesce(g.uses_prev14, 0)          AS uses_prev14,
           coalesce(g.uses_cur7, 0)            AS uses_cur7,
           coalesce(g.uses_prev7, 0)           AS uses_prev7,
           coalesce(p.n_failed, 0)             AS n_failed_30d,
           n.nps,
           coalesce(k.n_inactive_key_users, 0) AS n_inactive_key_users
    FROM tracked_accounts t
    LEFT JOIN users_per_account u              USING (account_id)
    LEFT JOIN logins_per_account l             USING (account_id)
    LEFT JOIN usage_per_account g              USING (account_id)
    LEFT JOIN agency_features_30d af           ON af.agency_id = t.agency_id
    LEFT JOIN failed_payments_30d p            USING (account_id)
    LEFT JOIN latest_nps_180d n                USING (account_id)
    LEFT JOIN inactive_key_users_per_account k USING (account_id)
),

components AS (
    SELECT *,
           -- activity: "min(1, wau(a) / max(1, users(a)))"
           least(1.0::DOUBLE, CAST(wau AS DOUBLE) / greatest(1, n_users)) AS activity,
           -- recency: "max(0, 1 − d/30), d = days since the account's latest
           --  login; 0 when never"
           CASE WHEN last_login_day IS NULL THEN 0.0::DOUBLE
                ELSE greatest(0.0::DOUBLE,
                              1.0::DOUBLE - CAST(as_of() - last_login_day AS DOUBLE) / 30.0::DOUBLE)
           END AS recency,
           -- breadth: "distinct features a used in the last 30 days / max(1,
           --  distinct features used by any tracked account of the agency in
           --  the last 30 days)"; "breadth is 0 when its denominator is 0"
           CASE WHEN agency_features_30d = 0 THEN 0.0::DOUBLE
                ELSE CAST(features_30d AS DOUBLE) / greatest(1, agency_features_30d)
           END AS breadth,
           -- trend: "clamp(0.5 + (cur − prev) / (2·max(prev, 1)), 0, 1)"
           least(1.0::DOUBLE, greatest(0.0::DOUBLE,
               0.5::DOUBLE + CAST(uses_cur14 - uses_prev14 AS DOUBLE)
                             / (2.0::DOUBLE * greatest(uses_prev14, 1)))) AS trend,
           -- payments: "max(0, 1 − 0.5·f)"
           greatest(0.0::DOUBLE, 1.0::DOUBLE - 0.5::DOUBLE * n_failed_30d) AS payments,
           -- sentiment: "latest NPS score of a in the last 180 days / 10; 0.5
           --  when none"
           coalesce(nps / 10.0::DOUBLE, 0.5::DOUBLE) AS sentiment
    FROM account_facts
),

weighted AS (
    -- "The weighted sum is computed in doubles in the table's order" (DuckDB
    -- literals are DECIMAL, hence the casts; + is left-associative).
    SELECT *,
           0.30::DOUBLE * activity
         + 0.15::DOUBLE * recency
         + 0.20::DOUBLE * breadth
         + 0.15::DOUBLE * trend
         + 0.10::DOUBLE * payments
         + 0.10::DOUBLE * sentiment AS weighted_sum
    FROM components
),

scored AS (
    -- "Health score (0–100, one decimal) ... rounded to one decimal, halves
    --  away from zero": health = round(sum·1000) / 10. DECISION: one scaling
    -- by 1000 (not sum·100 then ·10, which can differ by an ulp at a half). DuckDB's round(DOUBLE)
    -- with no digits is C's round(): exact, halves away from zero
    -- (round(2.5) = 3, round(0.49999999999999994) = 0). round(x, 1) is NOT
    -- used: it scales by 10 internally, a second inexact step.
    SELECT *, round(weighted_sum * 1000.0::DOUBLE) / 10.0::DOUBLE AS health
    FROM weighted
)

SELECT agency_id,
       account_id,
       as_of() AS as_of,
       health,
       -- "Band (from the rounded score): Healthy ≥ 70, Watch ≥ 40, At Risk < 40."
       CASE WHEN health >= 70 THEN 'Healthy'
            WHEN health >= 40 THEN 'Watch'
            ELSE 'At Risk' END AS band,
       activity, recency, breadth, trend, payments, sentiment,
       -- "Risk signals ... in this order"; concat_ws skips the NULLs of the
       -- signals that do not fire ('' when none fires).
       concat_ws(';',
           -- no_login_14d: "no login by any user in the last 14 days, or never"
           CASE WHEN last_login_day IS NULL OR last_login_day < as_of() - 13
                THEN 'no_login_14d' END,
           -- usage_drop: "prev ≥ 10 and (cur − prev)/prev ≤ −0.30"
           CASE WHEN uses_prev7 >= 10
                 AND CAST(uses_cur7 - uses_prev7 AS DOUBLE) / uses_prev7 <= -0.30::DOUBLE
                THEN 'usage_drop' END,
           -- failed_payment: "≥ 1 failed payment in the last 30 days"
           CASE WHEN n_failed_30d >= 1 THEN 'failed_payment' END,
           -- detractor: "latest NPS in 180 days ≤ 6; none → no signal"
           CASE WHEN nps <= 6 THEN 'detractor' END,
           -- renewal_soon: "renewal_date in [T, T+30]; empty never matches"
           CASE WHEN renewal_date BETWEEN as_of() AND as_of() + 30 THEN 'renewal_soon' END,
           -- low_seat_use: "wau / seats < 0.2; skipped when seats is missing or ≤ 0"
           CASE WHEN seats > 0 AND CAST(wau AS DOUBLE) / seats < 0.2::DOUBLE
                THEN 'low_seat_use' END,
           -- champion_inactive: see inactive_key_users_per_account
           CASE WHEN n_inactive_key_users > 0 THEN 'champion_inactive' END
       ) AS signals
FROM scored;

SELECT * FROM account_scores ORDER BY agency_id, account_id;
