import DataGenKit
import Foundation
import Testing
@testable import VitalsColumnar

/// The reader (vector scan, chunked refills) against the plain
/// reference reading in `CSVReference.swift`: same header, rows, lines, and
/// the same first error on the same line, whatever the chunk size.
@Suite struct CSVReaderDifferentialTests {
    @Test(arguments: 0 ..< 8)
    func randomFilesReadAsTheReferenceDoes(seed: Int) throws {
        var random = SplitMix64(state: UInt64(seed) &* 0x1234_5678_9ABC_DEF1)
        let directory = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("case.csv").path
        for iteration in 0 ..< 400 {
            let bytes = randomCSV(&random)
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let expected = CSVOutcome.reference(bytes)
            for chunkSize in [1 + random.below(12), 8 + random.below(60), 1 << 20] {
                let actual = CSVOutcome.read(path, chunkSize: chunkSize)
                #expect(actual == expected, "seed \(seed) case \(iteration) chunk \(chunkSize), bytes \(bytes)\nreader:    \(actual)\nreference: \(expected)")
                if actual != expected { return }
            }
        }
    }

    /// Long rows of plain text, which the block scanner takes on x86-64,
    /// with the odd row it hands on: the same rows, lines and first error.
    @Test(arguments: 0 ..< 4)
    func longFilesReadAsTheReferenceDoes(seed: Int) throws {
        var random = SplitMix64(state: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        let directory = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("long.csv").path
        for iteration in 0 ..< 40 {
            let bytes = randomLongCSV(&random)
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let expected = CSVOutcome.reference(bytes)
            for chunkSize in [64 + random.below(400), 1 << 20] {
                let actual = CSVOutcome.read(path, chunkSize: chunkSize)
                #expect(actual == expected, "seed \(seed) case \(iteration) chunk \(chunkSize)")
                if actual != expected { return }
            }
        }
    }

    /// Every chunk size from one byte up, over one file with every awkward
    /// part: each boundary falls inside a field, a quote, a `""`, a CRLF and
    /// a multi-byte character somewhere.
    @Test func everyChunkSizeReadsTheSame() throws {
        let text = "id,name,note\r\n1,\"a,b\"\"c\",\"x\ny\"\r\n\r\n2,caf\u{e9} \u{2713}\u{1F389},\"\"\r\n3,\"\"\"\",\"\r\n\"\r\n\n4,,last"
        let path = writeTemporaryFile(text)
        let expected = CSVOutcome.reference(Array(text.utf8))
        #expect(expected.failure == nil)
        #expect(expected.rows.map { $0.map { String(decoding: $0, as: UTF8.self) } } == [
            ["1", "a,b\"c", "x\ny"], ["2", "caf\u{e9} \u{2713}\u{1F389}", ""], ["3", "\"", "\r\n"], ["4", "", "last"],
        ])
        #expect(expected.lines == [2, 5, 6, 9])
        for chunkSize in 1 ... text.utf8.count + 1 {
            #expect(CSVOutcome.read(path, chunkSize: chunkSize) == expected, "chunk \(chunkSize)")
        }
    }

    @Test func invalidUTF8AtEveryChunkBoundaryNamesItsLine() {
        // A three-byte character cut after two bytes, in a row whose quoted
        // field spans two lines: the error names the row's first line.
        let bytes = Array("a,b,c\n1,caf\u{e9},\u{2713}\n2,\"x\ny\",".utf8) + [0xE2, 0x98] + Array("\n".utf8)
        let path = writeTemporaryFile(bytes)
        for chunkSize in 1 ... bytes.count + 1 {
            let outcome = CSVOutcome.read(path, chunkSize: chunkSize)
            #expect(outcome.failure == .utf8, "chunk \(chunkSize)")
            #expect(outcome.failureLine == 3, "chunk \(chunkSize)")
            #expect(outcome.rows.count == 1)
        }
    }

    @Test func nulAtEveryChunkBoundaryNamesItsLine() {
        let bytes = Array("a,b\n1,\"two\nlines\"\n2,x".utf8) + [0] + Array("y\n".utf8)
        let path = writeTemporaryFile(bytes)
        for chunkSize in 1 ... bytes.count + 1 {
            let outcome = CSVOutcome.read(path, chunkSize: chunkSize)
            #expect(outcome.failure == .nul, "chunk \(chunkSize)")
            #expect(outcome.failureLine == 4, "chunk \(chunkSize)")
            #expect(outcome.lines == [2])
        }
    }
}
