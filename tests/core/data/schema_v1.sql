-- Jobs: one row per request the bot submitted (or tried to) to the aggregator.
CREATE TABLE jobs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id           TEXT,
    kind              TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    prompt            TEXT    NOT NULL DEFAULT '',
    options           TEXT    NOT NULL DEFAULT '{}',
    user_id           INTEGER NOT NULL,
    guild_id          INTEGER,
    channel_id        INTEGER,
    message_id        INTEGER,
    message_kind      TEXT    NOT NULL DEFAULT 'original', -- original | followup | channel
    upload_limit      INTEGER,
    interaction_token TEXT,
    token_expires_at  REAL,
    locale            TEXT    NOT NULL DEFAULT 'en-US',
    progress          INTEGER NOT NULL DEFAULT 0,
    queue_position    INTEGER,
    image_url         TEXT,
    final_prompt      TEXT,
    fail_reason       TEXT,
    shown_status      TEXT,    -- the final status whose message Discord has shown
    parent_job_id     INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
    button_index      INTEGER,
    created_at        REAL    NOT NULL,
    updated_at        REAL    NOT NULL,
    submitted_at      REAL,
    finished_at       REAL
);

CREATE INDEX jobs_by_task ON jobs (task_id);
CREATE INDEX jobs_by_parent ON jobs (parent_job_id);
CREATE INDEX jobs_unfinished ON jobs (status) WHERE status IN ('PENDING', 'WAITING', 'IN_PROGRESS');

-- The buttons a finished task offered, in the aggregator's order.
CREATE TABLE job_buttons (
    job_id    INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx       INTEGER NOT NULL,
    custom_id TEXT    NOT NULL,
    label     TEXT    NOT NULL DEFAULT '',
    emoji     TEXT    NOT NULL DEFAULT '',
    style     INTEGER NOT NULL DEFAULT 2,
    PRIMARY KEY (job_id, idx)
);

-- Input images kept so "describe again" can resend the same picture.
CREATE TABLE job_inputs (
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx    INTEGER NOT NULL,
    mime   TEXT    NOT NULL,
    data   BLOB    NOT NULL,
    PRIMARY KEY (job_id, idx)
);
