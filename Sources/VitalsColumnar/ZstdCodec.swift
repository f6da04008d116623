import CZstd

/// A failure of libzstd, with its own error name.
public struct ZstdError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// zstd compression of byte buffers (libzstd from the OS).
public enum ZstdCodec {
    /// The default level: fast to write, small enough for segments. Level 1
    /// rather than zstd's own default, 3: on the delta-coded, byte-shuffled
    /// event columns it stores 1–2.5 % more bytes (10 M events: 35.3 MB
    /// against 35.0; the wide world 40.2 against 39.2) for a fifth less
    /// ingest CPU, and the columns decode as fast.
    public static let defaultLevel: Int32 = 1

    /// Compresses `source` into one zstd frame (which records the content size).
    public static func compress(_ source: UnsafeRawBufferPointer, level: Int32 = defaultLevel) throws(ZstdError) -> [UInt8] {
        let bound = ZSTD_compressBound(source.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_compress(out.baseAddress, bound, source.baseAddress, source.count, level)
        }
        if ZSTD_isError(written) != 0 {
            throw ZstdError(description: "zstd compress: \(String(cString: ZSTD_getErrorName(written)))")
        }
        output.removeLast(bound - written)
        return output
    }

    /// Compresses a byte array into one zstd frame.
    public static func compress(_ source: [UInt8], level: Int32 = defaultLevel) throws(ZstdError) -> [UInt8] {
        let result: Result<[UInt8], ZstdError> = source.withUnsafeBytes { bytes in
            do throws(ZstdError) { return .success(try compress(bytes, level: level)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The decompressed size recorded in a frame's header.
    public static func contentSize(of frame: UnsafeRawBufferPointer) throws(ZstdError) -> Int {
        let size = ZSTD_getFrameContentSize(frame.baseAddress, frame.count)
        // ZSTD_CONTENTSIZE_UNKNOWN / _ERROR are the top two values of UInt64.
        guard size < UInt64.max - 1 else {
            throw ZstdError(description: "zstd frame has no readable content size")
        }
        return Int(size)
    }

    /// Decompresses one frame into a new array of its recorded content size.
    public static func decompress(_ frame: UnsafeRawBufferPointer) throws(ZstdError) -> [UInt8] {
        let size = try contentSize(of: frame)
        var failure: ZstdError?
        let output = [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
            do throws(ZstdError) { try decompress(frame, into: UnsafeMutableRawBufferPointer(out)) } catch { failure = error }
            initialized = size
        }
        if let failure { throw failure }
        return output
    }

    /// Decompresses one frame into `destination`, which must have exactly the
    /// frame's content size.
    public static func decompress(_ frame: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(ZstdError) {
        let written = ZSTD_decompress(destination.baseAddress, destination.count, frame.baseAddress, frame.count)
        if ZSTD_isError(written) != 0 {
            throw ZstdError(description: "zstd decompress: \(String(cString: ZSTD_getErrorName(written)))")
        }
        guard written == destination.count else {
            throw ZstdError(description: "zstd decompress: expected \(destination.count) bytes, got \(written)")
        }
    }
}

/// Many small frames from one compression context and one output buffer,
/// both reused: `ZstdCodec.compress` sets up a context and a fresh buffer
/// per frame, which for a night's 40,000 small JSON documents cost more
/// than compressing them. One per thread.
public final class ZstdCompressor {
    private let context: OpaquePointer
    private var scratch: [UInt8] = []
    /// What ``compress(after:filling:)`` hands its writer, kept between frames.
    private var input: [UInt8] = []
    private let level: Int32

    public init(level: Int32 = ZstdCodec.defaultLevel) {
        context = ZSTD_createCCtx()
        self.level = level
    }

    deinit { ZSTD_freeCCtx(context) }

    /// One zstd frame of `source` (which records the content size).
    public func compress(_ source: UnsafeRawBufferPointer) throws(ZstdError) -> [UInt8] {
        try compress(source, after: [])
    }

    /// `prefix` followed by one zstd frame of what `fill` appends to an
    /// empty buffer, which the compressor keeps for the next frame as it
    /// keeps its output's: a packer writes a frame's content there instead
    /// of into a fresh array per frame (each agency's scores of a night at
    /// 20,000 accounts were 15 MB of arrays, their pages faulted in anew).
    public func compress(after prefix: [UInt8] = [], filling fill: (inout [UInt8]) -> Void) throws(ZstdError) -> [UInt8] {
        var content = [UInt8]()
        swap(&content, &input)
        content.removeAll(keepingCapacity: true)
        fill(&content)
        defer { swap(&content, &input) }
        let frame: Result<[UInt8], ZstdError> = content.withUnsafeBytes { bytes in
            do throws(ZstdError) { return .success(try compress(bytes, after: prefix)) } catch { return .failure(error) }
        }
        return try frame.get()
    }

    /// `prefix` followed by one zstd frame of `source`, in one array (a
    /// segment's header and its frame).
    public func compress(_ source: UnsafeRawBufferPointer, after prefix: [UInt8]) throws(ZstdError) -> [UInt8] {
        let bound = ZSTD_compressBound(source.count)
        if scratch.count < bound { scratch = [UInt8](repeating: 0, count: max(bound, 2 * scratch.count)) }
        let written = scratch.withUnsafeMutableBytes { out in
            ZSTD_compressCCtx(context, out.baseAddress, out.count, source.baseAddress, source.count, level)
        }
        if ZSTD_isError(written) != 0 {
            throw ZstdError(description: "zstd compress: \(String(cString: ZSTD_getErrorName(written)))")
        }
        return [UInt8](unsafeUninitializedCapacity: prefix.count + written) { out, initialized in
            _ = out.initialize(from: prefix)
            scratch.withUnsafeBufferPointer { frame in
                (out.baseAddress! + prefix.count).initialize(from: frame.baseAddress!, count: written)
            }
            initialized = prefix.count + written
        }
    }
}

/// One frame decompressed a window at a time, for a reader that parses
/// it from the front: the frame's content never sits whole in memory. The
/// logs' snapshot is 27 MB decompressed at 100 M events, each of its pages
/// touched once by a load and then freed; read through a 256 KB window it
/// touches that window alone.
public struct ZstdFrameReader: ~Copyable {
    private let stream: OpaquePointer
    private let frame: UnsafeRawBufferPointer
    private var inputPosition = 0
    @usableFromInline var window: UnsafeMutableRawBufferPointer
    /// The unread bytes are `window[start ..< end]`.
    @usableFromInline var start = 0, end = 0
    /// The frame's content size, and how much of it was handed out.
    public let contentSize: Int
    @usableFromInline var consumed = 0
    private var finished = false
    /// The first libzstd failure; nothing is read after it.
    public private(set) var failure: ZstdError?

    /// - Parameter frame: one zstd frame recording its content size; it
    ///   must stay valid while the reader reads it.
    public init(_ frame: UnsafeRawBufferPointer, windowBytes: Int = 256 << 10) throws(ZstdError) {
        let size = try ZstdCodec.contentSize(of: frame)
        guard let stream = ZSTD_createDStream() else { throw ZstdError(description: "zstd: could not create a decompression stream") }
        contentSize = size
        self.stream = stream
        self.frame = frame
        window = .allocate(byteCount: max(windowBytes, 64), alignment: 16)
    }

    deinit {
        ZSTD_freeDStream(stream)
        window.deallocate()
    }

    /// Bytes of the content not yet handed out.
    @inlinable public var remaining: Int { contentSize - consumed }

    /// The next `count` bytes of the content, moved past (nil: fewer are
    /// left, or the frame is damaged). They stay valid until the next call.
    @inlinable public mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, end - start >= count else { return takeAfterFilling(count) }
        defer {
            start += count
            consumed += count
        }
        return UnsafeRawBufferPointer(rebasing: window[start ..< start + count])
    }

    /// ``take(_:)`` once the window is short of `count` bytes: filled, then taken.
    @usableFromInline mutating func takeAfterFilling(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, count <= remaining, fill(count) else { return nil }
        return take(count)
    }

    /// Makes `count` unread bytes sit in the window, growing it for a
    /// longer run (a long string).
    private mutating func fill(_ count: Int) -> Bool {
        if start > 0 {
            if end > start { window.baseAddress!.copyMemory(from: window.baseAddress! + start, byteCount: end - start) }
            end -= start
            start = 0
        }
        if count > window.count {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
            grown.baseAddress!.copyMemory(from: window.baseAddress!, byteCount: end)
            window.deallocate()
            window = grown
        }
        while end < count, failure == nil, !finished {
            var output = ZSTD_outBuffer(dst: window.baseAddress! + end, size: window.count - end, pos: 0)
            var input = ZSTD_inBuffer(src: frame.baseAddress, size: frame.count, pos: inputPosition)
            let hint = ZSTD_decompressStream(stream, &output, &input)
            inputPosition = input.pos
            end += output.pos
            if ZSTD_isError(hint) != 0 {
                failure = ZstdError(description: "zstd decompress: \(String(cString: ZSTD_getErrorName(hint)))")
            } else if hint == 0 {
                finished = true
            } else if output.pos == 0 && input.pos == input.size {
                failure = ZstdError(description: "zstd decompress: the frame ends early")
            }
        }
        return end >= count
    }
}
