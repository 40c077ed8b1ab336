-- The restart logic (SPEC "Restart logic").

-- The OOM escalation's memory_override is computed from the template's memory: a changed
-- template starts again from its own. This records which template (sha256 of its text) the
-- override belongs to; an override of another template is ignored and cleared.
ALTER TABLE account_status ADD COLUMN memory_override_template text;

-- "Has this Job's failure been recorded?" is asked by job uid alone (a failure recorded with no
-- pod, or with pods, is the same failure); the unique index's first column already serves it.
-- Restarts mark every row of the failed Job when its successor is created.
COMMENT ON COLUMN job_failures.restarted_at IS
    'When the Job that replaced this failed Job was created (the restart); null while it waits or when it was not restarted.';
COMMENT ON COLUMN job_failures.attempt IS
    'The number of consecutive failures this one makes (1 for the first failure after a success).';
