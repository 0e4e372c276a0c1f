// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "visivo",
    // Linux only: the build uses inotify, glibc's posix_spawn file actions and pipe2, and
    // Foundation as swift-corelibs-foundation ships it. (No Apple platform is claimed.)
    products: [
        .executable(name: "visivo", targets: ["visivo"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The HTTP server of `visivo serve` (SwiftNIO underneath).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // The HTTP client of Snowflake, BigQuery and the remote cache (SwiftNIO, which the
        // server brings anyway): per-request deadlines that hold, no hidden re-sends.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // libyaml: the YAML parser the loader drives event by event (marks give file:line:column).
        .systemLibrary(
            name: "CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        // libsqlite3: SQLite sources, CSV-script and local-merge materialisation.
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        // libpq: the PostgreSQL connector.
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        // zlib: compression of cache objects.
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // MariaDB Connector/C: the MySQL / MariaDB connector.
        .systemLibrary(
            name: "CMariaDB", pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]),
        // DuckDB's C API, declared here and loaded at run time with dlopen: the binary does
        // not depend on libduckdb.so; only a project with a DuckDB source needs it.
        .target(name: "CDuckDB", linkerSettings: [.linkedLibrary("dl")]),
        // posix_spawn's chdir file action, which Swift's Glibc module does not expose.
        .systemLibrary(name: "CSpawn"),
        // The layers, lowest first; a module imports only modules above it in this list
        // (docs/architecture.md).
        // Values every layer shares: JSON, fingerprints, durable file writes, zlib, dates.
        .target(
            name: "VisivoSupport",
            dependencies: ["CZlib", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // What a project is: its objects, diagnostics with file:line:column, the trace syntax.
        .target(name: "VisivoProject", dependencies: ["VisivoSupport"]),
        // YAML files to a checked Project: includes, templates, env vars, every diagnostic.
        .target(
            name: "VisivoLoading",
            dependencies: ["VisivoProject", "CYAML", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The DAG of a project and the selector language over it.
        .target(name: "VisivoGraph", dependencies: ["VisivoProject"]),
        // Traces to SQL in each source's dialect; a project with its graph and queries.
        .target(name: "VisivoQuery", dependencies: ["VisivoGraph"]),
        // One folder per database or service, the connection pool, secret scrubbing.
        .target(
            name: "VisivoConnectors",
            dependencies: [
                "VisivoQuery", "CSQLite", "CLibPQ", "CMariaDB", "CDuckDB",
                // Snowflake's, BigQuery's and the remote cache's HTTP.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                // RSA (RS256) for Snowflake key-pair and BigQuery service-account JWTs.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The build: planning, the scheduler, the cache, state files, CSV scripts, outputs.
        .target(
            name: "VisivoBuild",
            dependencies: [
                "VisivoLoading", "VisivoConnectors", "CSpawn", "CSQLite",
            ]
        ),
        // The viewer's ES modules become one classic script (browsers refuse module scripts
        // on file:// pages), embedded with the stylesheet in VisivoSite: the binary needs no
        // resource folder beside it.
        .executableTarget(name: "viewer-embed", path: "Sources/ViewerEmbed"),
        .plugin(name: "EmbedViewer", capability: .buildTool(), dependencies: ["viewer-embed"]),
        // The site a browser shows: the viewer document, pages, data scripts, plotly.js
        // lookup, and `dist` (one self-contained folder).
        .target(
            name: "VisivoSite",
            dependencies: ["VisivoBuild"],
            exclude: ["Viewer"],
            plugins: ["EmbedViewer"]
        ),
        // `visivo serve`: the HTTP server, the file watcher (inotify) and live reload.
        .target(
            name: "VisivoServe",
            dependencies: [
                "VisivoSite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The thin command-line front end.
        .executableTarget(
            name: "visivo",
            dependencies: [
                "VisivoBuild", "VisivoSite", "VisivoServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers the test targets share: temporary folders, loading and building a
        // project, the throwaway database servers `make test` starts.
        .target(
            name: "VisivoTestSupport",
            dependencies: ["VisivoBuild"],
            path: "Tests/VisivoTestSupport"
        ),
        // Tests mirror the modules.
        .testTarget(name: "VisivoLoadingTests", dependencies: ["VisivoLoading", "VisivoTestSupport"]),
        .testTarget(name: "VisivoGraphTests", dependencies: ["VisivoGraph", "VisivoTestSupport"]),
        .testTarget(name: "VisivoQueryTests", dependencies: ["VisivoQuery", "VisivoTestSupport"]),
        // Each connector alone, then in whole builds (hence VisivoBuild).
        .testTarget(name: "VisivoConnectorsTests", dependencies: ["VisivoConnectors", "VisivoBuild", "VisivoTestSupport"]),
        .testTarget(name: "VisivoBuildTests", dependencies: ["VisivoBuild", "VisivoTestSupport"]),
        .testTarget(name: "VisivoSiteTests", dependencies: ["VisivoSite", "VisivoServe", "VisivoTestSupport"]),
        // The `visivo` binary run as a user runs it (VISIVO_BINARY).
        .testTarget(name: "VisivoCLITests", dependencies: ["VisivoBuild", "VisivoTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
