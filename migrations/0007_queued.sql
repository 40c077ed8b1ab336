-- MAX_RUNNING_JOBS (SPEC "Workload shapes and the concurrency cap"): an account whose Job waits
-- for a free slot has phase 'queued', its place in line in message.

ALTER TABLE account_status DROP CONSTRAINT account_status_phase_known;
ALTER TABLE account_status ADD CONSTRAINT account_status_phase_known CHECK (phase IN
    ('pending', 'running', 'succeeded', 'failed', 'restart_scheduled', 'deleting', 'inactive', 'queued'));

-- What a queued create completes once its turn comes: the restart or the recreate of the Job
-- job_uid names (null: a plain create). In the row, so a leader that takes over finishes a
-- waiting restart as a restart (audit 'restart', job_failures.restarted_at).
ALTER TABLE account_status ADD COLUMN queued_for text
    CONSTRAINT account_status_queued_for_known CHECK (queued_for IN ('restart', 'recreate'));
