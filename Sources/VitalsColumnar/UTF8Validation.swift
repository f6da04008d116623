/// Whether `bytes` are well-formed UTF-8 (no overlongs, no surrogates).
///
/// Runs of ASCII are skipped eight bytes at a time: most fields that reach
/// here have one accented letter among plain text.
public func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var i = 0
    let n = bytes.count
    guard let base = bytes.baseAddress else { return true }
    while i < n {
        if i + 8 <= n && base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            i += 8
            continue
        }
        let b0 = bytes[i]
        if b0 < 0x80 { i += 1; continue }
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch b0 {
        case 0xC2 ... 0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1 ... 0xEC, 0xEE ... 0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1 ... 0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return false
        }
        guard i + length <= n else { return false }
        let b1 = bytes[i + 1]
        guard b1 >= lower && b1 <= upper else { return false }
        for k in 2 ..< length where bytes[i + k] & 0xC0 != 0x80 { return false }
        i += length
    }
    return true
}
