import ArgumentParser
import Foundation
#if canImport(Glibc)
import CMalloc
#endif
import VitalsStore
import VitalsViews

/// `vitals ingest DIR`: append a dataset directory's CSVs to the store.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest a directory of CSV files (one transaction: all or nothing).",
        discussion: """
            Reads agencies, accounts, users, workflows, logins, feature_usage, mrr, payments and feedback \
            CSVs (accounts.csv and users.csv are required for the first ingest). Events are appended, \
            entities are upserted by id. A bad row stops the ingest with file:line and the store is left \
            exactly as it was.
            """
    )

    @Argument(help: "Directory holding the CSV files.")
    var directory: String

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        Self.returnLargeBuffersWhenFreed()
        do {
            let summary = try Ingestor.ingest(directory: directory, into: storeOptions.store)
            for warning in summary.warnings { printError("warning: \(warning)") }
            for (file, rows) in summary.rowsByFile {
                print("\(file): \(formatCount(rows)) rows")
            }
            let rate = summary.seconds > 0 ? Double(summary.eventRows) / summary.seconds : 0
            print("ingested \(formatCount(summary.eventRows)) events in \(String(format: "%.2f", summary.seconds)) s "
                + "(\(formatCount(Int(rate))) rows/s); columns \(formatBytes(summary.rawColumnBytes)) raw, "
                + "\(formatBytes(summary.storedColumnBytes)) stored")
            if let compaction = summary.compaction { print(CompactCommand.describe(compaction)) }
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }

    /// glibc maps a block of 128 KB or more on its own, but once such a
    /// block is freed it raises that threshold (up to 32 MB) and serves
    /// smaller blocks from its arenas, which keep freed memory. An ingest
    /// parses files in 64 MB parts whose columns (a few MB each) are freed
    /// as they are merged: with the moving threshold they stayed resident,
    /// and a 100 M-event ingest peaked at 3.4 GB; with a fixed 4 MB
    /// threshold, 2.4 GB. Only the ingest: `vitals score` reuses its
    /// freed blocks, and mapping fresh ones made a night 25 % slower.
    static func returnLargeBuffersWhenFreed() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 4 << 20)
        #endif
    }
}
