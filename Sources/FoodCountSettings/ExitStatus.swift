import FoodCountCore

/// The programs' exit statuses, so that a supervisor can tell a setting to fix from an outage to wait out
/// (`docs/operations.md`, "Exit statuses").
public enum ExitStatus {
    /// Stopped by a failure while running (a restart may pass it).
    public static let failure: Int32 = 1
    /// A setting is wrong, or the data refuses to be counted on: an operator must act; restarting as is
    /// fails the same way.
    public static let configuration: Int32 = 2
    /// sysexits(3)'s `EX_UNAVAILABLE`: at start, PostgreSQL cannot be reached, or the database is busy (an
    /// operator command rewrites it). Nothing is wrong with the settings; a restart later may succeed.
    public static let unavailable: Int32 = 69

    /// The status for an error that stopped a program before it began its work.
    /// - Parameters:
    ///   - error: What stopped it.
    ///   - database: The database it was opening: a SQLite file that cannot be opened is a wrong path (2),
    ///     a PostgreSQL server that cannot be reached is an outage (69).
    public static func atStart(_ error: any Error, database: DatabaseSetting?) -> Int32 {
        guard let error = error as? StoreError else { return configuration }
        switch error.code {
        case .busy: return unavailable
        case .unavailable:
            if case .postgres = database { return unavailable }
            return configuration
        default: return configuration
        }
    }
}
