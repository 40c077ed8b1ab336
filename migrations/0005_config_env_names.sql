-- config.env keys must be names kube-apiserver accepts for container environment variables
-- ([-._a-zA-Z][-._a-zA-Z0-9]*, Kubernetes 1.31 without the alpha RelaxedEnvironmentVariableValidation
-- gate): refused where they are written instead of by the API server at every Job create.
-- NOT VALID: rows written before this migration are not checked, so they cannot block the
-- upgrade; the provisioner reports such an account in account_status.message and sends no
-- request for it. Once they are fixed, an admin can run
--   ALTER TABLE accounts VALIDATE CONSTRAINT accounts_config_env_names;
ALTER TABLE accounts ADD CONSTRAINT accounts_config_env_names CHECK (
    CASE WHEN jsonb_typeof(config -> 'env') = 'object'
         THEN NOT jsonb_path_exists(config -> 'env', '$.keyvalue() ? (!(@.key like_regex "^[-._a-zA-Z][-._a-zA-Z0-9]*$"))')
         ELSE true
    END
) NOT VALID;
