import DataGenKit
import Foundation
@testable import VitalsColumnar

/// What a CSV file reads as, by the rules ``CSVReader`` documents, written the
/// plainest way: the whole file in memory, one byte at a time, no chunks.
/// The differential tests hold the reader (its vector scanner, its
/// chunk refills) to this.
struct CSVOutcome: Equatable, CustomStringConvertible {
    enum Failure: Equatable {
        case empty, unclosedQuote, strayQuote, afterClosingQuote, nul, utf8, fieldCount, duplicateColumn, other(String)
    }

    var header: [[UInt8]] = []
    var rows: [[[UInt8]]] = []
    var lines: [Int] = []
    var failure: Failure?
    var failureLine = 0

    var description: String {
        func show(_ field: [UInt8]) -> String { String(decoding: field, as: UTF8.self).debugDescription }
        let rowText = zip(lines, rows).map { "\($0): \($1.map(show).joined(separator: " "))" }.joined(separator: "\n  ")
        let failureText = failure.map { " failure: \($0) at line \(failureLine)" } ?? ""
        return "header: \(header.map(show))\n  \(rowText)\(failureText)"
    }

    /// The failure a reader's message describes.
    static func failure(from error: CSVError) -> Failure {
        let message = error.message
        if message.contains("empty file") { return .empty }
        if message.contains("never closed") { return .unclosedQuote }
        if message.contains("a quote inside an unquoted field") { return .strayQuote }
        if message.contains("after a closing quote") { return .afterClosingQuote }
        if message.contains("NUL byte") { return .nul }
        if message.contains("not valid UTF-8") { return .utf8 }
        if message.contains("expected") && message.contains("fields, found") { return .fieldCount }
        if message.contains("appears twice") { return .duplicateColumn }
        return .other(message)
    }

    /// Everything `CSVReader` gives for `path`: header, rows and lines up to
    /// the first error, and that error.
    static func read(_ path: String, chunkSize: Int) -> CSVOutcome {
        var outcome = CSVOutcome()
        do {
            let reader = try CSVReader(path: path, chunkSize: chunkSize)
            outcome.header = reader.header.map { Array($0.utf8) }
            while try reader.next() {
                outcome.rows.append((0 ..< reader.header.count).map { Array(reader.field($0)) })
                outcome.lines.append(reader.line)
            }
        } catch {
            outcome.failure = failure(from: error)
            outcome.failureLine = error.line
        }
        return outcome
    }

    /// The reference reading of `bytes`.
    static func reference(_ bytes: [UInt8]) -> CSVOutcome {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var outcome = CSVOutcome()
        var header: [[UInt8]]?
        let n = bytes.count
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        func fail(_ failure: Failure, _ line: Int) -> CSVOutcome {
            outcome.failure = failure
            outcome.failureLine = line
            return outcome
        }
        while i < n {
            if bytes[i] == lf { line += 1; i += 1; continue }
            if bytes[i] == cr && i + 1 < n && bytes[i + 1] == lf { line += 1; i += 2; continue }
            let rowLine = line
            var physical = line
            var fields: [[UInt8]] = []
            row: while true {
                var field: [UInt8] = []
                if i < n && bytes[i] == quote {
                    i += 1
                    while true {
                        guard i < n else { return fail(.unclosedQuote, rowLine) }
                        let b = bytes[i]
                        if b == quote {
                            if i + 1 < n && bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                            i += 1
                            break
                        }
                        if b == lf { physical += 1 }
                        if b == 0 { return fail(.nul, physical) }
                        field.append(b)
                        i += 1
                    }
                    fields.append(field)
                    if i >= n { break row }
                    let b = bytes[i]
                    if b == comma { i += 1; continue row }
                    if b == lf { i += 1; break row }
                    if b == cr && (i + 1 >= n || bytes[i + 1] == lf) { i = min(i + 2, n); break row }
                    return fail(b == 0 ? .nul : .afterClosingQuote, physical)
                }
                while i < n && bytes[i] != comma && bytes[i] != lf {
                    if bytes[i] == quote { return fail(.strayQuote, physical) }
                    if bytes[i] == 0 { return fail(.nul, physical) }
                    field.append(bytes[i])
                    i += 1
                }
                let atLineEnd = i >= n || bytes[i] == lf
                if atLineEnd && field.last == cr { field.removeLast() }
                fields.append(field)
                i += 1
                if atLineEnd { i = min(i, n); break row }
            }
            line = physical + 1
            for field in fields where String(validating: field, as: UTF8.self) == nil {
                return fail(.utf8, rowLine)
            }
            if let header {
                guard fields.count == header.count else { return fail(.fieldCount, rowLine) }
                outcome.rows.append(fields)
                outcome.lines.append(rowLine)
            } else {
                header = fields
                outcome.header = fields
                if Set(fields).count != fields.count { return fail(.duplicateColumn, 1) }
            }
        }
        if header == nil { return fail(.empty, 1) }
        return outcome
    }
}

