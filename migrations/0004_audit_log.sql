-- audit_log: append-only record of every action on the cluster.

CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    -- The pod name of the operator replica that acted.
    actor      text NOT NULL,
    -- create, delete, recreate, restart, skip, ...
    action     text NOT NULL,
    account_id text,
    namespace  text,
    job_name   text,
    job_uid    text,
    reason     text,
    details    jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_account_at ON audit_log (account_id, at DESC);

-- Rows are never changed or removed by the application. A retention job run by an admin can
-- lift this on purpose: ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only (and TRUNCATE's).
CREATE FUNCTION audit_log_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit rows are never changed; insert a new row instead.';
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_reject_change();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_reject_change();
