import Benchmark
import Foundation
import VitalsColumnar

// Kernels of the ingest path. One iteration processes a whole input of known
// size (1M CSV rows, ~60 MB; or an 8 MB column), so rows/s or bytes/s is the
// throughput column (iterations/s) times that size:
//   - CSV parse: CSVReader over a feature_usage-shaped file;
//   - encode: dictionary look-ups + timestamp parse per row, then the sort;
//   - zstd: segment encode and decode of a sorted timestamp column.

func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

/// A feature_usage.csv-shaped file with `rows` rows (written once per run).
func makeUsageCSV(rows: Int) -> (path: String, bytes: Int) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-bench-usage-\(rows).csv").path
    var text = "ts,account_id,user_id,feature,count\n"
    text.reserveCapacity(rows * 64)
    var state: UInt64 = 42
    func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
    for i in 0 ..< rows {
        let second = 1_763_596_800 + i * 3
        let day = second / 86_400, rest = second % 86_400
        let (y, m, d) = CivilTime.date(fromDays: day)
        let account = next() % 600, user = account * 12 + next() % 12
        text += "\(y)-\(pad(m))-\(pad(d))T\(pad(rest / 3600)):\(pad(rest / 60 % 60)):\(pad(rest % 60))Z,"
        text += "acc_\(account),usr_\(user),feature_\(next() % 30),\(1 + next() % 4)\n"
    }
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return (path, text.utf8.count)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .instructions, .mallocCountTotal, .peakMemoryResident],
                                           maxDuration: .seconds(5), maxIterations: 20)
    let rows = 1_000_000
    let usage = makeUsageCSV(rows: rows)

    Benchmark("CSV parse (1M feature_usage rows)", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            let reader = try CSVReader(path: usage.path)
            var fieldBytes = 0
            while try reader.next() {
                for column in 0 ..< 5 { fieldBytes &+= reader.field(column).count }
            }
            blackHole(fieldBytes)
        }
    }

    // The CSV parse's yardstick: copying the same file's bytes (already in
    // memory) once. CSV parse GB/s = usage.bytes × its iterations/s; its
    // share of this benchmark's rate is the parse's fraction of memcpy speed.
    let fileBytes = [UInt8](FileManager.default.contents(atPath: usage.path)!)
    var fileCopy = [UInt8](repeating: 0, count: fileBytes.count)
    Benchmark("CSV parse baseline: memcpy of the same file bytes (1M rows)", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            fileBytes.withUnsafeBytes { from in
                fileCopy.withUnsafeMutableBytes { to in to.copyMemory(from: from) }
            }
            blackHole(fileCopy[0])
        }
    }

    Benchmark("Encode rows: ids, timestamps, sort (1M rows)", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            let reader = try CSVReader(path: usage.path)
            var accounts = ByteStringDictionary(), users = ByteStringDictionary(), features = ByteStringDictionary()
            var builder = EventColumnsBuilder(hasItems: true, reservingCapacity: rows)
            while try reader.next() {
                // Event times are kept in 32 bits (seconds since 1970, up to 2106).
                let ts = UInt32(clamping: CivilTime.parseTimestamp(reader.field(0)) ?? 0)
                let account = accounts.code(of: reader.field(1)) ?? accounts.insert(reader.field(1)).code
                let user = users.code(of: reader.field(2)) ?? users.insert(reader.field(2)).code
                let feature = features.code(of: reader.field(3)) ?? features.insert(reader.field(3)).code
                builder.append(partition: account, timestamp: ts, actor: user, item: feature, quantity: 1)
            }
            blackHole(builder.build(partitionCount: accounts.count))
        }
    }

    let timestamps = (0 ..< rows).map { Int64(1_763_596_800 + $0 * 3) }
    let timestampBytes = rows * 8
    let encoded = try! ColumnSegment.encode(timestamps, encoding: [.delta, .shuffle])

    Benchmark("zstd segment encode (8 MB sorted Int64)", configuration: .init(scalingFactor: .one)) { benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try ColumnSegment.encode(timestamps, encoding: [.delta, .shuffle]))
        }
        benchmark.stopMeasurement()
        _ = timestampBytes
    }

    Benchmark("zstd segment decode (8 MB sorted Int64)", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try ColumnSegment.decode(encoded, as: Int64.self))
        }
    }

    // Scan kernels of scoring, over a built 1M-row feature-usage table with
    // 600 account partitions (16 bytes a row: ts 4, actor 4, item 4, count 4).
    var builder = EventColumnsBuilder(hasItems: true, reservingCapacity: rows)
    var state: UInt64 = 7
    func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
    for i in 0 ..< rows {
        let account = UInt32(next() % 600)
        builder.append(partition: account, timestamp: UInt32(1_763_596_800 + i * 3), actor: account * 12 + UInt32(next() % 12),
                       item: UInt32(next() % 30), quantity: UInt32(1 + next() % 4))
    }
    let table = builder.build(partitionCount: 600)

    Benchmark("Per-account aggregation: uses + distinct users (1M rows, 20 MB)", configuration: .init(scalingFactor: .one)) { benchmark in
        var users = DistinctCounter(keyCount: 600 * 12)
        for _ in benchmark.scaledIterations {
            var total = 0
            for account in 0 ..< table.partitionCount {
                let rows = table.rows(of: account)
                total &+= table.quantitySum(rows) &+ users.count(table.actors, rows: rows)
            }
            blackHole(total)
        }
    }

    Benchmark("Movers: uses by feature per window (1M rows, 20 MB)", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            var byFeature = [Int](repeating: 0, count: 30)
            for account in 0 ..< table.partitionCount {
                table.addQuantities(byItem: &byFeature, rows: table.rows(of: account))
            }
            blackHole(byFeature)
        }
    }

    // The machine's memory bandwidth, measured the same run: copying 64 MB.
    let source = [UInt8](repeating: 1, count: 64 << 20)
    var destination = [UInt8](repeating: 0, count: 64 << 20)
    Benchmark("Memory bandwidth: memcpy 64 MB", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            source.withUnsafeBytes { from in
                destination.withUnsafeMutableBytes { to in to.copyMemory(from: from) }
            }
            blackHole(destination[0])
        }
    }
}
