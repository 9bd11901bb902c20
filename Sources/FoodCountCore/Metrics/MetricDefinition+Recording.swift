import Metrics

extension Counter {
    /// Creates the counter a declaration describes.
    /// - Parameters:
    ///   - metric: The declaration; a ``MetricDefinition/Kind/counter``.
    ///   - labelValues: One value per label of the declaration, in its order.
    public convenience init(_ metric: MetricDefinition, _ labelValues: String...) {
        assert(metric.kind == .counter, "\(metric.name) is a \(metric.kind)")
        self.init(label: metric.recordedAs, dimensions: metric.dimensions(labelValues))
    }
}

extension Gauge {
    /// Creates the gauge a declaration describes.
    /// - Parameters:
    ///   - metric: The declaration; a ``MetricDefinition/Kind/gauge``.
    ///   - labelValues: One value per label of the declaration, in its order.
    public convenience init(_ metric: MetricDefinition, _ labelValues: String...) {
        assert(metric.kind == .gauge, "\(metric.name) is a \(metric.kind)")
        self.init(label: metric.recordedAs, dimensions: metric.dimensions(labelValues))
    }
}

extension Recorder {
    /// Creates the aggregating recorder (a histogram of values) a declaration describes.
    /// - Parameters:
    ///   - metric: The declaration; a ``MetricDefinition/Kind/histogram``.
    ///   - labelValues: One value per label of the declaration, in its order.
    public convenience init(histogram metric: MetricDefinition, _ labelValues: String...) {
        assert(metric.kind == .histogram, "\(metric.name) is a \(metric.kind)")
        self.init(label: metric.recordedAs, dimensions: metric.dimensions(labelValues), aggregate: true)
    }
}

extension Metrics.Timer {
    /// Creates the timer (a histogram of durations) a declaration describes.
    /// - Parameters:
    ///   - metric: The declaration; a ``MetricDefinition/Kind/histogram``.
    ///   - labelValues: One value per label of the declaration, in its order.
    public convenience init(_ metric: MetricDefinition, _ labelValues: String...) {
        assert(metric.kind == .histogram, "\(metric.name) is a \(metric.kind)")
        self.init(label: metric.recordedAs, dimensions: metric.dimensions(labelValues))
    }
}
