import DataGenKit
import Foundation
import Testing

@Suite("Determinism")
struct DeterminismTests {
    static let files = [
        "agencies.csv", "accounts.csv", "users.csv", "workflows.csv", "mrr.csv", "payments.csv",
        "feedback.csv", "logins.csv", "feature_usage.csv", "labels.csv", "truth.csv",
    ]

    @Test("the same seed twice writes byte-identical files; another seed does not")
    func sameSeedSameBytes() throws {
        let first = Fixtures.smallConfig(seed: 42)
        var second = first
        second.outputDirectory = Fixtures.temporaryDirectory()
        var other = first
        other.seed = 43
        other.outputDirectory = Fixtures.temporaryDirectory()

        let a = try Fixtures.withDataset(first) { dataset in try Self.files.map { try dataset.bytes($0) } }
        let b = try Fixtures.withDataset(second) { dataset in try Self.files.map { try dataset.bytes($0) } }
        let c = try Fixtures.withDataset(other) { dataset in try Self.files.map { try dataset.bytes($0) } }

        for (name, (x, y)) in zip(Self.files, zip(a, b)) {
            #expect(x == y, "\(name) differs between two runs with one seed")
        }
        for (name, (x, y)) in zip(Self.files, zip(a, c)) where name != "agencies.csv" {
            #expect(x != y, "\(name) is the same for seeds 42 and 43")
        }
    }

    @Test("the summary counts what the files hold")
    func summaryMatchesFiles() throws {
        let config = Fixtures.smallConfig()
        let summary = try generateDataset(config)
        defer { try? FileManager.default.removeItem(atPath: config.outputDirectory) }
        #expect(summary.files.map(\.name) == Self.files)
        let dataset = Dataset(directory: config.outputDirectory)
        for file in summary.files {
            let bytes = try dataset.bytes(file.name)
            #expect(file.bytes == bytes.count, "\(file.name) size")
            // No generated field holds a line break, so rows = lines − header.
            #expect(file.rows == bytes.filter { $0 == 0x0A }.count - 1, "\(file.name) rows")
        }
        #expect(summary.eventRows == config.events)
        #expect(summary.rows(of: "accounts.csv") == 40)
    }
}
