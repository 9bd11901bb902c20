import Foundation

/// Exponential backoff with jitter for transient failures.
public struct RetryPolicy: Sendable, Hashable {
    /// The first delay.
    public var initialDelay: Duration
    /// The largest delay.
    public var maxDelay: Duration
    /// How much each delay grows over the previous one.
    public var multiplier: Double
    /// The random fraction (0...1) by which a delay may be shortened, so that retrying peers spread out.
    public var jitter: Double

    /// Creates a policy.
    /// - Parameters:
    ///   - initialDelay: The first delay.
    ///   - maxDelay: The largest delay.
    ///   - multiplier: The growth factor.
    ///   - jitter: The random fraction a delay may be shortened by.
    public init(
        initialDelay: Duration = .milliseconds(50),
        maxDelay: Duration = .seconds(5),
        multiplier: Double = 2,
        jitter: Double = 0.2
    ) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = max(1, multiplier)
        self.jitter = min(1, max(0, jitter))
    }

    /// The delay before retry number `attempt` (1 for the first retry).
    /// - Parameters:
    ///   - attempt: The retry number, from 1.
    ///   - random: A number in 0..<1; tests pass a fixed one.
    public func delay(attempt: Int, random: Double = Double.random(in: 0..<1)) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let base = initialDelay.seconds * Foundation.pow(multiplier, min(exponent, 64))
        let capped = min(base, maxDelay.seconds)
        return .seconds(capped * (1 - jitter * random))
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        self / .seconds(1)
    }
}
