import Testing
@testable import VitalsColumnar

/// Parts of a file (``CSVReader/parts(count:)``) read one by one must give
/// the file's rows, and a cut inside a quoted field must end in an error.
@Suite struct CSVPartTests {
    /// Rows with quoted fields, escapes, CRLF and blank lines: 300 lines.
    static let text: String = {
        var lines = ["id,name,note"]
        for i in 0 ..< 300 {
            switch i % 5 {
            case 0: lines.append("\(i),\"Smith, \(i)\",plain")
            case 1: lines.append("\(i),\"say \"\"\(i)\"\"\",x\r")
            case 2: lines.append("")
            default: lines.append("\(i),n\(i),\(String(repeating: "z", count: i % 17))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    static func rows(_ reader: CSVReader) throws -> [[String]] {
        var rows: [[String]] = []
        while try reader.next() { rows.append((0 ..< reader.header.count).map { reader.string($0) }) }
        return rows
    }

    @Test(arguments: [1, 2, 3, 7, 40, 1000])
    func partsReadAsTheWholeFile(count: Int) throws {
        let path = writeTemporaryFile(Self.text)
        let whole = try CSVReader(path: path)
        let headerLines = whole.linesRead
        let parts = whole.parts(count: count)
        #expect(parts.count <= count)
        #expect(parts.first?.range.lowerBound == "id,name,note\n".utf8.count)
        #expect(parts.last?.range.upperBound == Self.text.utf8.count)
        for (a, b) in zip(parts.dropLast(), parts.dropFirst()) {
            #expect(a.range.upperBound == b.range.lowerBound)
            #expect(Array(Self.text.utf8)[b.range.lowerBound - 1] == UInt8(ascii: "\n"))
        }
        var rows: [[String]] = [], lines = headerLines
        for part in parts {
            let reader = try CSVReader(part: part)
            rows += try Self.rows(reader)
            lines += reader.linesRead
        }
        #expect(rows == (try Self.rows(whole)))
        #expect(lines == 301)
        if count == 7 { #expect(parts.count == 7) }
    }

    @Test func aCutInsideAQuotedFieldFails() throws {
        // One field holding many line breaks: a cut falls inside it.
        let note = (0 ..< 200).map { "line \($0)" }.joined(separator: "\n")
        let path = writeTemporaryFile("id,note\n1,\"\(note)\"\n2,plain\n")
        let parts = try CSVReader(path: path).parts(count: 2)
        #expect(parts.count == 2)
        #expect(throws: CSVError.self) { _ = try Self.rows(CSVReader(part: parts[0])) }
    }
}
