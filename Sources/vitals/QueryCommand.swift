import ArgumentParser
import Foundation
import VitalsJSON
import VitalsStore
import VitalsTools
import VitalsViews

/// `vitals query TOOL`: runs one read tool and prints its result, as JSON
/// (what the MCP server answers), a table for people, or CSV (every page
/// of a list) for a spreadsheet. `vitals query TOOL --help` prints the
/// tool's own help (``ToolHelp``).
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run one read tool of the MCP surface for an agency and print its structured result.",
        discussion: "Tools (vitals query TOOL --help prints a tool's parameters):\n" + ToolHelp.catalogue
    )

    enum Format: String, ExpressibleByArgument { case json, table, csv }

    /// Items fetched per call when CSV pages through a whole list (the tools' maximum `limit`).
    static let csvPageSize = 200

    @Argument(help: "The tool, e.g. list_accounts_at_risk.") var tool: String
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var scoring: ScoringOptions
    @Option(name: .long, help: "The agency id, e.g. ag_001.") var agency: String
    @Option(name: .long, help: #"The tool's arguments as a JSON object, e.g. '{"days": 45}'."#) var args: String?
    @Option(name: .long, help: "json (default), table (money in dollars), or csv (list tools: every page, money in cents).")
    var format: Format = .json
    @Flag(name: .long, help: "Compute from the columns even where materialized results exist.") var fresh = false

    func run() throws {
        let tool = try readTool()
        let arguments = try parsedArguments()
        try checkFormat(for: tool)
        do {
            let context = try openContext()
            try checkAgency(in: context)
            switch format {
            case .json: print(try ReadTools.call(tool.name, agencyID: agency, arguments: arguments, context: context).text(pretty: true))
            case .table: print(TableRenderer.render(try ReadTools.call(tool.name, agencyID: agency, arguments: arguments, context: context)))
            case .csv: print(CSVRenderer.render(items: try allItems(of: tool, arguments: arguments, context: context), declared: tool.items),
                             terminator: "")
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw failure("error: \(error)")
        }
    }

    /// The tool named on the command line; unknown: an error listing the tools.
    func readTool() throws -> ReadTool {
        guard let found = ReadTools.named(tool) else {
            throw failure("error: unknown tool \(tool). The read tools are:\n\(ToolHelp.catalogue)", code: .validationFailure)
        }
        return found
    }

    /// `--args` parsed; it must be a JSON object.
    func parsedArguments() throws -> JSONValue? {
        guard let args else { return nil }
        guard let value = try? JSONValue.parse(args), case .object = value else {
            throw failure(#"error: --args must be a JSON object, e.g. '{"days": 45}'; got: "# + args, code: .validationFailure)
        }
        return value
    }

    /// CSV is rows of a list; one object (an account, an overview) has none.
    func checkFormat(for tool: ReadTool) throws {
        guard format == .csv, !tool.isList else { return }
        throw failure("error: --format csv is for list tools; \(tool.name) returns one object: use --format json or --format table",
                      code: .validationFailure)
    }

    func openContext() throws -> ToolContext {
        let store = try Store.open(at: storeOptions.store, readOnly: true)
        return try ToolContext(store: store, config: try scoring.load(), useMaterialized: !fresh)
    }

    /// The agency must be one the store holds; unknown: an error listing them.
    func checkAgency(in context: ToolContext) throws {
        guard context.dataset.agencyKey(agency) == nil else { return }
        let held = context.dataset.agencies.map { "  \($0.agencyID)  \($0.name)" }
        throw failure("error: unknown agency \(agency). The store \(storeOptions.store) holds:\n" +
                      (held.isEmpty ? "  (no agencies: run vitals ingest first)" : held.joined(separator: "\n")))
    }

    /// Every item of a list, page after page (`limit` 200, following
    /// `next_cursor` until `has_more` is false). A `limit` in `--args` sets
    /// the page size instead; a `cursor` there is where the pages start.
    func allItems(of tool: ReadTool, arguments: JSONValue?, context: ToolContext) throws -> [JSONValue] {
        guard case var .object(page) = arguments ?? .object([:]) else { return [] }
        if page["limit"] == nil { page["limit"] = .int(Self.csvPageSize) }
        var items: [JSONValue] = []
        while true {
            let result = try ReadTools.call(tool.name, agencyID: agency, arguments: .object(page), context: context)
            if case let .array(pageItems)? = result["items"]?.resolved { items += pageItems }
            guard result["has_more"] == .bool(true), case let .string(next)? = result["next_cursor"] else { return items }
            page["cursor"] = .string(next)
        }
    }

    /// Prints `message` to standard error and returns the exit to throw.
    func failure(_ message: String, code: ExitCode = .failure) -> ExitCode {
        printError(message)
        return code
    }
}
