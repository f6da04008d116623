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

    @Test func validatesUTF8Sequences() {
        func valid(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { isValidUTF8($0) } }
        #expect(valid(Array("héllo wörld ✓ 🎉".utf8)))
        #expect(!valid([0xC0, 0x80]))        // overlong
        #expect(!valid([0xED, 0xA0, 0x80]))  // surrogate
        #expect(!valid([0xF0, 0x9F, 0x8E]))  // truncated
        #expect(!valid([0xFF]))
    }
}
