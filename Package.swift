// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "visivo",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "visivo", targets: ["visivo"]),
        .library(name: "VisivoCore", targets: ["VisivoCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // libyaml: the YAML parser the loader drives event by event (marks give file:line:column).
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        // libsqlite3: SQLite sources, CSV-script and local-merge materialisation.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        // libpq: the PostgreSQL connector.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        // zlib: compression of cache objects.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // MariaDB Connector/C: the MySQL / MariaDB connector.
        .systemLibrary(name: "CMariaDB", pkgConfig: "libmariadb",
                       providers: [.apt(["libmariadb-dev"])]),
        // DuckDB's C API, declared here and loaded at run time with dlopen: the binary does
        // not depend on libduckdb.so; only a project with a DuckDB source needs it.
        .target(name: "CDuckDB", linkerSettings: [.linkedLibrary("dl")]),
        // posix_spawn's chdir file action, which Swift's Glibc module does not expose.
        .systemLibrary(name: "CSpawn"),
        // The whole engine: loading, graph, query compiler, connectors, build.
        .target(
            name: "VisivoCore",
            dependencies: [
                "CYAML", "CSQLite", "CLibPQ", "CZlib", "CSpawn", "CMariaDB", "CDuckDB",
                .product(name: "Crypto", package: "swift-crypto"),
                // RSA (RS256) for Snowflake key-pair and BigQuery service-account JWTs.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The thin command-line front end.
        .executableTarget(
            name: "visivo",
            dependencies: [
                "VisivoCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "VisivoCoreTests",
            dependencies: ["VisivoCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
