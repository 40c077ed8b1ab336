-- job_failures: one row per failed container of a failed Job, never recorded twice.
-- A Job that failed with no pod to show (e.g. DeadlineExceeded before any pod ran) gets one row
-- with null pod_name and container_name and the Job condition's reason.

CREATE TABLE job_failures (
    id             bigserial PRIMARY KEY,
    -- Null for Jobs of the standalone restarter, which have no account.
    account_id     text,
    namespace      text NOT NULL,
    job_name       text NOT NULL,
    job_uid        text NOT NULL,
    pod_name       text,
    container_name text,
    exit_code      integer,
    -- OOMKilled, Error, DeadlineExceeded, BackoffLimitExceeded, Evicted, ...
    reason         text,
    message        text,
    -- The last LOG_TAIL_LINES lines of the container's log, at most 64 KiB.
    log_tail       text CONSTRAINT job_failures_log_tail_size CHECK (octet_length(log_tail) <= 65536),
    failed_at      timestamptz NOT NULL,
    restart_at     timestamptz,
    restarted_at   timestamptz,
    attempt        integer NOT NULL DEFAULT 1 CONSTRAINT job_failures_attempt_positive CHECK (attempt >= 1)
);

-- Unique per (job_uid, pod_name, container_name) with NULLs equal. PostgreSQL 13 has no
-- NULLS NOT DISTINCT (15+), so the nullable columns are indexed through coalesce; pod and
-- container names are never empty in Kubernetes, so '' cannot collide with a real name.
-- Writers use the same expressions: ON CONFLICT (job_uid, coalesce(pod_name, ''), coalesce(container_name, '')) DO NOTHING
CREATE UNIQUE INDEX job_failures_once
    ON job_failures (job_uid, coalesce(pod_name, ''), coalesce(container_name, ''));

CREATE INDEX job_failures_account_failed_at ON job_failures (account_id, failed_at DESC);
CREATE INDEX job_failures_job_name_failed_at ON job_failures (namespace, job_name, failed_at DESC);
