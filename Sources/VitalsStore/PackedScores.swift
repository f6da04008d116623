import Foundation
import VitalsColumnar

/// One agency's materialized scores of the newest day as the store keeps
/// them: one blob per agency instead of a row per account. At 40,000
/// accounts a night inserted 38,000 rows of about 400 compressed bytes and
/// the next night deleted them again (0.5 s of a 1 s write); an agency's
/// accounts compressed together also share their JSON keys.
///
/// `"VAS1"`, the account count (UInt32 LE), then one zstd frame (level 1)
/// of, per account in the order given: the account key (UInt32), health,
/// the six components and churn risk as Float64 bit patterns (read back
/// exactly), then the band, the signals joined by `;` and the detail (as given),
/// each as a UInt32 byte count and its UTF-8 bytes. Little endian.
enum PackedScores {
    static let magic: [UInt8] = Array("VAS1".utf8)

    /// - Parameter detail: writes score `n`'s detail bytes at the
    ///   end of the buffer it is given (the scorer's bytes, never made into
    ///   a `String` or an array of their own); ``pack(_:compressor:)``
    ///   writes each score's `detail`.
    static func pack(_ scores: ArraySlice<MaterializedScore>, detail: (Int, inout [UInt8]) -> Void,
                     compressor: ZstdCompressor) throws(StoreError) -> [UInt8] {
        var head = magic
        appendLittleEndian(UInt32(scores.count), to: &head)
        do {
            return try compressor.compress(after: head) { raw in
                for (n, score) in scores.enumerated() {
                    precondition(score.components.count == 6, "a materialized score has six components")
                    appendLittleEndian(UInt32(score.accountKey), to: &raw)
                    appendLittleEndian(score.health.bitPattern, to: &raw)
                    for value in score.components { appendLittleEndian(value.bitPattern, to: &raw) }
                    appendLittleEndian(score.churnRisk.bitPattern, to: &raw)
                    appendCounted(score.band, to: &raw)
                    appendCounted(score.signals.joined(separator: ";"), to: &raw)
                    // The count goes before the text: written as 0, then set once the text is.
                    let count = raw.count
                    appendLittleEndian(UInt32(0), to: &raw)
                    detail(n, &raw)
                    let length = UInt32(raw.count - count - 4)
                    for i in 0 ..< 4 { raw[count + i] = UInt8(truncatingIfNeeded: length >> (8 * i)) }
                }
            }
        } catch {
            throw .unexpected("could not compress the scores: \(error.description)")
        }
    }

    /// ``pack(_:detail:compressor:)`` of scores that carry their detail.
    static func pack(_ scores: ArraySlice<MaterializedScore>, compressor: ZstdCompressor) throws(StoreError) -> [UInt8] {
        try pack(scores, detail: { n, raw in raw.append(contentsOf: scores[scores.startIndex + n].detail) }, compressor: compressor)
    }

    /// `scores` grouped by agency (each agency's in the order given), one
    /// blob per agency, packed on all cores.
    static func packByAgency(_ scores: [MaterializedScore]) throws(StoreError) -> [(agencyKey: Int, blob: [UInt8])] {
        let grouped = zip(scores, scores.dropFirst()).allSatisfy { $0.agencyKey <= $1.agencyKey }
            ? scores
            : scores.enumerated().sorted { ($0.element.agencyKey, $0.offset) < ($1.element.agencyKey, $1.offset) }.map(\.element)
        var ranges: [Range<Int>] = []
        var start = 0
        for i in grouped.indices where i + 1 == grouped.count || grouped[i + 1].agencyKey != grouped[i].agencyKey {
            ranges.append(start ..< i + 1)
            start = i + 1
        }
        let groups = ranges
        // Up to 16 agencies a compressor; a book of two agencies packs each on its own core.
        let blobs = try packedOnAllCores(groups.count, atMost: 16) { n, compressor throws(StoreError) in
            try pack(grouped[groups[n]], compressor: compressor)
        }
        return zip(groups, blobs).map { (grouped[$0.lowerBound].agencyKey, $1) }
    }

    /// The scores in `blob`; with `only`, that account's alone (the others'
    /// text is skipped, not decoded: `get_account` reads one account of an
    /// agency of hundreds).
    static func unpack(_ blob: [UInt8], day: Int, agencyKey: Int, only: Int? = nil) throws(StoreError) -> [MaterializedScore] {
        func corrupt(_ why: String) -> StoreError { .corrupt("the scores of day \(day), agency \(agencyKey): \(why)") }
        guard blob.count >= 8, Array(blob[0 ..< 4]) == magic else { throw corrupt("not a VAS1 blob") }
        let count = Int(UInt32(blob[4]) | UInt32(blob[5]) << 8 | UInt32(blob[6]) << 16 | UInt32(blob[7]) << 24)
        let unpacked: Result<[UInt8], ZstdError> = blob.withUnsafeBytes { bytes in
            do throws(ZstdError) { return .success(try ZstdCodec.decompress(UnsafeRawBufferPointer(rebasing: bytes[8...]))) } catch {
                return .failure(error)
            }
        }
        let raw: [UInt8]
        switch unpacked {
        case let .success(bytes): raw = bytes
        case let .failure(error): throw corrupt(error.description)
        }
        var scores: [MaterializedScore] = []
        scores.reserveCapacity(count)
        let failure: String? = raw.withUnsafeBytes { bytes in
            var reader = LittleEndianReader(bytes)
            func text() -> String? { reader.counted().map { String(decoding: $0, as: UTF8.self) } }
            for _ in 0 ..< count {
                guard let key = reader.read(UInt32.self) else { return "cut short" }
                if let only, only != Int(key) {
                    guard reader.take(64) != nil, reader.counted() != nil, reader.counted() != nil, reader.counted() != nil else { return "cut short" }
                    continue
                }
                var values: [Double] = []
                for _ in 0 ..< 8 {
                    guard let bits = reader.read(UInt64.self) else { return "cut short" }
                    values.append(Double(bitPattern: bits))
                }
                guard let band = text(), let signals = text(), let detail = reader.counted().map(Array.init) else { return "cut short" }
                scores.append(MaterializedScore(
                    accountKey: Int(key), agencyKey: agencyKey, health: values[0], band: band, components: Array(values[1 ..< 7]),
                    churnRisk: values[7], signals: signals.isEmpty ? [] : signals.split(separator: ";").map(String.init), detail: detail))
            }
            return reader.remaining == 0 ? nil : "\(reader.remaining) bytes left over"
        }
        if let failure { throw corrupt(failure) }
        return scores
    }
}
