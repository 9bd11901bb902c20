import FoodCountCore
import GRDB

/// Beside the ledger's figures, the offsets file records who counts into the counts database and which
/// version of that file its last commit left: the consumer group that made the first commit (no other
/// group may count into the same table: both would count every event), and the counts file's change counter
/// (SQLite's header field, which every transaction that writes the file raises by one).
///
/// Every commit checks both inside its transaction, before it writes anything: a counts file restored in
/// place under a running consumer (`cp backup.db foodcount.db`), edited by hand, or vacuumed has another
/// change counter, so the commit refuses (`inconsistent`) instead of adding to counts the offsets do not
/// describe. See `docs/design.md` ("The two files prove they belong together").
struct CountsStamp: Equatable {
    /// The consumer group that owns the counts, once a commit was made.
    var owner: String?
    /// The counts file's change counter after the last commit, once one was recorded.
    var countsVersion: Int64?

    /// Adds the stamp's columns to a ledger table created without them.
    static func addColumnsIfMissing(_ db: Database) throws {
        try CountsSchema.addMissingColumns(
            ["owner_group": "TEXT", "counts_version": "INTEGER"], to: "counts_ledger", db)
    }

    /// The stamp the offsets file holds (empty when it has no ledger row).
    static func stored(_ db: Database) throws -> CountsStamp {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT owner_group, counts_version FROM consumer.counts_ledger WHERE id = 1")
        else { return CountsStamp() }
        return CountsStamp(owner: row[0], countsVersion: row[1])
    }

    /// Records the stamp in the ledger row (which must exist).
    func store(_ db: Database) throws {
        try db.execute(
            sql: "UPDATE consumer.counts_ledger SET owner_group = ?, counts_version = ? WHERE id = 1",
            arguments: [owner, countsVersion])
    }

    /// Refuses a group that does not own the counts.
    /// - Throws: `inconsistent`, naming both groups and the way out.
    func checkOwner(_ group: String, files: DatabaseFilePair) throws(StoreError) {
        guard let owner, owner != group else { return }
        throw StoreError(
            code: .inconsistent,
            message: """
                the counts in \(files.counts.path) belong to consumer group '\(owner)', not '\(group)': a second \
                group would count every event again into the same table. Run the consumer with \
                CONSUMER_GROUP=\(owner), or give this group a database of its own (another DATABASE_PATH); see \
                docs/operations.md ("Another consumer group owns the counts")
                """)
    }

    /// Checks a counts file whose change counter is not the one the last commit left: whoever wrote it may have
    /// changed nothing the offsets describe (a journal mode switched and back, a vacuum), so the table is
    /// compared with the ledger, once; only counts that differ are refused.
    /// - Throws: `inconsistent`, naming the file, both counters and both figures.
    func checkVersion(_ current: Int64, files: DatabaseFilePair, _ db: Database) throws {
        guard let countsVersion, countsVersion != current else { return }
        let counts = try CountsLedger.ofCountsTable(db)
        let ledger = try CountsLedger.stored(db) ?? CountsLedger()
        guard counts != ledger else { return }
        throw StoreError(
            code: .inconsistent,
            message: """
                the counts database \(files.counts.path) was changed behind the consumer (restored, replaced in \
                place or edited: it holds \(counts), the offsets file recorded \(ledger); its change counter is \
                \(current), the last commit left \(countsVersion)), so the offsets no longer describe its counts; \
                stopping without committing. Restart the consumer: it checks that the counts and the offsets file \
                belong together (docs/operations.md, "The counts and the offsets file disagree")
                """)
    }
}
