// swift-tools-version: 6.1
import PackageDescription

/// Settings every Vitals target shares (the ones Hummingbird turns on).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Vitals",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vitals", targets: ["vitals"]),
        .executable(name: "data-gen", targets: ["data-gen"]),
        .library(name: "VitalsColumnar", targets: ["VitalsColumnar"]),
        .library(name: "VitalsStore", targets: ["VitalsStore"]),
        .library(name: "VitalsAnalytics", targets: ["VitalsAnalytics"]),
        .library(name: "VitalsJSON", targets: ["VitalsJSON"]),
        .library(name: "VitalsTools", targets: ["VitalsTools"]),
        .library(name: "VitalsProtocol", targets: ["VitalsProtocol"]),
        .library(name: "VitalsAuth", targets: ["VitalsAuth"]),
        .library(name: "VitalsMCP", targets: ["VitalsMCP"]),
        .library(name: "VitalsViews", targets: ["VitalsViews"]),
        .library(name: "DataGenKit", targets: ["DataGenKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // libzstd from the OS (apt: libzstd-dev), for segment compression.
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        // glibc functions the Glibc module hides: mallopt (the ingest's memory policy),
        // sync_file_range (the store's writeback as an ingest writes).
        .systemLibrary(name: "CGlibcExtras"),
        // OpenSSL's libcrypto from the OS (apt: libssl-dev): SHA-256, random, constant-time compare.
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // Thin Swift wrappers of the libcrypto primitives credentials need.
        .target(
            name: "VitalsCrypto",
            dependencies: ["CCrypto"],
            swiftSettings: strictSettings
        ),
        // The JSON value every layer shares (tool arguments and results, JSON-RPC, HTTP bodies):
        // an exact parser and a sorted-key writer. A leaf: Foundation only.
        .target(
            name: "VitalsJSON",
            swiftSettings: strictSettings
        ),
        // Typed column buffers, dictionaries, CSV bytes, zstd segments, kernels.
        .target(
            name: "VitalsColumnar",
            dependencies: ["CZstd"],
            swiftSettings: strictSettings
        ),
        // The one SQLite file: schema, ingest transactions, segments, loading.
        .target(
            name: "VitalsStore",
            dependencies: [
                "VitalsColumnar",
                "VitalsCrypto",
                "CGlibcExtras",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        // DESIGN.md's metrics, scores and the churn model over a loaded dataset.
        .target(
            name: "VitalsAnalytics",
            dependencies: ["VitalsJSON", "VitalsStore", "VitalsColumnar"],
            swiftSettings: strictSettings
        ),
        // The read tools (`vitals query` and the MCP server) and `vitals score`'s materializer.
        .target(
            name: "VitalsTools",
            dependencies: ["VitalsJSON", "VitalsAnalytics", "VitalsStore", "VitalsColumnar"],
            swiftSettings: strictSettings
        ),
        // What people open: the agency report, the dashboard's pages and the MCP App page, rendered from
        // the tools' answers with swift-mustache; self-contained HTML with inline SVG charts.
        .target(
            name: "VitalsViews",
            dependencies: [
                "VitalsJSON",
                "VitalsTools",
                "VitalsStore",
                "VitalsAnalytics",
                "VitalsColumnar",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strictSettings
        ),
        // OAuth policy: scopes, PKCE, how codes and tokens are made, hashed and judged, redirect-URI
        // rules, client metadata documents. Decisions only: the store persists, the HTTP layer serves.
        .target(
            name: "VitalsAuth",
            dependencies: ["VitalsJSON", "VitalsStore", "VitalsCrypto"],
            swiftSettings: strictSettings
        ),
        // The MCP protocol core (ours: see the README): strict JSON-RPC 2.0, both MCP generations
        // (2025-11-25 sessions and the stateless 2026-07-28 revision), the stdio line router.
        // Knows no tool, no store and no HTTP server.
        .target(
            name: "VitalsProtocol",
            dependencies: ["VitalsJSON"],
            swiftSettings: strictSettings
        ),
        // The MCP surface on the protocol core: tool catalogue, server, streamable HTTP,
        // and the OAuth 2.1 authorization server of the HTTP transport (pages rendered with swift-mustache);
        // webhooks and client metadata documents go out through AsyncHTTPClient (not URLSession:
        // FoundationNetworking would link libcurl into every start of the binary).
        .target(
            name: "VitalsMCP",
            dependencies: [
                "VitalsJSON",
                "VitalsProtocol",
                "VitalsAuth",
                "VitalsTools",
                "VitalsViews",
                "VitalsStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "vitals",
            dependencies: [
                "VitalsAuth",
                "VitalsStore",
                "VitalsAnalytics",
                "VitalsJSON",
                "VitalsTools",
                "VitalsMCP",
                "VitalsViews",
                "CGlibcExtras",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        // The synthetic agency generator: a library (tested) and a thin executable.
        .target(
            name: "DataGenKit",
            dependencies: ["VitalsColumnar"],
            path: "data-gen/Sources/DataGenKit",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "data-gen",
            dependencies: [
                "DataGenKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "data-gen/Sources/data-gen",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VitalsColumnarTests",
            dependencies: ["VitalsColumnar", "DataGenKit"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VitalsStoreTests",
            dependencies: ["VitalsStore", "VitalsCrypto", "DataGenKit"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VitalsAnalyticsTests",
            dependencies: ["VitalsJSON", "VitalsAnalytics", "VitalsTools", "VitalsStore", "VitalsColumnar", "DataGenKit",
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VitalsJSONTests",
            dependencies: ["VitalsJSON"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VitalsProtocolTests",
            dependencies: ["VitalsProtocol", "VitalsJSON"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VitalsMCPTests",
            dependencies: [
                "VitalsMCP", "VitalsAuth", "VitalsProtocol", "VitalsJSON", "VitalsStore", "VitalsTools", "VitalsViews", "DataGenKit",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            // The tool snapshots are read from the source tree by path (#filePath), not bundled.
            exclude: ["__toolsnaps__"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DataGenTests",
            dependencies: ["DataGenKit"],
            swiftSettings: strictSettings
        ),
    ]
)
