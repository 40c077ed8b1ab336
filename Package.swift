// swift-tools-version:6.1
import PackageDescription

// Swift 6 language mode everywhere (strict concurrency), plus the two upcoming features our
// model packages (hummingbird, postgres-nio) turn on.
let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "tenant-provisioner",
    products: [
        .executable(name: "provisioner", targets: ["Provisioner"]),
        .executable(name: "restarter", targets: ["Restarter"]),
        .executable(name: "migrate", targets: ["Migrate"]),
        // The admin side: HTTP API (`tenants serve`) and CLI. Links no Kubernetes client.
        .executable(name: "tenants", targets: ["Tenants"]),
        // The benchmark of issue 4 (scripts/bench); never part of the image.
        .executable(name: "provisioner-bench", targets: ["Benchmark"]),
    ],
    dependencies: [
        // Only the admin API and CLI (`tenants`) use these; provisioner, restarter and migrate do not
        // link them. Hummingbird's default traits (swift-configuration, full Foundation) are off.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // C libraries. Only Postgres imports CLibPQ, only Kube imports CCurl, only Common CCrypto,
        // only TenantRuntime CMalloc, only YAML CYAML,
        // only Common CThread.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // OpenSSL's libcrypto (loaded by libpq and libcurl anyway): SHA-256 for Common.
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // The system libyaml's event parser, composed into nodes by the YAML target.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // glibc's pthread_setname_np (a GNU extension) for Common's threads.
        .systemLibrary(name: "CThread"),
        // glibc's malloc.h (trim, arena cap, heap statistics) for TenantRuntime.
        .systemLibrary(name: "CMalloc"),

        // Small shared pieces with no I/O beyond writing log lines: logger, sha256, backoff, config errors.
        .target(name: "Common", dependencies: ["CCrypto", "CThread"], swiftSettings: settings),
        // YAML documents as nodes (Job templates, kubeconfig files), on libyaml; no Foundation.
        .target(name: "YAML", dependencies: ["CYAML"], swiftSettings: settings),
        // libpq wrapper: connections, parameterized queries, typed rows, transactions, LISTEN/NOTIFY.
        .target(name: "Postgres", dependencies: ["CLibPQ", "Common"], swiftSettings: settings),
        // Kubernetes API client on libcurl: config, models, requests as values, transport, watch, cache.
        .target(name: "Kube", dependencies: ["CCurl", "Common", "YAML"], swiftSettings: settings),
        // The pure core: naming, templates, planning, restart policy. No I/O imports.
        .target(name: "TenantCore", dependencies: ["Common", "YAML"], swiftSettings: settings),
        // migrations/*.sql applied in order under an advisory lock.
        .target(name: "SchemaMigrator", dependencies: ["Postgres", "Common"], swiftSettings: settings),
        // Loops, appliers, status and audit writers, leader election, health server.
        .target(name: "TenantRuntime", dependencies: ["TenantCore", "Postgres", "Kube", "SchemaMigrator", "Common", "CMalloc"], swiftSettings: settings),

        // The admin side: validation, paging and the SQL of every admin read and write (no HTTP here).
        .target(name: "TenantAdmin", dependencies: ["Postgres", "SchemaMigrator", "Common"], swiftSettings: settings),
        // The admin HTTP API on Hummingbird: routes, bearer tokens, the OpenAPI document.
        .target(name: "AdminServer", dependencies: ["TenantAdmin", "Postgres", "SchemaMigrator", "Common",
                                                    .product(name: "Hummingbird", package: "hummingbird")], swiftSettings: settings),

        // Executables: read configuration, wire, run.
        .executableTarget(name: "Provisioner", dependencies: ["TenantRuntime", "TenantCore", "Kube", "Postgres", "Common"], swiftSettings: settings),
        .executableTarget(name: "Restarter", dependencies: ["TenantRuntime", "Kube", "Postgres", "Common"], swiftSettings: settings),
        .executableTarget(name: "Migrate", dependencies: ["SchemaMigrator", "Postgres", "Common"], swiftSettings: settings),
        .executableTarget(name: "Tenants", dependencies: ["AdminServer", "TenantAdmin", "Postgres", "Common",
                                                          .product(name: "Hummingbird", package: "hummingbird"),
                                                          .product(name: "Logging", package: "swift-log"),
                                                          .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: settings),

        // Test-only helpers: throwaway databases, the Kubernetes API emulator process, child processes.
        .target(name: "TestSupport", dependencies: ["Postgres", "SchemaMigrator", "Common"], swiftSettings: settings),
        // provisioner-bench: runs the release provisioner against the emulator and prints the issue 4 table.
        .executableTarget(name: "Benchmark", dependencies: ["Kube", "Postgres", "Common", "TestSupport"], swiftSettings: settings),

        .testTarget(name: "CommonTests", dependencies: ["Common"], swiftSettings: settings),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"], swiftSettings: settings),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"], swiftSettings: settings),
        .testTarget(name: "KubeTests", dependencies: ["Kube", "TestSupport"], swiftSettings: settings),
        .testTarget(name: "TenantCoreTests", dependencies: ["TenantCore"], swiftSettings: settings),
        .testTarget(name: "SchemaMigratorTests", dependencies: ["SchemaMigrator", "Postgres", "TestSupport"], swiftSettings: settings),
        .testTarget(name: "TenantRuntimeTests", dependencies: ["TenantRuntime", "TenantCore", "Kube", "Postgres", "TestSupport"], swiftSettings: settings),
        // The admin store against PostgreSQL, and the built `tenants` (API and CLI) as a child process.
        .testTarget(name: "TenantAdminTests", dependencies: ["TenantAdmin", "AdminServer", "Postgres", "Common", "TestSupport"],
                    swiftSettings: settings),
        // The built `provisioner` run as a child process against PostgreSQL and the emulator.
        .testTarget(name: "ProvisionerTests", dependencies: ["TenantRuntime", "TenantCore", "Kube", "Postgres", "Common", "TestSupport"], swiftSettings: settings),
    ],
    swiftLanguageModes: [.v6]
)
