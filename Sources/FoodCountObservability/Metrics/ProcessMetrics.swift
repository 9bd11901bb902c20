import FoodCountCore
import Foundation

/// The process's own figures, as Prometheus' client libraries export them: CPU time, resident memory, open
/// file descriptors and start time, read from `/proc/self` at each scrape (nothing runs between scrapes).
/// Where there is no `/proc` (macOS) there are none.
public enum ProcessMetrics {
    /// The exposition lines of the four metrics (``FoodCountCore/MetricDefinition/process``), with their
    /// `# HELP` and `# TYPE` lines; empty without `/proc`.
    public static func exposition() -> String {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return "" }
        // The fields after the command's name, which may hold spaces and parentheses: field 3 is the first.
        let fields = stat[stat.index(after: close)...].split(separator: " ").map(String.init)
        func field(_ number: Int) -> Double { Double(fields[number - 3]) ?? 0 }
        guard fields.count >= 22 else { return "" }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        let values: [(MetricDefinition, Double)] = [
            (.processCPUSeconds, (field(14) + field(15)) / ticks),
            (.processResidentMemory, field(24) * pageSize),
            (.processOpenFileDescriptors, Double(openFileDescriptors())),
            (.processStartTime, bootTime() + field(22) / ticks),
        ]
        var text = ""
        for (metric, value) in values {
            text += "# HELP \(metric.name) \(metric.help)\n# TYPE \(metric.name) \(metric.kind.rawValue)\n"
            text += "\(metric.name) \(value)\n"
        }
        return text
    }

    /// How many descriptors `/proc/self/fd` lists, less the one that lists them.
    private static func openFileDescriptors() -> Int {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return 0 }
        return max(0, entries.count - 1)
    }

    /// When the machine booted, in seconds since the epoch (`btime` of `/proc/stat`).
    private static func bootTime() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst("btime ".count)) ?? 0
        }
        return 0
    }
}
