import ArgumentParser
import Foundation
import VitalsAuth
import VitalsMCP
import VitalsStore
import VitalsTools

/// `vitals serve`: the MCP server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the MCP tools: over stdio for local clients, or streamable HTTP at /api/mcp.",
        discussion: """
            A key from `vitals token create` fixes the agency and the scopes of every call (stdio: VITALS_API_KEY; \
            HTTP: the x-api-key header of each request); the tools its scopes do not allow are not listed. Over HTTP, MCP \
            clients can also connect with OAuth 2.1: they register, open /authorize in a browser where the user pastes \
            such a key and approves scopes, and then send a bearer token.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var scoring: ScoringOptions
    @Flag(name: .long, help: "Speak MCP over standard input and output.") var stdio = false
    @Option(name: .long, help: "Serve streamable HTTP on HOST:PORT, e.g. 127.0.0.1:8080 (port 0: any free port, printed on stderr).")
    var http: String?
    @Option(name: .customLong("allowed-origin"), help: "A browser origin allowed besides loopback ones, e.g. https://app.example.com (repeatable).")
    var allowedOrigins: [String] = []
    @Option(name: .long, help: "Only these tool categories, comma-separated: \(VitalsMCPServer.allToolsets.joined(separator: ","))")
    var toolsets: String?
    @Flag(name: .customLong("read-only"), help: "Serve no tool that changes anything.") var readOnly = false
    @Option(name: .customLong("public-url"), help: "HTTP: the address clients reach this server at, e.g. https://vitals.example.com (the OAuth issuer; default http://HOST:PORT).")
    var publicURL: String?
    @Option(name: .customLong("rate-limit"), help: "HTTP: requests per second per agency on /api/mcp, as RATE/BURST, or off (default 20/40).")
    var rateLimit: String = "20/40"

    func validate() throws {
        guard stdio != (http != nil) else { throw ValidationError("choose one transport: --stdio or --http HOST:PORT") }
        _ = try chosenToolsets()
        if let http { _ = try address(http) }
        if let publicURL {
            guard let url = URLComponents(string: publicURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
                  url.query == nil, url.path.isEmpty || url.path == "/" else {
                throw ValidationError("--public-url must be an origin such as https://vitals.example.com, got \"\(publicURL)\"")
            }
        }
        _ = try parsedRateLimit()
    }

    /// --toolsets as a set (nil: all); an unknown name is refused.
    func chosenToolsets() throws(ValidationError) -> Set<String>? {
        guard let toolsets else { return nil }
        let chosen = Set(toolsets.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        if let unknown = chosen.first(where: { !VitalsMCPServer.allToolsets.contains($0) }) {
            throw ValidationError("unknown toolset \(unknown); the toolsets are \(VitalsMCPServer.allToolsets.joined(separator: ","))")
        }
        return chosen
    }

    /// --http's HOST and PORT.
    func address(_ text: String) throws(ValidationError) -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--http must be HOST:PORT, e.g. 127.0.0.1:8080, got \"\(text)\"")
        }
        return (String(text[..<colon]), port)
    }

    /// --rate-limit (nil: off).
    func parsedRateLimit() throws(ValidationError) -> RateLimit? {
        do { return try RateLimit.parse(rateLimit) } catch { throw ValidationError("--rate-limit: \(error)") }
    }

    func run() async throws {
        let chosen = try chosenToolsets()
        if let http {
            try await serveHTTP(http, toolsets: chosen)
            return
        }
        guard let key = ProcessInfo.processInfo.environment["VITALS_API_KEY"], !key.isEmpty else {
            printError("error: set VITALS_API_KEY to an API key of your agency (create one with `vitals token create --agency AG`)")
            throw ExitCode.validationFailure
        }
        let server: VitalsMCPServer
        let deliverer: WebhookDeliverer
        do {
            let store = try Store.open(at: storeOptions.store)
            let credential = try store.authenticate(key: key)
            let audit = AuditLog(store: store)
            audit.start()
            deliverer = WebhookDeliverer.fromEnvironment(store: store)
            deliverer.start()
            server = VitalsMCPServer(live: try LiveContext(store: store, config: try scoring.load()), credential: credential,
                                     toolsets: chosen, readOnly: readOnly, audit: audit)
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        await server.runStdio()
        // The client closed the pipe: the deliveries under way record their attempt before the process ends.
        await deliverer.finish()
    }

    func serveHTTP(_ address: String, toolsets: Set<String>?) async throws {
        let (host, port) = try self.address(address)
        let server: MCPHTTPServer
        do {
            let store = try Store.open(at: storeOptions.store)
            WebhookDeliverer.fromEnvironment(store: store).start()
            var configuration = MCPHTTPConfiguration(host: host, port: port)
            configuration.toolsets = toolsets
            configuration.readOnly = readOnly
            configuration.allowedOrigins = allowedOrigins
            configuration.rateLimit = try parsedRateLimit()
            let environment = ProcessInfo.processInfo.environment
            if let limit = environment["VITALS_AUTH_RATE_LIMIT"] { configuration.authRateLimit = try RateLimit.parse(limit) }
            if let seconds = environment["VITALS_OAUTH_ACCESS_TTL_S"].flatMap(Int64.init), seconds > 0 {
                configuration.lifetimes.accessToken = seconds
            }
            configuration.publicURL = publicURL
            server = MCPHTTPServer(store: store, live: try LiveContext(store: store, config: try scoring.load()), configuration: configuration)
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch let error as RateLimitError {
            // Only the environment's limit is parsed here (--rate-limit was, in validate()).
            throw ValidationError("VITALS_AUTH_RATE_LIMIT: \(error)")
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        if publicURL == nil, !["127.0.0.1", "localhost", "::1"].contains(host) {
            printError("warning: serving on \(host) without --public-url: OAuth clients will be told the issuer is http://\(host):PORT; "
                + "pass the address they reach this server at, e.g. --public-url https://vitals.example.com")
        }
        try await server.run { port in
            printError("vitals serving MCP at http://\(host):\(port)/api/mcp")
        }
    }
}
