import ArgumentParser
import Foundation
import VitalsStore
import VitalsTools

/// `vitals query TOOL`: runs one read tool and prints its result.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run one read tool of the MCP surface for an agency and print its structured result.",
        discussion: "Tools: " + ReadTools.all.map(\.name).joined(separator: ", ")
    )

    enum Format: String, ExpressibleByArgument { case json, table }

    @Argument(help: "The tool, e.g. list_accounts_at_risk.") var tool: String
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var scoring: ScoringOptions
    @Option(name: .long, help: "The agency id, e.g. ag_001.") var agency: String
    @Option(name: .long, help: #"The tool's arguments as a JSON object, e.g. '{"days": 45}'."#) var args: String?
    @Option(name: .long, help: "json (default) or table.") var format: Format = .json
    @Flag(name: .long, help: "Compute from the columns even where materialized results exist.") var fresh = false

    func run() throws {
        let arguments: JSONValue?
        do {
            arguments = try args.map(JSONValue.parse)
        } catch {
            printError("error: --args is not valid JSON: \(args ?? "")")
            throw ExitCode.validationFailure
        }
        do {
            let store = try Store.open(at: storeOptions.store, readOnly: true)
            let context = try ToolContext(store: store, config: try scoring.load(), useMaterialized: !fresh)
            let result = try ReadTools.call(tool, agencyID: agency, arguments: arguments, context: context)
            print(format == .json ? result.text(pretty: true) : TableRenderer.render(result))
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }
}

/// `--format table`: the items of a list as columns, other fields as `key: value`.
enum TableRenderer {
    static func render(_ value: JSONValue) -> String {
        guard case let .object(object) = value else { return value.text() }
        var lines: [String] = []
        for key in object.keys.sorted() where key != "items" {
            lines.append("\(key): \(cell(object[key]!))")
        }
        if case let .array(items)? = object["items"] {
            var columns: [String] = []
            for item in items {
                if case let .object(row) = item {
                    for key in row.keys.sorted() where !columns.contains(key) { columns.append(key) }
                }
            }
            let rows = items.map { item in columns.map { item[$0].map(cell) ?? "" } }
            let widths = columns.indices.map { c in min(40, ([columns[c].count] + rows.map { $0[c].count }).max()!) }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { c, text in
                    let clipped = text.count > widths[c] ? String(text.prefix(widths[c] - 1)) + "…" : text
                    return clipped.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                }.joined(separator: "  ")
            }
            lines.append("")
            lines.append(line(columns))
            lines += rows.map(line)
        }
        return lines.joined(separator: "\n")
    }

    static func cell(_ value: JSONValue) -> String {
        switch value {
        case .null: ""
        case let .string(text): text
        case let .bool(flag): String(flag)
        case let .int(n): String(n)
        case let .double(d): String(d)
        case .array, .object: value.text()
        }
    }
}
