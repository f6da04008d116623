import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VitalsJSON
import VitalsStore
import VitalsTools
@testable import VitalsMCP

/// The MCP endpoint's refusals and both eras, in process (`app.test(.router)`).
@Suite struct MCPRoutesTests {
    let served = ServedStore.shared

    static let modernMeta: JSONValue = ["io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": [:]]

    func headers(_ key: String?, _ extra: [String: String] = [:]) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json", .accept: "application/json, text/event-stream"]
        if let key { fields[HTTPField.Name("x-api-key")!] = key }
        for (name, value) in extra { fields[HTTPField.Name(name)!] = value }
        return fields
    }

    /// The response body as JSON (null when it is not JSON, which fails the expectations on it).
    func json(_ response: TestResponse) -> JSONValue {
        (try? JSONValue.parse(bytes: Array(response.body.readableBytesView))) ?? .null
    }

    func body(_ value: JSONValue) -> ByteBuffer { ByteBuffer(string: value.text()) }

    @Test func withoutACredentialItIs401WithTheResourceMetadata() async throws {
        try await served.server().makeApplication().test(.router) { client in
            try await client.execute(uri: "/api/mcp", method: .post, headers: headers(nil), body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer resource_metadata=\"http://localhost/.well-known/oauth-protected-resource/api/mcp\", "
                    + "scope=\"read:accounts read:users read:revenue read:feedback read:activities\"")
                #expect(json(response)["error"]?["message"]?.stringValue?.contains("x-api-key") == true)
            }
            try await client.execute(uri: "/api/mcp", method: .post, headers: headers("vk_nope_nope"), body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .unauthorized)
                #expect(json(response)["error"]?["message"] == "invalid API key")
            }
        }
    }

    @Test func aHostTheServerDoesNotAnswerToIs403() async throws {
        try await served.server(publicURL: "https://vitals.example.com").makeApplication().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .forbidden)
                #expect(json(response)["error"]?["message"]?.stringValue?.hasPrefix("Host localhost is not served here") == true)
            }
        }
    }

    @Test func aForeignOriginIs403AndTheOwnOriginPasses() async throws {
        let discover = body(["jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": ["_meta": Self.modernMeta]])
        try await served.server().makeApplication().test(.router) { client in
            let modern = ["mcp-protocol-version": "2026-07-28", "mcp-method": "server/discover"]
            try await client.execute(uri: "/api/mcp", method: .post, headers: headers(served.readKey, modern.merging(["origin": "http://evil.example"]) { a, _ in a }),
                                     body: discover) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/api/mcp", method: .post, headers: headers(served.readKey, modern.merging(["origin": "http://localhost"]) { a, _ in a }),
                                     body: discover) { response in
                #expect(response.status == .ok)
                #expect(json(response)["result"]?["resultType"] == "complete")
            }
        }
    }

    @Test func aBadIdIsAnswered400AndTheNextRequestServed() async throws {
        try await served.server().makeApplication().test(.router) { client in
            for _ in 0..<50 {
                try await client.execute(uri: "/api/mcp", method: .post, headers: headers(served.readKey),
                                         body: ByteBuffer(string: #"{"jsonrpc":"2.0","id":true,"method":"tools/list"}"#)) { response in
                    #expect(response.status == .badRequest)
                    #expect(json(response)["error"]?["code"] == -32600)
                    #expect(json(response)["id"] == .null)
                }
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(String(buffer: response.body) == "ok\n")
            }
        }
    }

    @Test func legacySessionsAreBoundToTheirKeyAndEndWithDelete() async throws {
        let initialize = ByteBuffer(string: #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"experimental":{"codex/auth-change":{}}}}}"#)
        let list = ByteBuffer(string: #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        try await served.server().makeApplication().test(.router) { client in
            let session = try await client.execute(uri: "/api/mcp", method: .post, headers: headers(served.readKey), body: initialize) { response in
                #expect(response.status == .ok)
                #expect(json(response)["result"]?["protocolVersion"] == "2025-11-25")
                return try #require(response.headers[HTTPField.Name("Mcp-Session-Id")!])
            }
            try await client.execute(uri: "/api/mcp", method: .post, headers: headers(served.readKey, ["mcp-session-id": session]), body: list) { response in
                #expect(response.status == .ok)
                if case let .array(tools)? = json(response)["result"]?["tools"] { #expect(tools.count == ReadTools.all.count) } else { Issue.record("no tools") }
            }
            // Another key of the same agency: as unknown.
            try await client.execute(uri: "/api/mcp", method: .post, headers: headers(served.otherKey, ["mcp-session-id": session]), body: list) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/mcp", method: .delete, headers: headers(served.readKey, ["mcp-session-id": session])) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/mcp", method: .post, headers: headers(served.readKey, ["mcp-session-id": session]), body: list) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func modernHeadersMustMatchTheBody() async throws {
        let call = body(["jsonrpc": "2.0", "id": 5, "method": "tools/call",
                         "params": ["name": "get_agency_overview", "arguments": [:], "_meta": Self.modernMeta]])
        try await served.server().makeApplication().test(.router) { client in
            let cases: [([String: String], HTTPResponse.Status, JSONValue)] = [
                (["mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "get_agency_overview"], .ok, .null),
                (["mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "get_account"], .badRequest, -32020),
                (["mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list", "mcp-name": "get_agency_overview"], .badRequest, -32020),
                (["mcp-method": "tools/call", "mcp-name": "get_agency_overview"], .badRequest, -32020),
                (["mcp-protocol-version": "2099-01-01", "mcp-method": "tools/call", "mcp-name": "get_agency_overview"], .badRequest, -32022),
            ]
            for (extra, status, code) in cases {
                try await client.execute(uri: "/api/mcp", method: .post, headers: headers(served.readKey, extra), body: call) { response in
                    #expect(response.status == status, "\(extra)")
                    let answer = json(response)
                    #expect(answer["id"] == 5)
                    if status == .ok {
                        #expect(answer["result"]?["isError"] == false)
                        #expect(answer["result"]?["resultType"] == "complete")
                    } else {
                        #expect(answer["error"]?["code"] == code, "\(extra)")
                    }
                }
            }
        }
    }

    @Test func getIs405AndOversizedBodiesAre413() async throws {
        try await served.server().makeApplication().test(.router) { client in
            try await client.execute(uri: "/api/mcp", method: .get, headers: headers(served.readKey)) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST, DELETE")
            }
            let big = ByteBuffer(repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
            try await client.execute(uri: "/api/mcp", method: .post, headers: headers(served.readKey), body: big) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
    }

    @Test func overTheAgencyRateIs429WithRetryAfter() async throws {
        let discover = body(["jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": ["_meta": Self.modernMeta]])
        try await served.server(rateLimit: RateLimit(rate: 0.05, burst: 2)).makeApplication().test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            var retryAfter: String?
            for _ in 0..<3 {
                try await client.execute(uri: "/api/mcp", method: .post,
                                         headers: headers(served.readKey, ["mcp-protocol-version": "2026-07-28", "mcp-method": "server/discover"]),
                                         body: discover) { response in
                    statuses.append(response.status)
                    if response.status == .tooManyRequests { retryAfter = response.headers[.retryAfter] }
                }
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests])
            #expect(retryAfter == "20")
        }
    }
}
