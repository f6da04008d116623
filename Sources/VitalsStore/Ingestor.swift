import Foundation
import GRDB
import VitalsColumnar

/// Reads a dataset directory (the CSV contract of DESIGN.md) into a store.
///
/// An ingest is incremental (events are appended as new batches, entities
/// are upserted by id) and atomic: the entity and log files are parsed and
/// validated first (``IngestPlan``); then one transaction (``IngestWriter``)
/// writes them while the event files are parsed and encoded beside it, and
/// takes their batches last. A bad row stops the ingest with `file:line:
/// what is wrong`; any failure, a full disk included, rolls the transaction
/// back and leaves the store byte-for-byte as it was — and a failed first
/// ingest leaves no file.
public enum Ingestor {
    /// Files the ingest reads, in the order it reads them; others are ignored.
    public static let knownFiles = IngestDirectory.knownFiles

    /// Event files up to this many bytes are parsed while an existing store
    /// is written (a night's: its write lock is held a moment longer); larger
    /// ones first (about 2 s of parsing on this project's 2 cores).
    static let eventBytesWrittenBeside = 512 << 20

    /// Ingests `directory` into the store at `storePath` (created when missing).
    public static func ingest(directory: String, into storePath: String) throws(StoreError) -> IngestSummary {
        try ingest(directory: directory, into: storePath, pageLimit: Store.testPageLimit)
    }

    /// ``ingest(directory:into:)`` with the store capped at `pageLimit`
    /// pages, as if the disk filled there, and with event files of more
    /// than `writtenBeside` bytes parsed before an existing store is
    /// written (tests).
    static func ingest(directory: String, into storePath: String, pageLimit: Int?,
                       writtenBeside: Int = eventBytesWrittenBeside) throws(StoreError) -> IngestSummary {
        let clock = TraceClock()
        let source = try IngestDirectory(directory)
        // An existing store is opened once, on one connection, for reading its entities and for the write: a
        // read-only open would leave a -wal file behind when parsing then fails; this one removes it on close.
        let existing = !Store.exists(at: storePath) ? nil : try Store.open(at: storePath, create: false, readOnly: false, pageLimit: pageLimit, oneConnection: true)
        // Without users.csv no user row changes: their ids and accounts are enough.
        let users: StoreEntities.UserRead = source.file("users.csv") == nil ? .keysOnly : .recordsAndDictionary
        let entities = try existing?.read { try StoreEntities($0, users: users) } ?? StoreEntities()
        var plan = try IngestPlan(reading: source, over: entities)
        clock.mark("parsed the entities and logs")
        // The event files are parsed and encoded on all cores while the
        // writer, on this thread, stores the entities and logs (at 100 M
        // events a few seconds of SQLite on one core), then each batch as
        // it is encoded (``BatchFeed``). A bad row among the events fails
        // the write, which then leaves nothing behind. The write lock is
        // then held while the events parse: an existing store fed large
        // event files (a backfill) is written once they are parsed, so
        // that a server's writes do not wait on the parse.
        let parsedEntities = plan.entities
        let feed = BatchFeed()
        let reading = Beside { () throws(StoreError) -> IngestEvents in
            try IngestPlan.readEvents(in: source, over: parsedEntities, into: feed)
        }
        defer { _ = try? reading.result() }  // a write that failed first waits for it all the same
        if existing != nil && source.eventBytes > writtenBeside { _ = try reading.result() }
        var batches: [EncodedBatch] = []

        func write(_ store: Store) throws(StoreError) {
            try store.write { db in
                (plan, batches) = try IngestWriter.write(plan, source: directory, to: db, feed: feed) {
                    let events = try reading.result()
                    clock.mark("parsed and encoded the events")
                    return events
                }
            }
            clock.mark("written")
        }
        var warnings: [String] = []
        var compaction: CompactionSummary?
        if let store = existing {
            // One connection: opening it writes nothing, so the transaction
            // is the only change. (A store of an older schema is migrated
            // first, in a transaction of its own, and stays migrated.)
            try write(store)
            warnings += checkpoint(store)
            compaction = compact(store, warnings: &warnings)
        } else {
            // Built beside the path and moved into place whole: a failure leaves no file.
            try Store.createWhole(at: storePath, pageLimit: pageLimit, write)
        }
        clock.mark("checkpointed")

        var summary = IngestSummary(rowsByFile: plan.rowsByFile, eventRows: batches.reduce(0) { $0 + $1.rowCount }, seconds: clock.seconds,
                                    rawColumnBytes: batches.reduce(0) { $0 + $1.rawBytes },
                                    storedColumnBytes: batches.reduce(0) { $0 + $1.storedBytes }, warnings: warnings)
        summary.compaction = compaction
        return summary
    }

    /// Merges the newest batches once a kind has more than
    /// ``Store/batchLimit`` (the loads of every command stay as cheap as a
    /// few batches'). Its own transaction, after the ingest's: a failure is a
    /// warning, and the ingest is kept.
    static func compact(_ store: Store, warnings: inout [String]) -> CompactionSummary? {
        do throws(StoreError) {
            let summary = try store.compact()
            if !summary.merges.isEmpty { try store.checkpoint() }
            return summary.merges.isEmpty ? nil : summary
        } catch {
            warnings.append("the ingest is committed, but merging the store's event batches failed (\(error)); `vitals compact` tries again")
            return nil
        }
    }

    /// Folds the WAL into the store file after the commit. The ingest is
    /// kept whatever happens here (SQLite checkpoints again later), so a
    /// failure is a warning: running the ingest again would add its events
    /// twice.
    static func checkpoint(_ store: Store) -> [String] {
        do throws(StoreError) {
            try store.checkpoint()
            return []
        } catch {
            return ["the ingest is committed, but the store's write-ahead log could not be folded into the file (\(error)); "
                + "the next write will do it — do not run this ingest again"]
        }
    }
}

/// Elapsed time of a store step (an ingest, a load), and its parts on stderr when `VITALS_TRACE` is set.
public struct TraceClock: Sendable {
    let started = DispatchTime.now()
    let trace = ProcessInfo.processInfo.environment["VITALS_TRACE"] != nil

    var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }

    func mark(_ step: String) {
        if trace { FileHandle.standardError.write(Data("\(step): \(seconds) s\(Self.resident)\n".utf8)) }
    }

    /// ", resident N MB": the process's resident memory now (Linux), for a
    /// trace line; empty elsewhere.
    public static var resident: String {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return "" }
        let bytes = pages * Int(sysconf(Int32(_SC_PAGESIZE)))
        return ", resident \(bytes >> 20) MB"
    }
}
