import ArgumentParser
import Foundation
import VitalsStore
import VitalsViews

/// `vitals compact`: merges the store's event batches (one per ingest, kind
/// and 7-day epoch) so that loading them stays cheap; `vitals ingest` does
/// the same for an epoch once a newer one exists.
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Merge the store's event batches (one per ingest and 7-day epoch) into fewer; no answer changes.",
        discussion: """
            Without --all, merges the batches of each 7-day epoch once a newer epoch exists, or once it holds \
            more than \(Store.batchLimit) (what every ingest does by itself); with --all, every epoch's batches \
            into one, and a store written before epochs is cut into one batch per epoch (so that a nightly \
            `vitals score` can skip the weeks before its window). Runs in one transaction: readers keep seeing \
            the old batches until it commits.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Flag(name: .long, help: "Merge every epoch's batches into one (and cut batches spanning epochs).") var all = false

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
        // One phrase per kind, over its epochs.
        var byKind: [(kind: String, batches: Int, rows: Int, into: Int)] = []
        for merge in summary.merges {
            if let last = byKind.indices.last, byKind[last].kind == merge.kind {
                byKind[last].batches += merge.batches
                byKind[last].rows += merge.rows
                byKind[last].into += merge.into
            } else {
                byKind.append((merge.kind, merge.batches, merge.rows, merge.into))
            }
        }
        let merges = byKind.map { merge in
            "\(merge.batches) \(merge.kind) batches (\(formatCount(merge.rows)) rows) into \(merge.into == 1 ? "one" : String(merge.into))"
        }
        return "merged \(merges.joined(separator: ", ")) in \(String(format: "%.2f", summary.seconds)) s"
    }
}
