// swift-tools-version:6.2
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "FoodCount",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "FoodCountCore", targets: ["FoodCountCore"]),
        .library(name: "FoodCountTesting", targets: ["FoodCountTesting"]),
        .library(name: "FoodCountKafka", targets: ["FoodCountKafka"]),
        .library(name: "KafkaClient", targets: ["KafkaClient"]),
        .library(name: "SQLiteStore", targets: ["SQLiteStore"]),
        .library(name: "PostgresStore", targets: ["PostgresStore"]),
        .executable(name: "consumer", targets: ["consumer"]),
        .executable(name: "datafeed", targets: ["datafeed"]),
        .executable(name: "api", targets: ["api"]),
        .executable(name: "foodcount", targets: ["foodcount"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // `swift package generate-documentation` (DocC catalogs in Sources/*/*.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka",
            path: "Sources/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev (>= 2.3, see scripts/bootstrap)"])]
        ),
        .target(
            name: "KafkaClient",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FoodCountCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FoodCountObservability",
            dependencies: [
                "FoodCountCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strictSettings,
            plugins: ["BuildInfoPlugin"]
        ),
        // Records the git commit of the build for `BuildInfo` (FoodCountObservability).
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),
        // The programs' settings: environment variables and secret files through swift-configuration,
        // strictly parsed, and the Kafka flags the consumer and the datafeed share. Not a product.
        .target(
            name: "FoodCountSettings",
            dependencies: [
                "FoodCountCore", "FoodCountObservability", "KafkaClient", "PostgresStore", "SQLiteStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FoodCountTesting",
            dependencies: ["FoodCountCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FoodCountKafka",
            dependencies: [
                "FoodCountCore", "KafkaClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SQLiteStore",
            dependencies: [
                "FoodCountCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The count store and reader on a PostgreSQL server, for deployments that outgrow one host.
        .target(
            name: "PostgresStore",
            dependencies: [
                "FoodCountCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "consumer",
            dependencies: [
                "FoodCountCore", "FoodCountSettings", "FoodCountKafka", "FoodCountObservability", "KafkaClient",
                "SQLiteStore", "PostgresStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "datafeed",
            dependencies: [
                "FoodCountCore", "FoodCountSettings", "FoodCountObservability", "KafkaClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "api",
            dependencies: [
                "FoodCountCore", "FoodCountSettings", "FoodCountObservability", "SQLiteStore", "PostgresStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        // The operator commands' logic (audit, rebuild, offsets): log recounts and file swaps. Not a product.
        .target(
            name: "FoodCountOperations",
            dependencies: [
                "FoodCountCore", "FoodCountKafka", "KafkaClient", "SQLiteStore", "PostgresStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "foodcount",
            dependencies: [
                "FoodCountCore", "FoodCountSettings", "FoodCountKafka", "FoodCountObservability", "FoodCountOperations",
                "KafkaClient", "SQLiteStore", "PostgresStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FoodCountOperationsTests",
            dependencies: ["FoodCountOperations", "FoodCountKafka", "FoodCountCore", "SQLiteStore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FoodCountCoreTests",
            dependencies: [
                "FoodCountCore", "FoodCountTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FoodCountObservabilityTests",
            dependencies: [
                "FoodCountObservability", "FoodCountCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        // The consumer's and the API's routes, in process (HummingbirdTesting).
        .testTarget(
            name: "HTTPRoutesTests",
            dependencies: [
                "consumer", "api", "FoodCountCore", "FoodCountObservability", "FoodCountSettings",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "StoreCrashHelper",
            dependencies: ["SQLiteStore", "FoodCountCore", "SQLiteFaultInjection"],
            path: "Tests/StoreCrashHelper",
            swiftSettings: strictSettings
        ),
        // A SQLite VFS that kills the process at a chosen step of a commit, for StoreCrashHelper.
        .target(
            name: "SQLiteFaultInjection",
            path: "Tests/SQLiteFaultInjection",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        .testTarget(
            name: "SQLiteStoreTests",
            dependencies: [
                "SQLiteStore", "FoodCountCore", "FoodCountTesting", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: [
                "PostgresStore", "FoodCountCore", "FoodCountTesting", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KafkaClientTests",
            dependencies: [
                "KafkaClient", "FoodCountKafka", "FoodCountCore", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["TestSupport", "SQLiteStore", "FoodCountCore", "FoodCountSettings"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: [],
            path: "Tests/TestSupport",
            exclude: [],
            swiftSettings: strictSettings
        ),
    ]
)
