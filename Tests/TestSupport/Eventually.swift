import Foundation

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
public func eventually(
    timeout: TimeInterval, interval: TimeInterval = 0.1, _ condition: () throws -> Bool
) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    } while Date() < deadline
    return try condition()
}

/// Polls an async `condition` until it holds or `timeout` passes; returns whether it held.
public func eventuallyAsync(
    timeout: TimeInterval, interval: Duration = .milliseconds(100), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    } while Date() < deadline
    return try await condition()
}
