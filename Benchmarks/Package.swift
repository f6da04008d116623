// swift-tools-version: 6.1
// Benchmarks live in their own package (as swift-nio's do), so neither CI's
// test build nor a user's `swift build` pays for ordo-one/benchmark.
import PackageDescription

let package = Package(
    name: "VitalsBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Vitals", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ColumnarKernels",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "VitalsColumnar", package: "Vitals"),
            ],
            path: "Benchmarks/ColumnarKernels",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "QueryLatency",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "VitalsAnalytics", package: "Vitals"),
                .product(name: "VitalsStore", package: "Vitals"),
                .product(name: "VitalsTools", package: "Vitals"),
            ],
            path: "Benchmarks/QueryLatency",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
