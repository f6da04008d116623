import Testing
@testable import VitalsColumnar

/// A frame read a window at a time hands out exactly its content, in
/// whatever pieces it is asked for, and says when it is damaged or read out.
@Suite struct ZstdFrameReaderTests {
    @Test(arguments: [64, 4096, 256 << 10])
    func piecesOfAnyLengthReadBackTheContent(window: Int) throws {
        var generator = SystemRandomNumberGenerator()
        // Compressible text with runs longer than the smallest window.
        let content: [UInt8] = (0 ..< 300_000).map { i in i % 7_000 < 200 ? UInt8(i % 251) : UInt8.random(in: 97 ... 100, using: &generator) }
        let frame = try ZstdCodec.compress(content)
        try frame.withUnsafeBytes { frame in
            var reader = try ZstdFrameReader(frame, windowBytes: window)
            #expect(reader.contentSize == content.count)
            var read: [UInt8] = []
            var piece = 0
            while reader.remaining > 0 {
                // 1, 8, 300, a run of 5,000 bytes (longer than a small window), …
                let want = min(reader.remaining, [1, 8, 300, 5_000, 3][piece % 5])
                let taken = reader.take(want)
                let bytes = try #require(taken)
                #expect(bytes.count == want)
                read += bytes
                piece += 1
            }
            #expect(read == content)
            let past = reader.take(1), none = reader.take(0)
            #expect(past == nil, "past the end")
            #expect(none?.count == 0)
        }
    }

    @Test func aDamagedFrameEndsTheReadWithAFailure() throws {
        let content = [UInt8]((0 ..< 100_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
        let frame = try ZstdCodec.compress(content)
        // Cut short: the header still claims the whole content.
        try Array(frame.prefix(frame.count / 2)).withUnsafeBytes { cut in
            var reader = try ZstdFrameReader(cut, windowBytes: 1024)
            var read = 0
            while let bytes = reader.take(min(700, reader.remaining)), !bytes.isEmpty { read += bytes.count }
            let left = reader.remaining, failed = reader.failure != nil
            #expect(read < content.count && left > 0)
            #expect(failed)
        }
        // Not a frame at all.
        #expect(throws: ZstdError.self) { try [UInt8](repeating: 7, count: 32).withUnsafeBytes { _ = try ZstdFrameReader($0) } }
    }
}
