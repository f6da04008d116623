import Testing
@testable import VitalsColumnar

/// A compressor that keeps its buffers between frames: each frame holds
/// what was written for it alone, after its prefix, whatever came before.
@Suite struct ZstdCompressorTests {
    @Test func framesFilledInTheKeptBufferHoldTheirOwnContentAlone() throws {
        let compressor = ZstdCompressor(level: 1)
        // A large frame first, then a smaller one: the kept buffer must
        // start empty, not with the first frame's tail.
        let contents: [[UInt8]] = [
            (0 ..< 200_000).map { UInt8(truncatingIfNeeded: $0 % 977) },
            Array("{\"account_key\":7}".utf8),
            [],
            (0 ..< 50_000).map { UInt8(truncatingIfNeeded: $0 &* 31) },
        ]
        for (n, content) in contents.enumerated() {
            let prefix: [UInt8] = [0x56, 0x41, 0x53, UInt8(n)]
            let blob = try compressor.compress(after: prefix) { buffer in
                #expect(buffer.isEmpty, "frame \(n) starts from an empty buffer")
                buffer.append(contentsOf: content)
            }
            #expect(Array(blob.prefix(4)) == prefix)
            let decoded = try blob.withUnsafeBytes { try ZstdCodec.decompress(UnsafeRawBufferPointer(rebasing: $0[4...])) }
            #expect(decoded == content, "frame \(n)")
        }
    }
}
