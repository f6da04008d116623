import Foundation
import GRDB
import VitalsColumnar

/// One agency's scores on one day, kept compactly for the health history:
/// every `vitals score` writes one per agency and day, so the health trend
/// and health movers grow by themselves. Plain fixed-width columns (the store
/// does not know the analytics types): health in tenths, components and churn
/// risk in ten-thousandths, fired signals as a bit set in the analytics'
/// signal order, MRR in cents. About 29 bytes an account before compression.
public struct DailyScores: Sendable, Equatable {
    public var day: Int
    public var agencyKey: Int
    /// Ascending.
    public var accountKeys: [UInt32] = []
    public var healthTenths: [UInt16] = []
    /// ``componentCount`` per account, account-major, in ten-thousandths.
    public var components: [UInt16] = []
    public var churnRisk: [UInt16] = []
    public var signalBits: [UInt8] = []
    public var mrrCents: [Int64] = []

    /// activity, recency, breadth, trend, payments, sentiment.
    public static let componentCount = 6

    public init(day: Int, agencyKey: Int) {
        self.day = day
        self.agencyKey = agencyKey
    }

    public var count: Int { accountKeys.count }

    /// Appends one account (in ascending key order).
    public mutating func append(accountKey: Int, health: Double, components values: [Double], churnRisk risk: Double,
                                signalBits bits: UInt8, mrrCents cents: Int64) {
        precondition(values.count == Self.componentCount)
        accountKeys.append(UInt32(accountKey))
        healthTenths.append(UInt16(clamping: Int((health * 10).rounded())))
        for value in values { components.append(UInt16(clamping: Int((value * 10000).rounded()))) }
        churnRisk.append(UInt16(clamping: Int((risk * 10000).rounded())))
        signalBits.append(bits)
        mrrCents.append(cents)
    }

    /// The position of an account, if it was scored that day.
    public func position(of accountKey: Int) -> Int? {
        let key = UInt32(accountKey)
        var low = 0, high = accountKeys.count
        while low < high {
            let mid = (low + high) / 2
            if accountKeys[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low < accountKeys.count && accountKeys[low] == key ? low : nil
    }

    public func health(at position: Int) -> Double { Double(healthTenths[position]) / 10 }
    public func component(_ component: Int, at position: Int) -> Double {
        Double(components[position * Self.componentCount + component]) / 10000
    }
    public func churnRisk(at position: Int) -> Double { Double(churnRisk[position]) / 10000 }

    // MARK: - Encoding

    static let magic: [UInt8] = Array("VHS1".utf8)

    /// `"VHS1"`, the account count (UInt32 LE), then one zstd frame of the
    /// columns in order: account keys (delta), health, components, churn
    /// risk, signal bits, MRR — little endian.
    /// - Parameter compressor: the caller's, reused from blob to blob
    ///   (a fresh zstd context for each of a night's 150 agencies' blobs
    ///   was two thirds of their encoding's CPU).
    func encoded(compressor: ZstdCompressor = ZstdCompressor(level: 1)) throws(StoreError) -> [UInt8] {
        var head = Self.magic
        appendLittleEndian(UInt32(count), to: &head)
        do {
            return try compressor.compress(after: head) { raw in
                raw.reserveCapacity(count * 29)
                var previous: UInt32 = 0
                for key in accountKeys {
                    appendLittleEndian(key &- previous, to: &raw)
                    previous = key
                }
                for value in healthTenths { appendLittleEndian(value, to: &raw) }
                for value in components { appendLittleEndian(value, to: &raw) }
                for value in churnRisk { appendLittleEndian(value, to: &raw) }
                raw += signalBits
                for value in mrrCents { appendLittleEndian(value, to: &raw) }
            }
        } catch {
            throw .corrupt("could not compress the health history: \(error)")
        }
    }

    static func decode(_ blob: [UInt8], day: Int, agencyKey: Int) throws(StoreError) -> DailyScores {
        guard blob.count >= 8, Array(blob[0 ..< 4]) == magic else {
            throw .corrupt("health history of day \(day), agency \(agencyKey): not a VHS1 blob")
        }
        let n = Int(UInt32(blob[4]) | UInt32(blob[5]) << 8 | UInt32(blob[6]) << 16 | UInt32(blob[7]) << 24)
        let expected = n * (4 + 2 + 2 * componentCount + 2 + 1 + 8)
        var raw = [UInt8](repeating: 0, count: expected)
        let failure: String? = blob.withUnsafeBytes { bytes in
            let frame = UnsafeRawBufferPointer(rebasing: bytes[8...])
            do throws(ZstdError) {
                guard try ZstdCodec.contentSize(of: frame) == expected else { return "\(n) accounts do not match the frame's size" }
                var failure: ZstdError?
                raw.withUnsafeMutableBytes { out in
                    do throws(ZstdError) { try ZstdCodec.decompress(frame, into: out) } catch { failure = error }
                }
                return failure?.description
            } catch {
                return error.description
            }
        }
        if let failure { throw .corrupt("health history of day \(day), agency \(agencyKey): \(failure)") }
        var scores = DailyScores(day: day, agencyKey: agencyKey)
        raw.withUnsafeBytes { bytes in
            var offset = 0
            func read<T: FixedWidthInteger>(_ count: Int, as _: T.Type) -> [T] {
                let values = (0 ..< count).map { i in T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + i * MemoryLayout<T>.size, as: T.self)) }
                offset += count * MemoryLayout<T>.size
                return values
            }
            var key: UInt32 = 0
            scores.accountKeys = read(n, as: UInt32.self).map { delta in key &+= delta; return key }
            scores.healthTenths = read(n, as: UInt16.self)
            scores.components = read(n * componentCount, as: UInt16.self)
            scores.churnRisk = read(n, as: UInt16.self)
            scores.signalBits = read(n, as: UInt8.self)
            scores.mrrCents = read(n, as: Int64.self)
        }
        return scores
    }
}

