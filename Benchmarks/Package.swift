// swift-tools-version:6.1
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where FoodCount was cloned.
let foodCount = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Kept apart from the root package so that its build and CI stay fast: see docs/benchmarks.md.
let package = Package(
    name: "FoodCountBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Micro-benchmarks: `swift package benchmark` (from this folder).
        .executableTarget(
            name: "FoodCountBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "FoodCountCore", package: foodCount),
                .product(name: "SQLiteStore", package: foodCount),
            ],
            path: "Benchmarks/FoodCountBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The raw librdkafka drain that scripts/bench compares the consumer with.
        .executableTarget(
            name: "RawDrain",
            dependencies: [
                .product(name: "KafkaClient", package: foodCount),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
