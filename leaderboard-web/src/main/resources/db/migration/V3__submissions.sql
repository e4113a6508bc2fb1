-- Defense jars uploaded on the website, and where each is in its life:
-- received -> admitting -> refused | queued -> running -> failed | pending_review -> published | rejected.
-- The jar itself is a file in the data folder (purifybench.submissions.data-dir), never in the database.
-- The submitter's private status link carries a random token; only its SHA-256 is stored.
-- run_id names the imported run (runs.run_id) without a foreign key: deleting a run from the admin
-- page or the CLI must keep the submission's record.
CREATE TABLE submissions (
    id               VARCHAR(32)   PRIMARY KEY,
    token_sha256     VARCHAR(64)   NOT NULL,
    display_name     VARCHAR(200)  NOT NULL,
    contact          VARCHAR(200)  NOT NULL,
    file_name        VARCHAR(255)  NOT NULL,
    jar_sha256       VARCHAR(64)   NOT NULL,
    jar_bytes        BIGINT        NOT NULL,
    status           VARCHAR(20)   NOT NULL,
    message          TEXT,
    log_tail         TEXT,
    plugin_id        VARCHAR(64),
    plugin_version   VARCHAR(200),
    plugin_needs     VARCHAR(500),
    run_id           VARCHAR(200),
    attempts         INTEGER       NOT NULL,
    created_at       TIMESTAMP     NOT NULL,
    updated_at       TIMESTAMP     NOT NULL,
    started_at       TIMESTAMP,
    finished_at      TIMESTAMP
);
CREATE INDEX submissions_status ON submissions (status, created_at);
CREATE INDEX submissions_contact ON submissions (contact, status);
CREATE INDEX submissions_run ON submissions (run_id);