extension Store {
    /// Every scored day's compact scores of one agency up to `throughDay`, oldest first.
    public func healthHistory(agencyKey: Int, throughDay: Int = .max) throws(StoreError) -> [DailyScores] {
        try healthHistory(agencyKey: agencyKey, days: .min ... throughDay)
    }

    /// One agency's compact scores of the scored days in `days`, oldest
    /// first (a day not scored is absent): what a night or a call needs
    /// reads those days, not every day a year of nights kept.
    public func healthHistory(agencyKey: Int, days: ClosedRange<Int>) throws(StoreError) -> [DailyScores] {
        // The key is (day, agency): a range of days with the agency as a
        // filter visited every agency's row of every day (a night's 250
        // agencies, each reading one day, visited 62,500 rows, 0.15 s of
        // CPU). So the range is cut to the days kept, and each day is one
        // seek of the key.
        let rows: [(Int, [UInt8])] = try read { db in
            // Two queries: SQLite reads MIN or MAX of the key's first column
            // from one end of the b-tree, but both in one query scan the table.
            guard let first = try Int.fetchOne(db.cachedStatement(sql: "SELECT MIN(as_of_day) FROM health_history")),
                  let last = try Int.fetchOne(db.cachedStatement(sql: "SELECT MAX(as_of_day) FROM health_history")),
                  first <= days.upperBound, last >= days.lowerBound else { return [] }
            let seek = try db.cachedStatement(sql: "SELECT scores FROM health_history WHERE as_of_day = ? AND agency_key = ?")
            var rows: [(Int, [UInt8])] = []
            for day in max(first, days.lowerBound) ... min(last, days.upperBound) {
                if let blob = try Data.fetchOne(seek, arguments: [day, agencyKey]) { rows.append((day, [UInt8](blob))) }
            }
            return rows
        }
        var decoded: [DailyScores] = []
        for (day, blob) in rows { decoded.append(try DailyScores.decode(blob, day: day, agencyKey: agencyKey)) }
        return decoded
    }

    /// Every agency's compact scores of one scored day, by agency key (an
    /// agency the day does not keep is absent): one read of a range of the
    /// key. A night's agencies each read their health-change baseline in a
    /// read of their own, 150 transactions on both cores.
    public func healthHistory(day: Int) throws(StoreError) -> [Int: DailyScores] {
        let rows: [(Int, [UInt8])] = try read { db in
            var rows: [(Int, [UInt8])] = []
            try db.forEachRawRow("SELECT agency_key, scores FROM health_history WHERE as_of_day = ? ORDER BY agency_key", arguments: [day]) { row in
                rows.append((row.int(0), row.blob(1)))
            }
            return rows
        }
        var decoded: [Int: DailyScores] = [:]
        for (agency, blob) in rows { decoded[agency] = try DailyScores.decode(blob, day: day, agencyKey: agency) }
        return decoded
    }

    /// Whether the history keeps each of `days` for every agency: for the
    /// agencies whose keys are below `agencyCount` (a loaded dataset's), or
    /// for all the store has. True when no day is asked.
    public func historyKeepsEveryAgency(on days: Set<Int>, agencyCount: Int? = nil) throws(StoreError) -> Bool {
        try read { db in
            let agencies = try agencyCount ?? Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agencies")!
            let count = try db.cachedStatement(sql: "SELECT COUNT(*) FROM health_history WHERE as_of_day = ? AND agency_key < ?")
            for day in days where try Int.fetchOne(count, arguments: [day, agencies])! < agencies { return false }
            return true
        }
    }

    /// Bytes the health history takes (compressed blobs), and how many (day, agency) rows.
    public func healthHistorySize() throws(StoreError) -> (rows: Int, bytes: Int) {
        try read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), COALESCE(SUM(LENGTH(scores)), 0) FROM health_history")!
            return (row[0], row[1])
        }
    }
}

/// One agency's ``DailyScores`` encoded as the health history keeps it,
/// by whoever scored the agency, on that core: `vitals score` wrote every
/// agency's history blob inside its write transaction, on one core, after
/// the scoring (a fifth of a many-accounts night's write).
public struct PackedDailyScores: Sendable {
    public let agencyKey: Int
    let blob: [UInt8]

    /// - Parameter compressor: the caller's (a scoring core's), reused.
    public init(_ scores: DailyScores, compressor: ZstdCompressor = ZstdCompressor(level: 1)) throws(StoreError) {
        agencyKey = scores.agencyKey
        blob = try scores.encoded(compressor: compressor)
    }
}