/// data-gen's SplitMix64, deterministic so a failing case can be rerun.
extension SplitMix64 {
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}

/// A random small CSV, mostly well-formed, with the awkward parts CSV has:
/// quoting, `""`, embedded newlines, CRLF, blank lines, multi-byte UTF-8,
/// a missing final newline, a byte-order mark — and, some of the time, one
/// byte that breaks it (NUL, a stray quote or CR, invalid UTF-8).
func randomCSV(_ random: inout SplitMix64) -> [UInt8] {
    var out: [UInt8] = random.chance(15) ? [0xEF, 0xBB, 0xBF] : []
    let columns = 1 + random.below(4)
    let crlf = random.chance(40)
    func newline(_ random: inout SplitMix64) -> [UInt8] {
        (crlf ? random.chance(90) : random.chance(10)) ? [13, 10] : [10]
    }
    let plain: [String] = ["a", "b", "xyz", "2026-11-30T10:00:00Z", "acc_12", " ", "-", "0", "é", "✓", "🎉", "\r"]
    let quoted: [String] = ["a", ",", "\n", "\r\n", "\"\"", "é", "✓ ok", "🎉", " ", "x,y", "\r"]
    func field(_ random: inout SplitMix64) -> [UInt8] {
        switch random.below(10) {
        case 0: return []
        case 1 ... 5: return Array((0 ..< 1 + random.below(4)).map { _ in random.pick(plain) }.joined().utf8)
        default: return [34] + Array((0 ..< random.below(5)).map { _ in random.pick(quoted) }.joined().utf8) + [34]
        }
    }
    out += Array((0 ..< columns).map { "c\($0)" }.joined(separator: ",").utf8) + newline(&random)
    let rows = random.below(9)
    for row in 0 ..< rows {
        if random.chance(10) { out += newline(&random) }
        let count = random.chance(93) ? columns : max(1, columns + random.pick([-1, 1]))
        for column in 0 ..< count {
            if column > 0 { out.append(44) }
            out += field(&random)
        }
        if row < rows - 1 || random.chance(60) { out += newline(&random) }
    }
    if random.chance(35) && !out.isEmpty {
        let breakers: [[UInt8]] = [[0], [34], [13], [10], [44], [0xFF], [0xC3], [0x80], [0xE2, 0x98], [0xED, 0xA0, 0x80]]
        let at = random.below(out.count + 1)
        let bytes = random.pick(breakers)
        if random.chance(50) && at < out.count {
            out.replaceSubrange(at ..< min(at + bytes.count, out.count), with: bytes)
        } else {
            out.insert(contentsOf: bytes, at: at)
        }
    }
    return out
}

/// A longer file of mostly plain ASCII rows, up to 80 fields and hundreds
/// of bytes each (rows that span the block scanner's 64-byte blocks and
/// outgrow its field capacity), with a quoted field, UTF-8 text, a blank
/// line or a broken byte here and there.
func randomLongCSV(_ random: inout SplitMix64) -> [UInt8] {
    let columns = 1 + random.below(80)
    let crlf = random.chance(20)
    let newline: [UInt8] = crlf ? [13, 10] : [10]
    let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789-_:T ".utf8)
    func plain(_ random: inout SplitMix64) -> [UInt8] {
        let length = random.chance(10) ? 60 + random.below(140) : random.below(24)
        return (0 ..< length).map { _ in random.pick(letters) }
    }
    let odd: [[UInt8]] = [Array("\"q,u\"\"o\nte\"".utf8), Array("caf\u{e9}".utf8), Array("\u{1F389}".utf8), [34, 34], [0], [34], [0xFF]]
    var out = Array((0 ..< columns).map { "c\($0)" }.joined(separator: ",").utf8) + newline
    for row in 0 ..< 20 + random.below(280) {
        if random.chance(2) { out += newline }
        let count = random.chance(99) ? columns : columns + 1
        for column in 0 ..< count {
            if column > 0 { out.append(44) }
            out += random.chance(1) ? random.pick(odd) : plain(&random)
        }
        if row > 0 || random.chance(90) { out += newline }
    }
    if random.chance(30) { out.removeLast(crlf ? 2 : 1) }
    return out
}
