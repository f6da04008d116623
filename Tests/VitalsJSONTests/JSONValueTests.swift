import Testing
@testable import VitalsJSON

@Suite struct JSONValueTests {
    @Test func textReadsBackEqual() throws {
        let value = JSONValue.object([
            "quote \"and\" \\ slash": .string("line\nbreak\ttab \u{01} é 😀"),
            "numbers": .array([.int(-42), .double(0.1 + 0.2), .double(-0.6057142857142856), .double(1e-7), .double(123456.789)]),
            "flags": .array([.bool(true), .bool(false), .null]),
            "empty": .object([:]),
        ])
        for pretty in [false, true] {
            #expect(try JSONValue.parse(value.text(pretty: pretty)) == value)
        }
        #expect(JSONValue.object(["b": .int(1), "a": .string("x")]).text() == #"{"a":"x","b":1}"#)
        #expect(try JSONValue.parse(#"{"s":"\u00e9\ud83d\ude00"}"#) == .object(["s": .string("é😀")]))
    }

    @Test func badJSONIsRefusedWithWhere() {
        #expect(throws: JSONValueParser.Failure.self) { try JSONValue.parse(#"{"a": 1,}"#) }
        #expect(throws: JSONValueParser.Failure.self) { try JSONValue.parse(#"{"a": "open}"#) }
        #expect(throws: JSONValueParser.Failure.self) { try JSONValue.parse("[1] 2") }
    }

    @Test func encoderWritesSnakeCaseAndExplicitNulls() {
        struct Sample: Encodable {
            var accountID = "acc_1"
            var startMRRCents: Int64 = 5
            var daysSinceLogin: Int? = nil
        }
        #expect(JSONValue.encoding(Sample()) == .object(["account_id": .string("acc_1"), "start_mrr_cents": .int(5), "days_since_login": .null]))
    }

    @Test func encodedTextIsSplicedAsIsAndEqualsItsTree() throws {
        let tree: JSONValue = ["b": [1, 2.5, "x\"y"], "a": ["n": .null, "t": true]]
        let text = tree.encodedOnce
        let once = JSONValue.encoded(text)
        #expect(text.string == tree.text())
        #expect(once == tree && tree == once)
        #expect(once["b"] == [1, 2.5, "x\"y"])
        let envelope: JSONValue = ["result": once, "id": 1]
        #expect(envelope.text() == #"{"id":1,"result":{"a":{"n":null,"t":true},"b":[1,2.5,"x\"y"]}}"#)
        #expect(try JSONValue.parse(envelope.text(pretty: true)) == ["id": 1, "result": tree])
    }
}

