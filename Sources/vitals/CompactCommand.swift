import ArgumentParser
import Foundation
import VitalsStore
import VitalsViews

/// `vitals compact`: merges the store's event batches (one per ingest and
/// kind) so that loading them stays cheap; `vitals ingest` does the same for
/// the newest batches once a kind has more than ``Store/batchLimit``.
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Merge the store's event batches (one per ingest) into fewer; no answer changes.",
        discussion: """
            Without --all, merges the newest batches of a kind once it has more than \(Store.batchLimit) \
            (what every ingest does by itself); with --all, every kind's batches into one. Runs in one \
            transaction: readers keep seeing the old batches until it commits.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Flag(name: .long, help: "Merge every batch of each kind into one.") var all = false

    func run() throws {
        do {
            let store = try Store.open(at: storeOptions.store)
            let summary = try store.compact(all: all)
            try store.checkpoint()
            print(Self.describe(summary))
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }

    static func describe(_ summary: CompactionSummary) -> String {
        guard !summary.merges.isEmpty else { return "nothing to merge" }
        let merges = summary.merges.map { (merge: CompactionSummary.Merge) -> String in
            "\(merge.batches) \(merge.kind) batches (\(formatCount(merge.rows)) rows) into one"
        }
        return "merged \(merges.joined(separator: ", ")) in \(String(format: "%.2f", summary.seconds)) s"
    }
}
