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

    /// Writes `flagged` only when it is set, and `zeta` twice (the last wins):
    /// the key sequence differs between objects of one type.
    struct Skipping: Encodable {
        var flagged: Bool
        var zeta: Int
        enum CodingKeys: String, CodingKey { case zeta, flagged, alphaBeta }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(zeta, forKey: .zeta)
            if flagged { try container.encode(true, forKey: .flagged) }
            try container.encode("b", forKey: .alphaBeta)
            try container.encode(zeta + 1, forKey: .zeta)
        }
    }

    /// The later objects of a type reuse what the first taught (its keys'
    /// text and order) only when their keys come in the same sequence.
    @Test func laterObjectsOfATypeWriteWhatTheTreeWrites() throws {
        func same(_ value: some Encodable) throws {
            #expect(String(decoding: try JSONTextEncoder.encode(value), as: UTF8.self) == JSONValue.encoding(value).text())
        }
        for flagged in [true, false, true, false] {
            try same(Skipping(flagged: flagged, zeta: 4))
            try same([Skipping(flagged: !flagged, zeta: 1), Skipping(flagged: flagged, zeta: 2)])
        }
        #expect(String(decoding: try JSONTextEncoder.encode(Skipping(flagged: false, zeta: 4)), as: UTF8.self)
            == #"{"alpha_beta":"b","zeta":5}"#)
        #expect(KeyPlan.plan(for: ObjectIdentifier(Skipping.CodingKeys.self))?.count == 4, "the first object taught its keys")
        // Dictionaries share one key type, with other keys in other orders.
        for keys in [["b", "aC"], ["aC", "b"], ["zz"], ["b", "aC", "c"], []] {
            try same(Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) }))
        }
        // Extra top-level fields never teach or follow a plan.
        for _ in 0 ..< 3 {
            #expect(JSONValue.encodedText(Inner(), adding: ["b": 1]).text() == #"{"alpha":"a","b":1,"m_rr_cents":-7,"zeta":1}"#)
            try same(Inner())
        }
    }

    struct Racing: Encodable {
        var zulu = 1
        var yankee = "y"
        var xRay: [Double] = [0.5]
    }

    /// Many threads encoding one type at once (one of them teaching the plan)
    /// all write the tree's text.
    @Test func encodersOnManyThreadsAgree() async throws {
        let expected = JSONValue.encoding(Racing()).text()
        let texts = await withTaskGroup(of: String.self) { group in
            for _ in 0 ..< 64 {
                group.addTask { String(decoding: try! JSONTextEncoder.encode([Racing(), Racing()]), as: UTF8.self) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(texts.allSatisfy { $0 == "[" + expected + "," + expected + "]" })
    }

    /// A list's items, encoded through one shared buffer, are each the text
    /// the item alone encodes to.
    @Test func listItemsEachWriteTheirOwnText() {
        let items = [Sample(), Sample(zebra: "", accountID: "acc_2", ratio: 2), Sample(daysSinceLogin: 3, inners: [])]
        guard case let .array(encoded) = JSONValue.encodedItems(items) else { Issue.record("not an array"); return }
        #expect(encoded.map { $0.text() } == items.map { JSONValue.encoding($0).text() })
        #expect(JSONValue.encodedItems([Inner]()).text() == "[]")
    }
}

/// An object encoded once and written again with a list's own fields is the
/// text the encoder writes for the value and those fields together.
@Suite struct EncodedObjectTests {
    struct Row: Encodable {
        var accountID = "acc_1"
        var name = "Commas, {braces} [brackets] and \"quotes\" \\ é 😀"
        var health = 41.5
        var healthChange: Double? = nil
        var signals = ["usage_drop", "a,b"]
        var nested = ["z": 1, "a": 2]
        var a = 1
        var ab = "x"
    }

    /// `Row` writing itself, nested values and strings with commas and braces included.
    struct WritableRow: JSONTextWritable {
        var row: Row
        func write(to json: inout JSONTextWriter) {
            json.object { json in
                json.field("a", row.a)
                json.field("ab", row.ab)
                json.field("account_id", row.accountID)
                json.field("health", row.health)
                json.field("health_change", row.healthChange)
                json.field("name", row.name)
                json.field("nested", JSONValue.encoding(row.nested))
                json.field("signals", row.signals)
            }
        }
        func encode(to encoder: any Encoder) throws { try row.encode(to: encoder) }
    }

    @Test func addingFieldsWritesWhatTheEncoderWrites() {
        let extras: [[String: JSONValue]] = [
            [:],
            ["days_to_renewal": .int(12)],
            ["health_then": .double(50.2), "band_then": .string("watch"), "components_moved": .array([["component": "activity", "points": -3.5]])],
            ["health": .double(99), "a": .null],  // keys the object has: the added value wins
            ["aa": true, "": "empty", "zz": .object(["k": "v"]), "abc": 1, "accountIDx": 2],  // between, before and after
            ["a\"b": "quote in a key", "é": "non-ASCII key"],
        ]
        for row in [Row(), Row(healthChange: -2.25, signals: [], nested: [:])] {
            let once = EncodedObject(row)
            // A writable value's fields are recorded as they are written, not scanned for.
            let written = EncodedObject(WritableRow(row: row))
            #expect(written.text.bytes == once.text.bytes)
            for extra in extras {
                #expect(once.adding(extra).encodedOnce.string == JSONValue.encodedText(row, adding: extra).encodedOnce.string, "\(extra)")
                #expect(written.adding(extra).encodedOnce.string == once.adding(extra).encodedOnce.string, "\(extra)")
            }
        }
        struct Empty: Encodable {}
        #expect(EncodedObject(Empty()).adding(["b": 1, "a": 2]).encodedOnce.string == #"{"a":2,"b":1}"#)
    }

    /// Fields a closure writes in key order (a materialized list's own
    /// fields, row after row) give the text the same fields give as values:
    /// before, between and after the object's, and over a key it has.
    @Test func addingWrittenFieldsWritesWhatAddingValuesWrites() {
        for row in [Row(), Row(healthChange: -2.25, signals: [], nested: [:])] {
            let once = EncodedObject(row)
            let written = once.adding { json in
                json.field("a", nil as Int?)
                json.field("band_then", "watch")
                json.key("components_moved")
                json.array([("activity", -3.5), ("trend", 0.25)]) { json, moved in
                    json.object { json in
                        json.field("component", moved.0)
                        json.field("points", moved.1)
                    }
                }
                json.field("health", 99.0)
                json.field("health_then", 50.2)
                json.field("zz", "after \"all\", {}")
            }
            let values: [String: JSONValue] = [
                "a": .null, "band_then": "watch",
                "components_moved": .array([["component": "activity", "points": -3.5], ["component": "trend", "points": 0.25]]),
                "health": .double(99), "health_then": .double(50.2), "zz": "after \"all\", {}",
            ]
            #expect(written.encodedOnce.string == once.adding(values).encodedOnce.string)
            #expect(written.encodedOnce.string.contains(#""health":99.0,"health_change""#))
        }
    }
}
