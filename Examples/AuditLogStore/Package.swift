// swift-tools-version:6.0
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where FoodCount was cloned.
let foodCount = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "AuditLogStore",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .executableTarget(
            name: "AuditLogStore",
            dependencies: [
                .product(name: "FoodCountCore", package: foodCount),
                .product(name: "FoodCountKafka", package: foodCount),
                .product(name: "KafkaClient", package: foodCount),
                .product(name: "SQLiteStore", package: foodCount),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        )
    ]
)
