-- A PostgreSQL role for the admin API and CLI (`tenants`): it writes accounts and appends to
-- audit_log, and only reads what the provisioner writes. Run it as the schema's owner after
-- `migrate up`, with your own password; its URL goes into the Secret tenant-admin-database.
-- (A test runs `tenants` with exactly these grants.)
CREATE ROLE tenant_admin LOGIN PASSWORD 'CHANGE-ME';
GRANT SELECT, INSERT, UPDATE, DELETE ON accounts TO tenant_admin;
GRANT SELECT ON account_status, job_failures, schema_migrations TO tenant_admin;
GRANT SELECT, INSERT ON audit_log TO tenant_admin;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO tenant_admin;
