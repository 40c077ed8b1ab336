-- account_status: what the provisioner last saw and did, one row per account it has seen.
-- No foreign key to accounts: a deleted account keeps its status row (phase 'deleting', then
-- the history of what happened), and the provisioner must be able to write it after the
-- account row is gone.

CREATE TABLE account_status (
    account_id           text PRIMARY KEY
                         CONSTRAINT account_status_account_id_length CHECK (char_length(account_id) BETWEEN 1 AND 253),
    job_name             text,
    job_uid              text,
    phase                text NOT NULL DEFAULT 'pending'
                         CONSTRAINT account_status_phase_known CHECK (phase IN
                             ('pending', 'running', 'succeeded', 'failed', 'restart_scheduled', 'deleting', 'inactive')),
    observed_generation  bigint,
    last_success_at      timestamptz,
    last_failure_at      timestamptz,
    consecutive_failures integer NOT NULL DEFAULT 0
                         CONSTRAINT account_status_consecutive_failures_not_negative CHECK (consecutive_failures >= 0),
    -- Restart schedules live here so they survive an operator restart or a leader change.
    next_restart_at      timestamptz,
    -- Memory limit set by the opt-in OOM escalation, as a Kubernetes quantity (e.g. '2Gi').
    memory_override      text,
    message              text,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- The restart scheduler asks "what is due?"; only scheduled rows are indexed.
CREATE INDEX account_status_next_restart_at ON account_status (next_restart_at) WHERE next_restart_at IS NOT NULL;
CREATE INDEX account_status_phase ON account_status (phase);
