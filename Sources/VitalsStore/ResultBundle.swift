import Foundation
import VitalsColumnar

/// One agency's default tool results of a day as the store keeps them: one
/// row, one zstd frame, instead of a row and a frame per tool. A
/// many-accounts night (150 agencies, 12 results each) compressed 1,800
/// texts of 9 KB on average, inserted 1,800 rows and deleted them again the
/// next night; the agency's results compressed together also share their
/// keys and account ids (on 19,390 accounts, 2.46 → 2.13 MB stored).
///
/// The row's `tool` is ``rowTool`` (no tool has an empty name). Its blob:
/// `"VRB1"`, then one zstd frame (level 1) of the texts one after the
/// other, then the directory (each result's tool name, a UInt32 byte count
/// and its UTF-8, and its text's length, UInt32), then the result count
/// and where the directory starts (UInt32 each). Little endian. The
/// directory comes last so that each text is written where it lies in
/// the frame, its length known once written. Rows an older binary wrote,
/// one per tool, still read (``Store/agencyResult(asOfDay:agencyKey:tool:)``).
enum ResultBundle {
    static let magic: [UInt8] = Array("VRB1".utf8)
    /// The `tool` of an agency's bundle row.
    static let rowTool = ""

    /// The bundle of `results` (tool name, JSON as UTF-8), with the
    /// caller's compressor.
    static func pack(_ results: [(tool: String, json: [UInt8])], compressor: ZstdCompressor) throws(StoreError) -> Data {
        try pack(tools: results.map(\.tool), compressor: compressor) { n, raw in raw.append(contentsOf: results[n].json) }
    }

    /// The bundle of the results of `tools`, result `n`'s text appended by
    /// `write(n, &buffer)` to the frame's own buffer (a scorer's JSON is
    /// written there once, not into an array of its own first).
    static func pack(tools: [String], compressor: ZstdCompressor, writing write: (Int, inout [UInt8]) -> Void) throws(StoreError) -> Data {
        do {
            let blob = try compressor.compress(after: magic) { raw in
                var lengths: [Int] = []
                lengths.reserveCapacity(tools.count)
                for n in tools.indices {
                    let start = raw.count
                    write(n, &raw)
                    lengths.append(raw.count - start)
                }
                let directory = raw.count
                for (tool, length) in zip(tools, lengths) {
                    appendCounted(tool, to: &raw)
                    appendLittleEndian(UInt32(length), to: &raw)
                }
                appendLittleEndian(UInt32(tools.count), to: &raw)
                appendLittleEndian(UInt32(directory), to: &raw)
            }
            return Data(blob)
        } catch {
            throw .unexpected("could not compress the results: \(error.description)")
        }
    }

    /// Each agency's bundle of `results` (grouped by agency key, each
    /// agency's in the order given), packed on all cores.
    static func pack(_ results: [(agencyKey: Int, tool: String, json: [UInt8])]) throws(StoreError) -> [(agencyKey: Int, bundle: Data)] {
        var grouped: [Int: [(tool: String, json: [UInt8])]] = [:]
        for result in results { grouped[result.agencyKey, default: []].append((result.tool, result.json)) }
        let byAgency = grouped, agencies = grouped.keys.sorted()
        // Up to 16 agencies a compressor, as the scores' blobs are packed.
        let bundles = try packedOnAllCores(agencies.count, atMost: 16) { n, compressor throws(StoreError) in
            try pack(byAgency[agencies[n]]!, compressor: compressor)
        }
        return Array(zip(agencies, bundles))
    }

    /// The text of `tool`'s result in `blob`, nil when the bundle holds none.
    /// - Throws: ``StoreError/corrupt(_:)`` for a blob that is not a whole bundle.
    static func unpack(_ blob: Data, tool: String) throws(StoreError) -> String? {
        try entries(blob).first { $0.tool == tool }?.text
    }

    /// Every result in `blob`, in the order packed.
    /// - Throws: ``StoreError/corrupt(_:)`` for a blob that is not a whole bundle.
    static func entries(_ blob: Data) throws(StoreError) -> [(tool: String, text: String)] {
        let found: Result<[(tool: String, text: String)], StoreError> = blob.withUnsafeBytes { bytes in
            guard bytes.count >= magic.count, magic.elementsEqual(bytes.prefix(magic.count)) else {
                return .failure(.corrupt("a stored result bundle has no VRB1 header"))
            }
            let content: [UInt8]
            do throws(ZstdError) { content = try ZstdCodec.decompress(UnsafeRawBufferPointer(rebasing: bytes[magic.count...])) } catch {
                return .failure(.corrupt("a stored result bundle does not decompress: \(error.description)"))
            }
            return content.withUnsafeBytes { content in
                let cutShort = StoreError.corrupt("a stored result bundle is cut short")
                guard content.count >= 8 else { return .failure(cutShort) }
                var footer = LittleEndianReader(UnsafeRawBufferPointer(rebasing: content[(content.count - 8)...]))
                let count = Int(footer.read(UInt32.self)!), directory = Int(footer.read(UInt32.self)!)
                guard directory <= content.count - 8 else { return .failure(cutShort) }
                var reader = LittleEndianReader(UnsafeRawBufferPointer(rebasing: content[directory ..< (content.count - 8)]))
                guard count * 8 <= reader.remaining else { return .failure(cutShort) }
                var entries: [(tool: String, length: Int)] = []
                for _ in 0 ..< count {
                    guard let name = reader.counted(), let length = reader.read(UInt32.self) else { return .failure(cutShort) }
                    entries.append((String(decoding: name, as: UTF8.self), Int(length)))
                }
                guard reader.remaining == 0, entries.reduce(0, { $0 + $1.length }) == directory else {
                    return .failure(.corrupt("a stored result bundle's texts do not add up to its size"))
                }
                var results: [(tool: String, text: String)] = []
                var start = 0
                for (tool, length) in entries {
                    results.append((tool, String(decoding: UnsafeRawBufferPointer(rebasing: content[start ..< start + length]), as: UTF8.self)))
                    start += length
                }
                return .success(results)
            }
        }
        return try found.get()
    }
}
