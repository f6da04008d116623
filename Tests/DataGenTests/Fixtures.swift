import DataGenKit
import Foundation

/// Shared fixtures: generating small datasets into temporary directories and
/// reading their CSV files back.
enum Fixtures {
    /// The as-of day of every fixture.
    static let asOf = "2026-11-20"

    /// A small configuration (2 agencies × 20 accounts, 50k events) writing
    /// into a fresh temporary directory.
    static func smallConfig(seed: UInt64 = 7, accountsPerAgency: Int = 20, events: Int = 50_000) -> DataGenConfig {
        DataGenConfig(
            agencies: 2, accountsPerAgency: accountsPerAgency, usersPerAccount: 8, days: 180,
            events: events, seed: seed, asOf: DataGenConfig.date(fromDay: asOf)!,
            outputDirectory: temporaryDirectory()
        )
    }

    /// A new, empty directory path under the system's temporary directory.
    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("datagen-tests-\(UUID().uuidString)").path
    }

    /// Generates `config`, runs `body` on a reader of its output, then removes it.
    static func withDataset<R>(_ config: DataGenConfig, _ body: (Dataset) throws -> R) throws -> R {
        _ = try generateDataset(config)
        defer { try? FileManager.default.removeItem(atPath: config.outputDirectory) }
        return try body(Dataset(directory: config.outputDirectory))
    }

    /// Day number (days since 1970-01-01) of a `YYYY-MM-DD` prefix.
    static func day(_ text: some StringProtocol) -> Int {
        Int(DataGenConfig.date(fromDay: String(text.prefix(10)))!.timeIntervalSince1970 / 86_400)
    }
}

/// A generated dataset directory, read back through an RFC 4180 parser.
struct Dataset {
    let directory: String

    /// The raw bytes of `name`.
    func bytes(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
    }

    /// The parsed table `name`: its header and its rows as dictionaries.
    func table(_ name: String) throws -> CSVTable {
        CSVTable(parsing: try bytes(name))
    }
}

/// A parsed CSV file (RFC 4180: quoted fields, doubled quotes, CRLF or LF).
struct CSVTable {
    var header: [String]
    var rows: [[String]]
    /// Whether any field was quoted in the file.
    var sawQuotedField = false

    init(parsing data: Data) {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var sawQuote = false
        var i = data.startIndex
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while i < data.endIndex {
            let byte = data[i]
            if quoted {
                if byte == 0x22 {
                    if i + 1 < data.endIndex, data[i + 1] == 0x22 {
                        field.append(0x22)
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == 0x22 {
                quoted = true
                sawQuote = true
            } else if byte == 0x2C {
                endField()
            } else if byte == 0x0A {
                endField()
                records.append(record)
                record = []
            } else if byte != 0x0D {
                field.append(byte)
            }
            i += 1
        }
        if !field.isEmpty || !record.isEmpty {
            endField()
            records.append(record)
        }
        header = records.first ?? []
        rows = Array(records.dropFirst())
        sawQuotedField = sawQuote
    }

    /// The values of `column` in row order.
    func column(_ name: String) -> [String] {
        guard let index = header.firstIndex(of: name) else { return [] }
        return rows.map { $0[index] }
    }

    /// Each row as a column-name → value dictionary.
    var records: [[String: String]] {
        rows.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }
}
