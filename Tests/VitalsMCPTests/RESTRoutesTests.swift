import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VitalsJSON
import VitalsStore
import VitalsTools
@testable import VitalsMCP

/// The REST twin, in process: the same answers as the tools, refusals as
/// problem details, the same scopes, tenancy and rate limit, and an OpenAPI
/// document generated from the tool definitions.
@Suite struct RESTRoutesTests {
    let served = ServedStore.shared

    func headers(_ key: String?) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let key { fields[HTTPField.Name("x-api-key")!] = key }
        return fields
    }

    func json(_ response: TestResponse) -> JSONValue {
        (try? JSONValue.parse(bytes: Array(response.body.readableBytesView))) ?? .null
    }

    func post(_ client: some TestClientProtocol, _ tool: String, _ arguments: String, key: String?) async throws -> (HTTPResponse.Status, String?, JSONValue) {
        try await client.execute(uri: "/api/v1/tools/\(tool)", method: .post, headers: headers(key), body: ByteBuffer(string: arguments)) { response in
            (response.status, response.headers[.contentType], json(response))
        }
    }

    @Test func aToolAnswersAsTheToolsDo() async throws {
        let context = try ToolContext(store: served.store)
        let account = context.dataset.accounts.first { context.dataset.agencies[$0.agencyKey].agencyID == "ag_001" && $0.tracked }!.accountID
        try await served.server().makeApplication().test(.router) { client in
            for (tool, arguments) in [("get_agency_overview", "{}"), ("get_account", #"{"account_id": "\#(account)"}"#),
                                      ("list_inactive_users", #"{"days": 45, "limit": 5}"#)] {
                let (status, type, body) = try await post(client, tool, arguments, key: served.readKey)
                #expect(status == .ok, "\(tool): \(body.text())")
                #expect(type == "application/json")
                let expected = try ReadTools.call(tool, agencyID: "ag_001", arguments: try JSONValue.parse(arguments), context: context,
                                                  scopes: Set(Scope.reads))
                #expect(body == expected, "\(tool)")
            }
            // An empty body is no arguments.
            try await client.execute(uri: "/api/v1/tools/get_agency_overview", method: .post, headers: headers(served.readKey)) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func refusalsAreProblemDetailsThatSayWhatIsWrong() async throws {
        try await served.server().makeApplication().test(.router) { client in
            var (status, type, body) = try await post(client, "list_inactive_users", #"{"days": 0}"#, key: served.readKey)
            #expect(status == .badRequest && type == "application/problem+json")
            #expect(body["detail"] == "invalid days: must be between 1 and 366, got 0 (example: 30)")
            #expect(body["status"] == 400 && body["title"] == "Bad Request")
            // Another agency's account answers as an unknown one.
            let context = try ToolContext(store: served.store)
            let theirs = context.dataset.accounts.first { context.dataset.agencies[$0.agencyKey].agencyID == "ag_002" }!.accountID
            (status, _, body) = try await post(client, "get_account", #"{"account_id": "\#(theirs)"}"#, key: served.readKey)
            let (_, _, unknown) = try await post(client, "get_account", #"{"account_id": "acc_nope"}"#, key: served.readKey)
            #expect(status == .badRequest)
            #expect(body["detail"]?.stringValue?.replacingOccurrences(of: theirs, with: "acc_nope") == unknown["detail"]?.stringValue)
            // Scope, tool, credential, body.
            (status, _, body) = try await post(client, "get_revenue_summary", "{}", key: served.otherKey)
            #expect(status == .forbidden && body["type"] == "insufficient_scope")
            #expect(body["detail"]?.stringValue?.hasPrefix("missing scope read:revenue") == true)
            (status, _, body) = try await post(client, "create_cta", "{}", key: served.readKey)
            #expect(status == .forbidden && body["detail"]?.stringValue?.hasPrefix("missing scope write:activities") == true)
            (status, _, body) = try await post(client, "drop_tables", "{}", key: served.readKey)
            #expect(status == .notFound && body["detail"]?.stringValue?.contains("openapi.json") == true)
            (status, _, body) = try await post(client, "get_agency_overview", "{not json", key: served.readKey)
            #expect(status == .badRequest && body["detail"]?.stringValue?.contains("not JSON") == true)
            try await client.execute(uri: "/api/v1/tools/get_agency_overview", method: .post, headers: headers(nil),
                                     body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer resource_metadata=") == true)
            }
        }
    }

    @Test func theAgencyRateLimitHoldsOnRESTToo() async throws {
        try await served.server(rateLimit: RateLimit(rate: 0.05, burst: 2)).makeApplication().test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            var retryAfter: String?
            for _ in 0 ..< 3 {
                try await client.execute(uri: "/api/v1/tools/get_agency_overview", method: .post, headers: headers(served.readKey),
                                         body: ByteBuffer(string: "{}")) { response in
                    statuses.append(response.status)
                    if response.status == .tooManyRequests {
                        retryAfter = response.headers[.retryAfter]
                        #expect(response.headers[.contentType] == "application/problem+json")
                    }
                }
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests])
            #expect(retryAfter != nil)
        }
    }

    @Test func theOpenAPIDocumentIsGeneratedFromTheTools() async throws {
        try await served.server().makeApplication().test(.router) { client in
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                let document = json(response)
                #expect(document["openapi"] == "3.1.0")
                let paths = document["paths"]?.objectValue ?? [:]
                #expect(Set(paths.keys) == Set(ToolCatalog.tools.map { "/api/v1/tools/\($0.name)" }))
                for tool in ToolCatalog.tools {
                    let operation = paths["/api/v1/tools/\(tool.name)"]?["post"]
                    #expect(operation?["operationId"] == .string(tool.name))
                    // The same schemas as the MCP tool list.
                    #expect(operation?["requestBody"]?["content"]?["application/json"]?["schema"] == tool.json["inputSchema"])
                    #expect(operation?["responses"]?["200"]?["content"]?["application/json"]?["schema"] == tool.json["outputSchema"])
                }
                #expect(document["servers"]?.arrayValue?.first?["url"] == "http://localhost")
            }
        }
    }
}
