// swift-tools-version:6.1
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
        // The HTTP server of `visivo serve` (SwiftNIO underneath).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
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
        // The viewer's ES modules become one classic script (browsers refuse module scripts
        // on file:// pages), embedded with the stylesheet in VisivoSite: the binary needs no
        // resource folder beside it.
        .executableTarget(name: "viewer-embed", path: "Sources/ViewerEmbed"),
        .plugin(name: "EmbedViewer", capability: .buildTool(), dependencies: ["viewer-embed"]),
        // The site a browser shows: the viewer document, pages, data scripts, plotly.js
        // lookup, and `dist` (one self-contained folder).
        .target(
            name: "VisivoSite",
            dependencies: ["VisivoCore"],
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
                "VisivoCore", "VisivoSite", "VisivoServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "VisivoCoreTests",
            dependencies: ["VisivoCore"]
        ),
        .testTarget(
            name: "VisivoSiteTests",
            dependencies: ["VisivoSite", "VisivoServe", "VisivoCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
