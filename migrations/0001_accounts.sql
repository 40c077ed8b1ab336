-- accounts: the source of truth for tenants, written by admins and read by the provisioner.
-- (schema_migrations is created by `migrate` itself before the first file runs, because it
-- must exist to record this very file.)

CREATE TABLE accounts (
    account_id   text PRIMARY KEY
                 CONSTRAINT accounts_account_id_length CHECK (char_length(account_id) BETWEEN 1 AND 253),
    is_active    boolean NOT NULL DEFAULT true,
    display_name text,
    -- config.env, when present, is an object of string -> string: environment variables of every container.
    config       jsonb NOT NULL DEFAULT '{}'
                 CONSTRAINT accounts_config_is_object CHECK (jsonb_typeof(config) = 'object')
                 CONSTRAINT accounts_config_env_is_string_map CHECK (
                     NOT config ? 'env'
                     OR (jsonb_typeof(config -> 'env') = 'object'
                         AND NOT jsonb_path_exists(config -> 'env', '$.* ? (@.type() != "string")'))),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- Owned by the tenant's worker; the provisioner never writes it.
    last_sync_at timestamptz,
    generation   bigint NOT NULL DEFAULT 1
);

COMMENT ON COLUMN accounts.generation IS
    'Bumped by trigger whenever a column other than updated_at, last_sync_at and generation changes; part of the Job spec hash.';

-- Compares whole rows as jsonb minus the bookkeeping columns, so a column an admin adds later
-- is covered without touching this function.
CREATE FUNCTION accounts_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (to_jsonb(NEW) - ARRAY['updated_at', 'last_sync_at', 'generation'])
       IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['updated_at', 'last_sync_at', 'generation']) THEN
        NEW.generation := OLD.generation + 1;
    END IF;
    -- updated_at records changes an admin cares about: a worker touching last_sync_at is not one.
    IF (to_jsonb(NEW) - ARRAY['updated_at', 'last_sync_at'])
       IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['updated_at', 'last_sync_at']) THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER accounts_before_update
    BEFORE UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_before_update();

-- NOTIFY accounts_changed with the account id, so the provisioner reconciles it within a second.
-- An update that only touches last_sync_at / updated_at changes nothing the provisioner acts on
-- and sends nothing (workers may touch last_sync_at often). A renamed account_id notifies both ids.
-- Notifications are sent at commit, and only if the transaction commits.
CREATE FUNCTION accounts_notify_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('accounts_changed', NEW.account_id);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('accounts_changed', OLD.account_id);
    ELSIF (to_jsonb(NEW) - ARRAY['updated_at', 'last_sync_at'])
          IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['updated_at', 'last_sync_at']) THEN
        PERFORM pg_notify('accounts_changed', NEW.account_id);
        IF NEW.account_id IS DISTINCT FROM OLD.account_id THEN
            PERFORM pg_notify('accounts_changed', OLD.account_id);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER accounts_notify_changed
    AFTER INSERT OR UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_notify_changed();
