import Foundation
import Testing
import VitalsJSON
import VitalsProtocol
import VitalsStore
import VitalsTools
@testable import VitalsMCP

/// The tool surface as a model sees it, snapshotted one file per tool in
/// `__toolsnaps__/` (as github-mcp-server does), so any change to a name,
/// a description, a schema or an annotation shows in review. After an
/// intended change: `UPDATE_TOOLSNAPS=1 swift test --filter ToolSnapshotTests`.
@Suite struct ToolSnapshotTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("__toolsnaps__")

    @Test(arguments: ToolCatalog.tools.map(\.name))
    func theToolDefinitionMatchesItsSnapshot(name: String) throws {
        let tool = try #require(ToolCatalog.tools.first { $0.name == name })
        let text = tool.json.text(pretty: true) + "\n"
        let file = Self.directory.appendingPathComponent("\(name).json")
        if ProcessInfo.processInfo.environment["UPDATE_TOOLSNAPS"] == "1" {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        guard let stored = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record("no snapshot for \(name): run UPDATE_TOOLSNAPS=1 swift test --filter ToolSnapshotTests and commit \(file.lastPathComponent)")
            return
        }
        #expect(stored == text, "the definition of \(name) changed: review the diff, then UPDATE_TOOLSNAPS=1 swift test --filter ToolSnapshotTests")
    }

    /// What a model's context pays for the tools: their names, titles,
    /// descriptions, input schemas and annotations (clients hand the model
    /// these; the output schemas check results). Budgets: GoCSM's seven
    /// categories (the core) 26 KB, so a weak model still has room after
    /// tools/list (25 KB until issue 13 added list_feedback_requests and an
    /// idempotency_key to every write); the team's work (CTAs, tasks, plans, timeline: toolset
    /// `work`) 14 KB more, which a client can leave out with --toolsets or a
    /// credential without the activities scopes. The whole list, output
    /// schemas included, stays under 72 KB.
    @Test func theToolListFitsAModelsContext() {
        var core = 0, work = 0, whole = 0
        for tool in ToolCatalog.tools {
            guard case var .object(fields) = tool.json else { continue }
            whole += tool.json.text().utf8.count
            fields["outputSchema"] = nil
            let size = JSONValue.object(fields).text().utf8.count
            if tool.toolset == "work" { work += size } else { core += size }
        }
        #expect(core <= 26 * 1024, "the core tools as a model reads them take \(core) bytes")
        #expect(work <= 14 * 1024, "the work tools as a model reads them take \(work) bytes")
        #expect(whole <= 72 * 1024, "the whole tool list takes \(whole) bytes")
    }

    @Test func everySnapshotIsATool() throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Self.directory.path)) ?? []
        #expect(Set(files) == Set(ToolCatalog.tools.map { "\($0.name).json" }))
    }
}

/// The schema a model reads and the check a call meets are one: for every
/// parameter of every tool, a value just outside what the schema allows is
/// refused naming that parameter, and the schema's own bounds are accepted.
@Suite struct SchemaAgreementTests {
    let served = ServedStore.shared

    func answer(_ tool: String, _ arguments: [String: JSONValue], key: String) async throws -> (isError: Bool, text: String) {
        let credential = try served.store.authenticate(key: key)
        let server = VitalsMCPServer(live: try LiveContext(store: served.store), credential: credential)
        let result = server.answer(tool, arguments: .object(arguments))
        return (result.isError, result.text)
    }

    /// Valid values for the required parameters, so that only the one under test can be wrong.
    func baseline(_ tool: String) -> [String: JSONValue] {
        let dataset = try! served.store.loadDataset()
        let account = dataset.accounts.first { dataset.agencies[$0.agencyKey].agencyID == "ag_001" && $0.tracked }!
        let user = dataset.users.first { $0.accountKey == dataset.accountKey(account.accountID)! }!
        switch tool {
        case "get_account", "get_login_activity": return ["account_id": .string(account.accountID)]
        case "get_user": return ["user_id": .string(user.userID)]
        case "search_accounts", "search_users": return ["query": "a"]
        case "get_cta": return ["cta_id": "cta_000000000000"]
        default: return [:]
        }
    }

    @Test(arguments: ReadTools.all.map(\.name))
    func outOfSchemaValuesAreRefusedAndBoundsAccepted(name: String) async throws {
        let tool = try #require(ToolCatalog.tools.first { $0.name == name })
        guard case let .object(properties)? = tool.json["inputSchema"]?["properties"] else { Issue.record("no properties"); return }
        for (parameter, schema) in properties {
            var bad: [JSONValue] = [.object([:])]
            var good: [JSONValue] = []
            if case let .int(low)? = schema["minimum"], case let .int(high)? = schema["maximum"] {
                bad += [.int(low - 1), .int(high + 1), .string("\(low)")]
                good += [.int(low), .int(high)]
            }
            if case let .array(values)? = schema["enum"] { bad.append(.string("sideways")); good += values }
            if schema["pattern"] != nil { bad.append(.string("20-11-2026")); good.append(.string("2026-11-20")) }
            if case .array? = schema["items"]?["enum"] { bad += [.array([]), .array(["Sick"])]; good.append(.array(["Watch"])) }
            for value in bad {
                var arguments = baseline(name)
                arguments[parameter] = value
                let result = try await answer(name, arguments, key: served.readKey)
                #expect(result.isError && result.text.hasPrefix("invalid \(parameter):"), "\(name).\(parameter) = \(value.text()) → \(result.text)")
            }
            for value in good where parameter != "cursor" {
                var arguments = baseline(name)
                arguments[parameter] = value
                let result = try await answer(name, arguments, key: served.readKey)
                #expect(!result.text.hasPrefix("invalid \(parameter):"), "\(name).\(parameter) = \(value.text()) → \(result.text)")
            }
        }
    }
}
