import GRDB

/// The store's schema, as GRDB migrations (append new ones; never edit a shipped one).
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-core") { db in
            try db.execute(sql: """
                CREATE TABLE agencies (
                    agency_key INTEGER PRIMARY KEY,
                    agency_id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL
                );
                CREATE TABLE accounts (
                    account_key INTEGER PRIMARY KEY,
                    account_id TEXT NOT NULL UNIQUE,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    name TEXT NOT NULL,
                    plan TEXT NOT NULL,
                    seats INTEGER,
                    created_at INTEGER,
                    renewal_day INTEGER,
                    owner_email TEXT NOT NULL,
                    tracked INTEGER NOT NULL,
                    priority TEXT NOT NULL
                );
                CREATE INDEX accounts_by_agency ON accounts(agency_key);
                CREATE TABLE users (
                    user_key INTEGER PRIMARY KEY,
                    user_id TEXT NOT NULL UNIQUE,
                    account_key INTEGER NOT NULL REFERENCES accounts(account_key),
                    email TEXT NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    created_at INTEGER,
                    key_user INTEGER NOT NULL
                );
                CREATE INDEX users_by_account ON users(account_key);
                CREATE TABLE features (
                    feature_key INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE
                );
                CREATE TABLE workflows (
                    workflow_key INTEGER PRIMARY KEY,
                    workflow_id TEXT NOT NULL UNIQUE,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    name TEXT NOT NULL,
                    webhook_url TEXT
                );
                -- Ingest order (seq) decides between two MRR rows of one day.
                CREATE TABLE mrr_changes (
                    seq INTEGER PRIMARY KEY,
                    account_key INTEGER NOT NULL REFERENCES accounts(account_key),
                    day INTEGER NOT NULL,
                    mrr_cents INTEGER NOT NULL
                );
                CREATE TABLE payments (
                    seq INTEGER PRIMARY KEY,
                    account_key INTEGER NOT NULL REFERENCES accounts(account_key),
                    ts INTEGER NOT NULL,
                    invoice_id TEXT NOT NULL,
                    amount_cents INTEGER NOT NULL,
                    status TEXT NOT NULL
                );
                CREATE TABLE feedback (
                    seq INTEGER PRIMARY KEY,
                    account_key INTEGER NOT NULL REFERENCES accounts(account_key),
                    user_key INTEGER REFERENCES users(user_key),
                    ts INTEGER NOT NULL,
                    score INTEGER NOT NULL,
                    comment TEXT NOT NULL
                );
                CREATE TABLE ingests (
                    ingest_id INTEGER PRIMARY KEY,
                    finished_at INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    rows_json TEXT NOT NULL
                );
                -- One batch of events per kind per ingest; its columns are
                -- zstd segments split into pieces of at most 2^20 rows.
                CREATE TABLE event_batches (
                    batch_id INTEGER PRIMARY KEY,
                    ingest_id INTEGER NOT NULL REFERENCES ingests(ingest_id),
                    kind TEXT NOT NULL,
                    row_count INTEGER NOT NULL,
                    partition_count INTEGER NOT NULL,
                    min_ts INTEGER,
                    max_ts INTEGER,
                    raw_bytes INTEGER NOT NULL,
                    stored_bytes INTEGER NOT NULL
                );
                CREATE TABLE event_segments (
                    batch_id INTEGER NOT NULL REFERENCES event_batches(batch_id),
                    column_name TEXT NOT NULL,
                    piece INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    PRIMARY KEY (batch_id, column_name, piece)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2-scores") { db in
            try db.execute(sql: """
                -- One row per materialized as-of day: when, with which config and churn model.
                CREATE TABLE score_runs (
                    as_of_day INTEGER PRIMARY KEY,
                    computed_at INTEGER NOT NULL,
                    config_json TEXT NOT NULL,
                    model_json TEXT NOT NULL
                );
                -- Every tracked account's score on every materialized day (the health history).
                CREATE TABLE account_scores (
                    as_of_day INTEGER NOT NULL REFERENCES score_runs(as_of_day) ON DELETE CASCADE,
                    account_key INTEGER NOT NULL REFERENCES accounts(account_key),
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    health REAL NOT NULL,
                    band TEXT NOT NULL,
                    activity REAL NOT NULL,
                    recency REAL NOT NULL,
                    breadth REAL NOT NULL,
                    trend REAL NOT NULL,
                    payments REAL NOT NULL,
                    sentiment REAL NOT NULL,
                    churn_risk REAL NOT NULL,
                    signals TEXT NOT NULL,
                    detail_json TEXT NOT NULL,
                    PRIMARY KEY (as_of_day, account_key)
                ) WITHOUT ROWID;
                CREATE INDEX account_scores_by_account ON account_scores(account_key, as_of_day);
                -- Agency-wide tool results for the default arguments, as JSON.
                CREATE TABLE agency_results (
                    as_of_day INTEGER NOT NULL REFERENCES score_runs(as_of_day) ON DELETE CASCADE,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    tool TEXT NOT NULL,
                    result_json TEXT NOT NULL,
                    PRIMARY KEY (as_of_day, agency_key, tool)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3-api-keys") { db in
            try db.execute(sql: """
                -- API keys (Private Integration Tokens): only a SHA-256 of each key is kept.
                CREATE TABLE api_keys (
                    key_id TEXT PRIMARY KEY,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    scopes TEXT NOT NULL,
                    key_hash BLOB NOT NULL,
                    label TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER,
                    revoked_at INTEGER
                );
                CREATE INDEX api_keys_by_agency ON api_keys(agency_key);
                """)
        }
        migrator.registerMigration("v4-actions") { db in
            try db.execute(sql: """
                -- trigger_workflow runs; those with a webhook are the delivery outbox.
                CREATE TABLE workflow_runs (
                    run_id TEXT PRIMARY KEY,
                    workflow_key INTEGER NOT NULL REFERENCES workflows(workflow_key),
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    account_key INTEGER NOT NULL REFERENCES accounts(account_key),
                    user_key INTEGER REFERENCES users(user_key),
                    requested_by TEXT NOT NULL,
                    requested_at INTEGER NOT NULL,
                    -- recorded (no webhook) | pending | delivered | failed
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER,
                    last_error TEXT,
                    delivered_at INTEGER
                );
                CREATE INDEX workflow_runs_due ON workflow_runs(status, next_attempt_at);
                CREATE INDEX workflow_runs_by_agency ON workflow_runs(agency_key, requested_at);
                -- request_feedback: a request to the account owner.
                CREATE TABLE feedback_requests (
                    request_id TEXT PRIMARY KEY,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    account_key INTEGER NOT NULL REFERENCES accounts(account_key),
                    owner_email TEXT NOT NULL,
                    requested_by TEXT NOT NULL,
                    requested_at INTEGER NOT NULL,
                    status TEXT NOT NULL
                );
                -- Every tool call and every credential event.
                CREATE TABLE audit_log (
                    entry_id INTEGER PRIMARY KEY,
                    at_ms INTEGER NOT NULL,
                    agency_key INTEGER,
                    client TEXT NOT NULL,
                    action TEXT NOT NULL,
                    account_id TEXT,
                    outcome TEXT NOT NULL,
                    duration_ms REAL
                );
                CREATE INDEX audit_log_by_agency ON audit_log(agency_key, at_ms);
                """)
        }
        migrator.registerMigration("v5-data-version") { db in
            try db.execute(sql: """
                -- Bumped by every change a loaded snapshot must see (ingest, score, metadata
                -- writes) and by nothing else (audit entries, webhook attempts), so that a
                -- server reloads only when the data changed.
                CREATE TABLE data_version (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    version INTEGER NOT NULL
                );
                INSERT INTO data_version (id, version) VALUES (1, 0);
                """)
        }
        migrator.registerMigration("v6-oauth") { db in
            try db.execute(sql: """
                -- OAuth clients from dynamic registration (RFC 7591): public clients, no secret.
                CREATE TABLE oauth_clients (
                    client_id TEXT PRIMARY KEY,
                    client_name TEXT NOT NULL,
                    -- one redirect URI per line
                    redirect_uris TEXT NOT NULL,
                    scope TEXT,
                    created_at INTEGER NOT NULL
                );
                -- A grant: one agency's consent to one client (approved with one of its API keys).
                -- Its codes and tokens are one family: revoking the grant revokes them all.
                CREATE TABLE oauth_grants (
                    grant_id TEXT PRIMARY KEY,
                    client_id TEXT NOT NULL REFERENCES oauth_clients(client_id),
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    approved_by_key TEXT NOT NULL REFERENCES api_keys(key_id),
                    scopes TEXT NOT NULL,
                    -- the resource (audience) its tokens are for (RFC 8707)
                    resource TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER,
                    revoked_reason TEXT
                );
                CREATE INDEX oauth_grants_by_agency ON oauth_grants(agency_key, client_id);
                CREATE INDEX oauth_grants_by_client ON oauth_grants(client_id);
                -- Authorization codes: only their SHA-256; single use, short-lived.
                CREATE TABLE oauth_codes (
                    code_hash BLOB PRIMARY KEY,
                    grant_id TEXT NOT NULL REFERENCES oauth_grants(grant_id),
                    redirect_uri TEXT NOT NULL,
                    code_challenge TEXT NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER
                ) WITHOUT ROWID;
                -- Access and refresh tokens: only their SHA-256, looked up by token id.
                CREATE TABLE oauth_tokens (
                    token_id TEXT PRIMARY KEY,
                    grant_id TEXT NOT NULL REFERENCES oauth_grants(grant_id),
                    -- access | refresh
                    kind TEXT NOT NULL,
                    token_hash BLOB NOT NULL,
                    scopes TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    -- a refresh token: when it was spent (rotated)
                    used_at INTEGER,
                    revoked_at INTEGER
                );
                CREATE INDEX oauth_tokens_by_grant ON oauth_tokens(grant_id);
                """)
        }
        migrator.registerMigration("v7-oauth-application-type") { db in
            try db.execute(sql: """
                -- The client type (RFC 8252 §8.4: an authorization server records it): web or native.
                -- Only native clients may use private-use redirect schemes (RFC 8252 §7.1).
                ALTER TABLE oauth_clients ADD COLUMN application_type TEXT NOT NULL DEFAULT 'web';
                """)
        }
        migrator.registerMigration("v8-health-history") { db in
            try db.execute(sql: """
                -- Every scored day's compact scores, one blob per agency and day (DailyScores):
                -- the health trend and health movers read it. Full detail (account_scores,
                -- agency_results) is kept for the newest scored day only.
                CREATE TABLE health_history (
                    as_of_day INTEGER NOT NULL,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    scores BLOB NOT NULL,
                    PRIMARY KEY (as_of_day, agency_key)
                ) WITHOUT ROWID;
                -- Whether the day's full detail is still kept, and the data version the run
                -- wrote (a metadata write with a later version makes its results stale).
                ALTER TABLE score_runs ADD COLUMN detailed INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE score_runs ADD COLUMN data_version INTEGER NOT NULL DEFAULT 0;
                -- The data version of each agency's latest metadata write (priority, key user).
                CREATE TABLE metadata_changes (
                    agency_key INTEGER PRIMARY KEY REFERENCES agencies(agency_key),
                    data_version INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v9-cs-work") { db in
            try db.execute(sql: """
                -- Calls to action: opened by a person/agent (source 'person') or a playbook rule
                -- (source 'playbook', rule_id). Never deleted: closed with an outcome.
                CREATE TABLE ctas (
                    cta_id TEXT PRIMARY KEY,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    account_key INTEGER NOT NULL REFERENCES accounts(account_key),
                    -- risk | renewal | expansion | onboarding | other
                    type TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    -- low | normal | high
                    priority TEXT NOT NULL,
                    -- open | snoozed | closed
                    status TEXT NOT NULL,
                    snoozed_until INTEGER,
                    outcome TEXT,
                    owner_email TEXT,
                    due_day INTEGER,
                    source TEXT NOT NULL,
                    rule_id TEXT,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    closed_at INTEGER,
                    closed_day INTEGER
                );
                CREATE INDEX ctas_by_agency ON ctas(agency_key, status, due_day);
                CREATE INDEX ctas_by_account ON ctas(account_key, status);
                CREATE INDEX ctas_by_rule ON ctas(agency_key, rule_id, account_key) WHERE rule_id IS NOT NULL;
                CREATE TABLE cta_tasks (
                    task_id TEXT PRIMARY KEY,
                    cta_id TEXT NOT NULL REFERENCES ctas(cta_id),
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    position INTEGER NOT NULL,
                    title TEXT NOT NULL,
                    owner_email TEXT,
                    due_day INTEGER,
                    done INTEGER NOT NULL DEFAULT 0,
                    done_at INTEGER,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX cta_tasks_by_cta ON cta_tasks(cta_id, position);
                -- Success plans and their objectives.
                CREATE TABLE success_plans (
                    plan_id TEXT PRIMARY KEY,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    account_key INTEGER NOT NULL REFERENCES accounts(account_key),
                    title TEXT NOT NULL,
                    -- active | completed | cancelled
                    status TEXT NOT NULL,
                    owner_email TEXT,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX success_plans_by_account ON success_plans(agency_key, account_key, status);
                CREATE TABLE plan_objectives (
                    objective_id TEXT PRIMARY KEY,
                    plan_id TEXT NOT NULL REFERENCES success_plans(plan_id),
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    position INTEGER NOT NULL,
                    title TEXT NOT NULL,
                    -- not_started | in_progress | achieved | missed | cancelled
                    status TEXT NOT NULL,
                    target_day INTEGER,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX plan_objectives_by_plan ON plan_objectives(plan_id, position);
                -- Timeline: notes, calls, emails, meetings, updates.
                CREATE TABLE activities (
                    activity_id TEXT PRIMARY KEY,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    account_key INTEGER NOT NULL REFERENCES accounts(account_key),
                    -- note | call | email | meeting | update
                    kind TEXT NOT NULL,
                    subject TEXT,
                    body TEXT NOT NULL,
                    author TEXT NOT NULL,
                    occurred_at INTEGER NOT NULL,
                    cta_id TEXT REFERENCES ctas(cta_id),
                    plan_id TEXT REFERENCES success_plans(plan_id),
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX activities_by_account ON activities(agency_key, account_key, occurred_at);
                CREATE INDEX activities_by_agency ON activities(agency_key, occurred_at);
                -- A write's idempotency key: a retried call with the same key gets the first
                -- result back (and creates nothing); the fingerprint is the tool and its arguments.
                CREATE TABLE idempotency_keys (
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    idempotency_key TEXT NOT NULL,
                    tool TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    result TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (agency_key, idempotency_key)
                ) WITHOUT ROWID;
                -- The object a change touched (cta_…, tsk_…, pln_…, act_…).
                ALTER TABLE audit_log ADD COLUMN object_id TEXT;
                """)
        }
        migrator.registerMigration("v10-alerts") { db in
            try db.execute(sql: """
                -- Where an agency's alerts go: a JSON webhook or a Slack-compatible incoming webhook,
                -- for the events it names (space-separated). Removing one keeps its row (removed_at)
                -- so that its past deliveries still say where they went.
                CREATE TABLE alert_targets (
                    target_id TEXT PRIMARY KEY,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    -- webhook | slack
                    kind TEXT NOT NULL,
                    url TEXT NOT NULL,
                    events TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    removed_at INTEGER
                );
                CREATE INDEX alert_targets_by_agency ON alert_targets(agency_key);
                -- The outbox of alerts and feedback requests: one row per message and target, written in
                -- the transaction of the change it tells about; POSTed at least once with delivery_id as
                -- Idempotency-Key, retried with backoff (workflow runs keep their own outbox).
                CREATE TABLE outbox (
                    delivery_id TEXT PRIMARY KEY,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    target_id TEXT NOT NULL REFERENCES alert_targets(target_id),
                    -- cta.opened | cta.closed | feedback.requested
                    event TEXT NOT NULL,
                    -- what it is about: a cta_… or fbr_… id
                    subject_id TEXT NOT NULL,
                    url TEXT NOT NULL,
                    body TEXT NOT NULL,
                    -- pending | delivered | failed
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER,
                    last_error TEXT,
                    created_at INTEGER NOT NULL,
                    delivered_at INTEGER
                );
                CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
                CREATE INDEX outbox_by_subject ON outbox(subject_id);
                -- Who a feedback request goes to: the account's key users, or one named user.
                CREATE TABLE feedback_recipients (
                    request_id TEXT NOT NULL REFERENCES feedback_requests(request_id),
                    user_key INTEGER NOT NULL REFERENCES users(user_key),
                    PRIMARY KEY (request_id, user_key)
                ) WITHOUT ROWID;
                CREATE INDEX feedback_requests_by_agency ON feedback_requests(agency_key, requested_at);
                """)
        }
        migrator.registerMigration("v11-churn-models") { db in
            try db.execute(sql: """
                -- The churn model of each week (its first day, days since 1970-01-01) under one scoring config:
                -- every path that scores a day of that week reuses it. vitals score writes every model it fits
                -- (the weeks of the days scored and of their health-change baselines); --refit replaces them.
                CREATE TABLE churn_models (
                    fitted_for INTEGER NOT NULL,
                    config_json TEXT NOT NULL,
                    model_json TEXT NOT NULL,
                    computed_at INTEGER NOT NULL,
                    PRIMARY KEY (fitted_for, config_json)
                ) WITHOUT ROWID;
                -- The weekly models runs stored before: the latest run's of each week and config.
                INSERT OR REPLACE INTO churn_models (fitted_for, config_json, model_json, computed_at)
                SELECT CAST(julianday(json_extract(model_json, '$.fittedFor')) - 2440587.5 AS INTEGER), config_json, model_json, computed_at
                FROM score_runs
                WHERE json_valid(model_json) AND json_extract(model_json, '$.fittedFor') IS NOT NULL
                ORDER BY computed_at, as_of_day;
                """)
        }
        migrator.registerMigration("v12-agency-scores") { db in
            try db.execute(sql: """
                -- The newest scored day's per-account scores and detail, one blob per agency (PackedScores):
                -- a night at 40,000 accounts writes and later drops 250 rows instead of 40,000.
                -- account_scores keeps only what an older binary wrote (read when a day has no row here).
                CREATE TABLE agency_scores (
                    as_of_day INTEGER NOT NULL,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    scores BLOB NOT NULL,
                    PRIMARY KEY (as_of_day, agency_key)
                ) WITHOUT ROWID;
                -- Nothing reads account_scores by account across days any more (the health history does that).
                DROP INDEX IF EXISTS account_scores_by_account;
                """)
        }
        migrator.registerMigration("v13-digest-cache") { db in
            try db.execute(sql: """
                -- The digests of the batches older than the last windowed load's window, merged (DigestCache):
                -- the next night's load starts from it instead of reading every old batch's digest.
                -- A cache: not used when it does not match the catalog; a compaction of a batch it holds deletes it.
                CREATE TABLE digest_cache (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    state BLOB NOT NULL
                );
                """)
        }
        migrator.registerMigration("v14-segments-by-rowid") { db in
            try db.execute(sql: """
                -- Column segments keyed by rowid, their key in an index of its own. A WITHOUT ROWID table keeps
                -- whole rows in its interior pages, so a seek compared the megabyte blobs of the rows on its path
                -- (read whole from their overflow pages): a millisecond a seek at 100 M events, two for an insert.
                CREATE TABLE event_segments_by_rowid (
                    segment_id INTEGER PRIMARY KEY,
                    batch_id INTEGER NOT NULL REFERENCES event_batches(batch_id),
                    column_name TEXT NOT NULL,
                    piece INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    UNIQUE (batch_id, column_name, piece)
                );
                INSERT INTO event_segments_by_rowid (batch_id, column_name, piece, bytes)
                    SELECT batch_id, column_name, piece, bytes FROM event_segments ORDER BY batch_id, column_name, piece;
                DROP TABLE event_segments;
                ALTER TABLE event_segments_by_rowid RENAME TO event_segments;
                """)
        }
        migrator.registerMigration("v15-entity-snapshot") { db in
            try db.execute(sql: """
                -- The entity tables packed for the next load (EntitySnapshot): a night's score read 321,000 users
                -- row by row. A cache: every insert, update or delete of an entity row deletes it, whoever writes.
                CREATE TABLE entity_snapshot (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    state BLOB NOT NULL
                );
                CREATE TRIGGER agencies_insert_drops_entity_snapshot AFTER INSERT ON agencies BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER agencies_update_drops_entity_snapshot AFTER UPDATE ON agencies BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER agencies_delete_drops_entity_snapshot AFTER DELETE ON agencies BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER accounts_insert_drops_entity_snapshot AFTER INSERT ON accounts BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER accounts_update_drops_entity_snapshot AFTER UPDATE ON accounts BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER accounts_delete_drops_entity_snapshot AFTER DELETE ON accounts BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER users_insert_drops_entity_snapshot AFTER INSERT ON users BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER users_update_drops_entity_snapshot AFTER UPDATE ON users BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER users_delete_drops_entity_snapshot AFTER DELETE ON users BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER workflows_insert_drops_entity_snapshot AFTER INSERT ON workflows BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER workflows_update_drops_entity_snapshot AFTER UPDATE ON workflows BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER workflows_delete_drops_entity_snapshot AFTER DELETE ON workflows BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER features_insert_drops_entity_snapshot AFTER INSERT ON features BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER features_update_drops_entity_snapshot AFTER UPDATE ON features BEGIN DELETE FROM entity_snapshot; END;
                CREATE TRIGGER features_delete_drops_entity_snapshot AFTER DELETE ON features BEGIN DELETE FROM entity_snapshot; END;
                """)
        }
        migrator.registerMigration("v16-log-snapshot") { db in
            try db.execute(sql: """
                -- The logs packed for the next load (LogSnapshot): each log's rows up to a seq; the rows after it
                -- (the logs only grow) are read as rows. A cache: every update or delete of a log row deletes it.
                CREATE TABLE log_snapshot (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    through_mrr INTEGER NOT NULL,
                    through_payments INTEGER NOT NULL,
                    through_feedback INTEGER NOT NULL,
                    state BLOB NOT NULL
                );
                CREATE TRIGGER mrr_changes_update_drops_log_snapshot AFTER UPDATE ON mrr_changes BEGIN DELETE FROM log_snapshot; END;
                CREATE TRIGGER mrr_changes_delete_drops_log_snapshot AFTER DELETE ON mrr_changes BEGIN DELETE FROM log_snapshot; END;
                CREATE TRIGGER payments_update_drops_log_snapshot AFTER UPDATE ON payments BEGIN DELETE FROM log_snapshot; END;
                CREATE TRIGGER payments_delete_drops_log_snapshot AFTER DELETE ON payments BEGIN DELETE FROM log_snapshot; END;
                CREATE TRIGGER feedback_update_drops_log_snapshot AFTER UPDATE ON feedback BEGIN DELETE FROM log_snapshot; END;
                CREATE TRIGGER feedback_delete_drops_log_snapshot AFTER DELETE ON feedback BEGIN DELETE FROM log_snapshot; END;
                """)
        }
        migrator.registerMigration("v17-results-by-rowid") { db in
            try db.execute(sql: """
                -- The newest day's default results and packed scores keyed by rowid, their key in an index of its
                -- own. A WITHOUT ROWID table is an index b-tree, which keeps at most 4,088 bytes of a row on its
                -- 16 KB leaf and the rest in overflow pages of their own: a 5 KB result took two pages, and a
                -- night on 19,390 accounts wrote 10 MB of pages for 4.5 MB of results and scores. A rowid table
                -- keeps a row of up to 16 KB on its leaf, beside others.
                CREATE TABLE agency_results_by_rowid (
                    as_of_day INTEGER NOT NULL REFERENCES score_runs(as_of_day) ON DELETE CASCADE,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    tool TEXT NOT NULL,
                    result_json TEXT NOT NULL,
                    PRIMARY KEY (as_of_day, agency_key, tool)
                );
                INSERT INTO agency_results_by_rowid (as_of_day, agency_key, tool, result_json)
                    SELECT as_of_day, agency_key, tool, result_json FROM agency_results ORDER BY as_of_day, agency_key, tool;
                DROP TABLE agency_results;
                ALTER TABLE agency_results_by_rowid RENAME TO agency_results;
                CREATE TABLE agency_scores_by_rowid (
                    as_of_day INTEGER NOT NULL,
                    agency_key INTEGER NOT NULL REFERENCES agencies(agency_key),
                    scores BLOB NOT NULL,
                    PRIMARY KEY (as_of_day, agency_key)
                );
                INSERT INTO agency_scores_by_rowid (as_of_day, agency_key, scores)
                    SELECT as_of_day, agency_key, scores FROM agency_scores ORDER BY as_of_day, agency_key;
                DROP TABLE agency_scores;
                ALTER TABLE agency_scores_by_rowid RENAME TO agency_scores;
                """)
        }
        return migrator
    }
}
