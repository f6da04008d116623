import ArgumentParser
import Foundation
import VitalsAnalytics
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


    @Argument(help: "The tool, e.g. list_accounts_at_risk.") var tool: String
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var scoring: ScoringOptions
    @Option(name: .long, help: "The agency id, e.g. ag_001.") var agency: String
    @Option(name: .long, help: #"The tool's arguments as a JSON object, e.g. '{"days": 45}'."#) var args: String?
    @Option(name: .long, help: "json (default), table (money in dollars), or csv (list tools: every page, money in cents).")
    var format: Format = .json
    @Flag(name: .long, help: "Compute from the columns even where materialized results exist.") var fresh = false

    func validate() throws {
        let tool = try readTool()
        try checkFormat(for: tool)
        // The arguments are checked against the tool's parameters before the store is read.
        do {
            _ = try ToolArguments(try parsedArguments(), parameters: tool.allParameters)
        } catch let error as ToolError {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        let tool = try readTool()
        let arguments = try parsedArguments()
        do {
            let config = try scoring.load()  // a bad --config is refused, whichever path answers
            if let answer = try storedAnswer(tool, arguments: arguments) {
                print(format == .table ? TableRenderer.render(answer) : answer.text(pretty: true))
                return
            }
            if let items = try storedItems(tool, arguments: arguments) {
                print(CSVRenderer.render(items: items, declared: tool.items), terminator: "")
                return
            }
            let context = try openContext(config: config)
            try checkAgency(in: context)
            switch format {
            case .json: print(try ReadTools.call(tool.name, agencyID: agency, arguments: arguments, context: context).text(pretty: true))
            case .table: print(TableRenderer.render(try ReadTools.call(tool.name, agencyID: agency, arguments: arguments, context: context)))
            case .csv:
                let items = try ListPages.allItems(tool.name, agencyID: agency, arguments: arguments?.objectValue ?? [:], context: context)
                print(CSVRenderer.render(items: items, declared: tool.items), terminator: "")
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw failure("error: \(error)")
        }
    }

    /// The tool named on the command line; unknown: an error listing the tools.
    func readTool() throws(ValidationError) -> ReadTool {
        guard let found = ReadTools.named(tool) else {
            throw ValidationError("unknown tool \(tool). The read tools are:\n\(ToolHelp.catalogue)")
        }
        return found
    }

    /// `--args` parsed; it must be a JSON object.
    func parsedArguments() throws(ValidationError) -> JSONValue? {
        guard let args else { return nil }
        guard let value = try? JSONValue.parse(args), case .object = value else {
            throw ValidationError(#"--args must be a JSON object, e.g. '{"days": 45}'; got: "# + args)
        }
        return value
    }

    /// CSV is rows of a list; one object (an account, an overview) has none.
    func checkFormat(for tool: ReadTool) throws(ValidationError) {
        guard format == .csv, !tool.isList else { return }
        throw ValidationError("--format csv is for list tools; \(tool.name) returns one object: use --format json or --format table")
    }

    /// The answer the store's materialized results hold, read without
    /// loading the dataset (a default call on a scored day; not with
    /// `--fresh`, nor for CSV: ``storedItems(_:arguments:)``).
    func storedAnswer(_ tool: ReadTool, arguments: JSONValue?) throws -> JSONValue? {
        guard !fresh, format != .csv, tool.materialized else { return nil }
        guard let answers = try storedAnswers() else { return nil }
        return ReadTools.storedAnswer(tool.name, agencyID: agency, arguments: arguments, answers: answers)
    }

    /// For CSV, every page of the list from the stored answer, read without
    /// loading the dataset (nil: not a stored default call). At 100 M events
    /// a stored list's CSV loaded the whole store first: 1.8 s and 1.9 GB
    /// for what the JSON of its first page answers in 0.08 s.
    func storedItems(_ tool: ReadTool, arguments: JSONValue?) throws -> [JSONValue]? {
        guard !fresh, format == .csv, tool.materialized else { return nil }
        guard let answers = try storedAnswers() else { return nil }
        let name = tool.name, agency = self.agency
        return try ListPages.allItems(arguments?.objectValue ?? [:]) { page throws(ToolError) in
            ReadTools.storedAnswer(name, agencyID: agency, arguments: .object(page), answers: answers)
        }
    }

    /// The store's materialized answers, nil when it holds none.
    func storedAnswers() throws -> StoredAnswers? {
        try StoredAnswers(store: try Store.open(at: storeOptions.store, readOnly: true))
    }

    func openContext(config: ScoringConfig) throws -> ToolContext {
        let store = try Store.open(at: storeOptions.store, readOnly: true)
        return try ToolContext(store: store, config: config, useMaterialized: !fresh)
    }

    /// The agency must be one the store holds; unknown: an error listing them.
    func checkAgency(in context: ToolContext) throws {
        guard context.dataset.agencyKey(agency) == nil else { return }
        let held = context.dataset.agencies.map { "  \($0.agencyID)  \($0.name)" }
        throw failure("error: unknown agency \(agency). The store \(storeOptions.store) holds:\n" +
                      (held.isEmpty ? "  (no agencies: run vitals ingest first)" : held.joined(separator: "\n")))
    }

    /// Prints `message` to standard error and returns the exit to throw.
    func failure(_ message: String, code: ExitCode = .failure) -> ExitCode {
        printError(message)
        return code
    }
}
