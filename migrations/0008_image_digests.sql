-- RESOLVE_IMAGE_DIGESTS (SPEC "Image digests"): the digests the account's workload was last
-- created or updated with, by image ({"docker.io/library/worker:1.4": "sha256:…"}); null when
-- nothing was pinned. Written by the provisioner; what a roll moves from.

ALTER TABLE account_status ADD COLUMN image_digests jsonb
    CONSTRAINT account_status_image_digests_object CHECK (image_digests IS NULL OR jsonb_typeof(image_digests) = 'object');
