import Benchmark
import FoodCountCore

/// Codec decode cost per event, for the datafeed's messages and for a mix of other producers' spellings.
func registerCodecBenchmarks() {
    let decoder = JSONEventDecoder()
    for (name, corpus) in [("datafeed", Messages.datafeed), ("mixed", Messages.mixed)] {
        Benchmark("Codec decode (\(name) messages)", configuration: .init(scalingFactor: .kilo)) { benchmark in
            var index = 0
            for _ in benchmark.scaledIterations {
                let value = corpus[index]
                index = index + 1 == corpus.count ? 0 : index + 1
                blackHole(try value.withUnsafeBytes { try decoder.decode($0) })
            }
        }
    }
}
