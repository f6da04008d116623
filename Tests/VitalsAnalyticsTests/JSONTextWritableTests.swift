import Foundation
import Testing
import VitalsAnalytics
import VitalsJSON
import VitalsStore
@testable import VitalsTools

/// The hand-written JSON of the scoring path's types (``JSONTextWritable``)
/// is byte for byte their `Encodable` text: what the tree encoder writes,
/// on every account, user and list row of a generated world, and on copies
/// with each optional flipped and strings that need escaping.
@Suite struct JSONTextWritableTests {
    /// The two texts of a value: written by hand, and through the tree
    /// encoder (`Encodable`, which knows nothing of the hand-written path).
    private func texts<Value: JSONTextWritable>(_ value: Value) -> (handWritten: String, encodable: String) {
        (String(decoding: JSONTextWriter.text(of: value), as: UTF8.self), JSONValue.encoding(value).text())
    }

    private func expectSame<Value: JSONTextWritable>(_ values: [Value], sourceLocation: SourceLocation = #_sourceLocation) {
        var differing = 0
        for value in values {
            let (handWritten, encodable) = texts(value)
            if handWritten != encodable {
                differing += 1
                if differing <= 3 { Issue.record("\(Value.self):\n  hand-written \(handWritten)\n  encodable    \(encodable)", sourceLocation: sourceLocation) }
            }
        }
        #expect(differing == 0, "\(differing) of \(values.count) \(Value.self) texts differ", sourceLocation: sourceLocation)
    }

    private static let awkward = "a \"quote\", a back\\slash, a\nnewline, a \u{01} control, é and 😀"

    @Test func everyRowOfAGeneratedWorldIsWrittenAsItsEncodableText() throws {
        let context = try ToolContext(store: try Store.open(at: GeneratedStore.path, readOnly: true), useMaterialized: false)
        let day = context.defaultAsOf
        var risks: [AccountRisk] = [], summaries: [AccountSummary] = [], users: [InactiveUser] = [], atRisk: [AtRiskAccount] = []
        var userReferences: [StoredReferences.InactiveUserReference] = []
        for agency in context.dataset.agencies.indices {
            let rows = context.summaries(agency: agency, asOf: day)
            let encoded = context.encodedSummaries(agency: agency, asOf: day)
            for (i, (summary, risk)) in rows.enumerated() {
                summaries.append(summary)
                risks.append(risk)
                let comparison = AtRiskAccount.Comparison(status: "still_there", bandThen: i % 2 == 0 ? risk.band : nil,
                                                          churnRiskThen: i % 3 == 0 ? nil : risk.churnRisk / 3)
                atRisk.append(AtRiskAccount(account: .encoded(encoded[i].text), signals: risk.signals, drivers: risk.drivers,
                                            comparison: i % 4 == 0 ? nil : comparison))
            }
            users += context.analytics(day).inactiveUsers(agency: agency, days: 30)
            userReferences += context.analytics(day).inactiveUserRows(agency: agency, days: 30).map { StoredReferences.InactiveUserReference($0, asOf: day) }
        }
        // The world has what the variants below flip: signals, drivers, users never seen and seen.
        #expect(risks.contains { !$0.signals.isEmpty } && risks.contains { !$0.drivers.isEmpty })
        #expect(users.contains { $0.lastLogin == nil } && users.contains { $0.lastLogin != nil })

        // Each optional the other way, and strings to escape.
        let flippedRisks = risks.prefix(20).map { risk -> AccountRisk in
            var risk = risk
            risk.churnedSince = risk.churnedSince == nil ? "2026-10-01" : nil
            risk.daysSinceLogin = risk.daysSinceLogin == nil ? 12 : nil
            risk.signals = risk.signals.map { hit in
                var hit = hit
                hit.value = hit.value == nil ? -0.25 : nil
                hit.weight = hit.weight == nil ? 1.5 : nil
                hit.evidence = Self.awkward
                return hit
            }
            risk.drivers = risk.drivers.map { driver in
                ChurnDriver(name: driver.name, contribution: -driver.contribution, evidence: driver.evidence == nil ? Self.awkward : nil)
            } + [ChurnDriver(name: "x", contribution: 1e-7, evidence: nil)]
            risk.health = 1e16
            return risk
        }
        let flippedSummaries = summaries.prefix(20).map { summary -> AccountSummary in
            var summary = summary
            summary.name = Self.awkward
            summary.renewalDate = summary.renewalDate == nil ? "2027-01-31" : nil
            summary.churnedSince = summary.churnedSince == nil ? "2026-10-01" : nil
            summary.healthChange = summary.healthChange == nil ? -3.5 : nil
            summary.topSignal = summary.topSignal == nil ? "no_login_14d" : nil
            summary.signals = summary.signals.isEmpty ? ["a", Self.awkward] : []
            return summary
        }
        let flippedUsers = users.prefix(20).map { user -> InactiveUser in
            var user = user
            user.lastLogin = user.lastLogin == nil ? "2026-09-30" : nil
            user.daysSinceLogin = user.daysSinceLogin == nil ? 51 : nil
            user.email = Self.awkward
            return user
        }
        expectSame(risks + flippedRisks)
        expectSame(summaries + flippedSummaries)
        expectSame(users + flippedUsers)
        #expect(userReferences.count == users.count)
        expectSame(userReferences)
        expectSame(atRisk)
        expectSame(risks.map(\.components))
    }

    /// The encoder takes the hand-written path at any depth: a value inside
    /// an `Encodable` wrapper, a list of them, and one with fields added.
    @Test func theEncoderWritesNestedValuesByHandWithTheSameText() throws {
        struct Wrapper: Encodable {
            var zeta = 1
            var risk: ChurnDriver
            var drivers: [ChurnDriver]
            var optionalDriver: ChurnDriver?
            var alpha = "a"
        }
        let driver = ChurnDriver(name: "no_login_14d", contribution: 0.4321, evidence: Self.awkward)
        for wrapper in [Wrapper(risk: driver, drivers: [driver, driver], optionalDriver: nil), Wrapper(risk: driver, drivers: [], optionalDriver: driver)] {
            #expect(JSONValue.encodedText(wrapper).text() == JSONValue.encoding(wrapper).text())
        }
        #expect(JSONValue.encodedItems([driver, driver]).text() == JSONValue.encoding([driver, driver]).text())
        // Fields added to a top-level object join it in key order.
        let added = JSONValue.encodedText(driver, adding: ["key_user": true, "a": .int(1), "name": "added wins"]).text()
        var tree = try #require(JSONValue.encoding(driver).objectValue)
        tree["key_user"] = true
        tree["a"] = .int(1)
        tree["name"] = "added wins"
        #expect(added == JSONValue.object(tree).text())
    }
}
