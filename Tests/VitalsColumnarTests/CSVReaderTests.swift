import Testing
@testable import VitalsColumnar

/// Reads every data row of `path` as strings.
private func readAll(_ path: String, chunkSize: Int = 1 << 20) throws -> (header: [String], rows: [[String]], lines: [Int]) {
    let reader = try CSVReader(path: path, chunkSize: chunkSize)
    var rows: [[String]] = []
    var lines: [Int] = []
    while try reader.next() {
        rows.append((0 ..< reader.header.count).map { reader.string($0) })
        lines.append(reader.line)
    }
    return (reader.header, rows, lines)
}

private func csvError(_ text: String, chunkSize: Int = 1 << 20) -> CSVError? {
    do {
        _ = try readAll(writeTemporaryFile(text), chunkSize: chunkSize)
        return nil
    } catch let error as CSVError {
        return error
    } catch {
        return nil
    }
}

@Suite struct CSVReaderTests {
    @Test func readsQuotedFieldsEscapesAndEmbeddedNewlines() throws {
        let text = "id,name,note\r\n1,\"Smith, Jones & Co\",plain\r\n2,\"say \"\"hi\"\"\",\"two\nlines\"\r\n3,,last"
        let (header, rows, lines) = try readAll(writeTemporaryFile(text))
        #expect(header == ["id", "name", "note"])
        #expect(rows == [["1", "Smith, Jones & Co", "plain"], ["2", "say \"hi\"", "two\nlines"], ["3", "", "last"]])
        #expect(lines == [2, 3, 5])
    }

    @Test func rowsSpanningChunkBoundariesReadTheSameAsOneChunk() throws {
        var text = "ts,account_id,user_id,feature,count\n"
        for i in 0 ..< 500 {
            text += "2026-11-\(10 + i % 10)T10:00:0\(i % 10)Z,acc_\(i),\"usr, \(i)\",feature_\(i % 7),\(i + 1)\n"
        }
        let path = writeTemporaryFile(text)
        let big = try readAll(path)
        for chunk in [64, 65, 97, 128] {
            let small = try readAll(path, chunkSize: chunk)
            #expect(small.rows == big.rows)
            #expect(small.lines == big.lines)
        }
        #expect(big.rows.count == 500)
        #expect(big.rows[499] == ["2026-11-19T10:00:09Z", "acc_499", "usr, 499", "feature_2", "500"])
    }

    @Test func skipsBlankLinesButCountsThem() throws {
        let (_, rows, lines) = try readAll(writeTemporaryFile("a,b\n1,2\n\n3,4\n\n"))
        #expect(rows == [["1", "2"], ["3", "4"]])
        #expect(lines == [2, 4])
    }

    @Test func truncatedRowNamesItsLine() {
        let error = csvError("a,b,c\n1,2,3\n4,5\n")
        #expect(error?.line == 3)
        #expect(error?.message.contains("expected 3 fields") == true)
    }

    @Test func quoteLeftOpenNamesTheLineWhereItOpened() {
        let error = csvError("a,b\n1,2\n3,\"never closed\n4,5\n", chunkSize: 64)
        #expect(error?.line == 3)
        #expect(error?.message.contains("never closed") == true)
    }

    @Test func strayQuoteInUnquotedFieldIsAnError() {
        let error = csvError("a,b\n1,x\"y\n")
        #expect(error?.line == 2)
    }

    @Test func emptyFileHasNoHeader() {
        let error = csvError("")
        #expect(error?.line == 1)
        #expect(error?.message.contains("empty file") == true)
    }

    @Test func nonUTF8BytesAreRejectedWithTheirLine() throws {
        var bytes = Array("a,b\n1,caf\u{e9}\n2,".utf8)
        bytes += [0xC3, 0x28]  // an invalid two-byte sequence
        bytes += Array("\n".utf8)
        do {
            _ = try readAll(writeTemporaryFile(bytes))
            Issue.record("expected an error")
        } catch let error as CSVError {
            #expect(error.line == 3)
            #expect(error.message.contains("UTF-8"))
        }
    }

    @Test func duplicateHeaderColumnIsAnError() {
        #expect(csvError("a,b,a\n1,2,3\n")?.message.contains("appears twice") == true)
    }

    @Test func requiredColumnErrorListsTheHeader() throws {
        let reader = try CSVReader(path: writeTemporaryFile("ts,account_id\n"))
        #expect(throws: CSVError.self) { try reader.requiredColumn("user_id") }
        #expect(try reader.requiredColumn("account_id") == 1)
    }

    @Test func byteOrderMarkBeforeTheHeaderIsSkipped() throws {
        let (header, rows, lines) = try readAll(writeTemporaryFile([0xEF, 0xBB, 0xBF] + Array("ts,account_id\r\n1,2\r\n".utf8)))
        #expect(header == ["ts", "account_id"])
        #expect(rows == [["1", "2"]])
        #expect(lines == [2])
        // Only at the start of the file: elsewhere U+FEFF is text.
        let later = try readAll(writeTemporaryFile("a,b\n\u{FEFF}1,2\n"))
        #expect(later.rows == [["\u{FEFF}1", "2"]])
        // A mark and nothing else is still an empty file.
        #expect(csvError("\u{FEFF}")?.message.contains("empty file") == true)
        // Quoted first column after the mark.
        #expect(try readAll(writeTemporaryFile("\u{FEFF}\"ts\",b\n1,2\n")).header == ["ts", "b"])
    }

    @Test(arguments: [
        ("a,b\n1,x\u{0}y\n", 2, "field 2 (\"b\")"),
        ("a,b\n1,2\n\u{0},3\n", 3, "field 1 (\"a\")"),
        ("a,b\n1,\"two\nlines \u{0}\"\n", 3, "field 2 (\"b\")"),
        ("a,b\n1,\"q\"\u{0}\n", 2, "field 2 (\"b\")"),
        ("a,\u{0}b\n1,2\n", 1, "field 2 contains"),
        ("a,b\n1,2\n3,4\u{0}", 3, "field 2 (\"b\")"),
    ])
    func nulByteIsRefusedWithItsLineAndColumn(text: String, line: Int, names: String) {
        for chunkSize in [1, 5, 64, 1 << 20] {
            let error = csvError(text, chunkSize: chunkSize)
            #expect(error?.line == line, "chunk \(chunkSize)")
            #expect(error?.message.contains("NUL byte") == true)
            #expect(error?.message.contains(names) == true, "\(error?.message ?? "no error")")
        }
    }

    @Test func quotedNewlinesCountTowardLaterLines() throws {
        let text = "a,b\n\"x\ny\nz\",1\n2,\"\r\n\"\r\nlast,3"
        for chunkSize in [1, 3, 7, 64, 1 << 20] {
            let (_, rows, lines) = try readAll(writeTemporaryFile(text), chunkSize: chunkSize)
            #expect(rows == [["x\ny\nz", "1"], ["2", "\r\n"], ["last", "3"]])
            #expect(lines == [2, 5, 7])
        }
        let error = csvError("a,b\n\"x\ny\",1\n2,3,4\n")
        #expect(error?.line == 4)
    }

    @Test func validatesUTF8Sequences() {
        func valid(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { isValidUTF8($0) } }
        #expect(valid(Array("héllo wörld ✓ 🎉".utf8)))
        #expect(!valid([0xC0, 0x80]))        // overlong
        #expect(!valid([0xED, 0xA0, 0x80]))  // surrogate
        #expect(!valid([0xF0, 0x9F, 0x8E]))  // truncated
        #expect(!valid([0xFF]))
    }
}
