import Testing
@testable import VitalsJSON

/// The direct text encoder must write exactly what the tree writes: the
/// materialized results of `vitals score` and the same tools computed live
/// are compared byte for byte elsewhere.
@Suite struct JSONTextEncoderTests {
    enum Band: String, Encodable { case healthy, atRisk = "at_risk" }

    struct Inner: Encodable {
        var zeta = 1
        var alpha: String? = "a"
        var mRRCents: Int64 = -7
    }

    /// Wraps a value in a single-value container, as RawRepresentable and
    /// hand-written types do.
    struct Wrapped: Encodable {
        var inner = Inner()
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(inner)
        }
    }

    struct Sample: Encodable {
        var zebra = "z \"quoted\" \n é 😀"
        var accountID = "acc_1"
        var account = "first"
        var startMRRCents: Int64 = 5
        var daysSinceLogin: Int? = nil
        var ratio = 0.1 + 0.2
        var notANumber = Double.nan
        var flag = true
        var count32: Int32 = -3
        var unsigned: UInt32 = 4_000_000_000
        var band = Band.atRisk
        var inner = Inner()
        var inners = [Inner(), Inner(zeta: 2, alpha: nil, mRRCents: 0)]
        var optionals: [Int?] = [1, nil, 3]
        var empty: [Inner] = []
        var emptyObject: [String: Int] = [:]
        var byName = ["loginCount": 1, "b": 2, "a": 3, "ünïcode": 4]
        var wrapped = Wrapped()
        var raw: JSONValue = ["y": [1, "two"], "x": .null]
        var nested: [[Double]] = [[1.5], [], [-2]]
        var maybeInner: Inner? = nil
        var uRLValue = "u"
        var aB = 1
        var a_c = 2
    }

    @Test func writesWhatTheTreeWrites() throws {
        let sample = Sample()
        let direct = String(decoding: try JSONTextEncoder.encode(sample), as: UTF8.self)
        #expect(direct == JSONValue.encoding(sample).text())
        #expect(try JSONValue.parse(direct) == JSONValue.encoding(sample))
        for value in [Inner(), Inner(zeta: 0, alpha: "\u{01}", mRRCents: .max)] {
            #expect(String(decoding: try JSONTextEncoder.encode(value), as: UTF8.self) == JSONValue.encoding(value).text())
        }
        #expect(String(decoding: try JSONTextEncoder.encode([sample, sample]), as: UTF8.self) == JSONValue.encoding([sample, sample]).text())
        #expect(String(decoding: try JSONTextEncoder.encode(Band.healthy), as: UTF8.self) == #""healthy""#)
    }

    @Test func addedFieldsJoinTheTopObjectInOrderAndWin() throws {
        let extra: [String: JSONValue] = ["alpha": "replaced", "rank": 3, "a": .null]
        let direct = JSONValue.encodedText(Inner(), adding: extra)
        guard case var .object(tree) = JSONValue.encoding(Inner()) else { Issue.record("not an object"); return }
        for (name, value) in extra { tree[name] = value }
        #expect(direct.text() == JSONValue.object(tree).text())
        #expect(direct.text() == #"{"a":null,"alpha":"replaced","m_rr_cents":-7,"rank":3,"zeta":1}"#)
    }

    @Test func snakeCaseMatchesTheGeneralRule() {
        for key in ["accountID", "startMRRCents", "uRLValue", "aB", "a_c", "HTTPServer", "x1Y", "already_snake", "ID", "a", ""] {
            #expect(String(decoding: try! JSONTextEncoder.encode([key: 0]), as: UTF8.self)
                == JSONValue.object([JSONValueEncoder.convert(key): 0]).text(), "\(key)")
        }
    }
}
