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
