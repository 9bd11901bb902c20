// swift-tools-version:6.0
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where FoodCount was cloned.
let foodCount = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

// The deterministic simulator's seeds, run apart from the root package so that CI can build only what they
// need, in release (10,000 schedules in seconds instead of a minute): see docs/design.md ("Simulation").
let package = Package(
    name: "FoodCountSimulation",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .testTarget(
            name: "SimulationTests",
            dependencies: [.product(name: "FoodCountTesting", package: foodCount)],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        )
    ]
)
