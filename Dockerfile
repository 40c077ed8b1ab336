# One image with the four executables on PATH: provisioner, restarter, migrate and tenants (the
# admin API and CLI), and the schema files at /migrations (migrate's default MIGRATIONS_DIR).
#   docker build -t registry.example.com/tenant-provisioner:0.1.0 .
# No container engine runs on our development machines, so this file is checked by checkov in
# CI (scripts/check-deploy) but not built there.

# Build: the official Swift 6 image, plus the headers of the C libraries we link (libpq,
# libcurl, libyaml for templates and kubeconfig files, and libcrypto for SHA-256).
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev libcurl4-openssl-dev libyaml-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest first, so the dependency fetch is cached while only sources change.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# Release build; the Swift runtime linked in statically (libpq, libcurl and libyaml stay dynamic:
# the first two's static archives need OpenSSL, LDAP and more).
RUN swift build -c release --static-swift-stdlib --product provisioner \
    && swift build -c release --static-swift-stdlib --product restarter \
    && swift build -c release --static-swift-stdlib --product migrate \
    && swift build -c release --static-swift-stdlib --product tenants \
    && mkdir -p /out \
    && cd "$(swift build -c release --show-bin-path)" \
    && cp provisioner restarter migrate tenants /out/

# Run: slim Debian with only the shared libraries the binaries load. `ldd` of a release build
# lists libpq, libcurl, libyaml (and what these packages pull in) and libc, libm, libstdc++ and
# libgcc_s, which the slim image already has.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 libcurl4 libyaml-0-2 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
COPY migrations /migrations
# A numeric non-root user (65532, "nonroot" in distroless images), so Kubernetes can check
# runAsNonRoot without a passwd entry.
USER 65532:65532
# Kubernetes probes /healthz and /readyz itself (see deploy/); the image has no HTTP client for
# a Docker HEALTHCHECK.
# checkov:skip=CKV_DOCKER_2: the probes are Kubernetes' livenessProbe/readinessProbe on /healthz and /readyz
CMD ["provisioner"]
