import Foundation
import VitalsJSON
import VitalsTools
import VitalsViews

/// `vitals query TOOL --help`: one tool's own help — its title, what it is
/// for, and its parameters (name, type, default, meaning) — read from the
/// tool's declaration (``ReadTool``, ``ToolParameter``), the same one the
/// MCP schema and the argument checks come from, so the help cannot drift.
enum ToolHelp {
    /// The tool whose help the command line asks for: `vitals query TOOL
    /// --help` (or `-h`). Swift Argument Parser answers `--help` before a
    /// command runs, with the command's generic help, so `vitals` looks for
    /// this first (``Vitals/main()``). Nil: not such a request.
    static func requested(in arguments: [String]) -> ReadTool? {
        guard arguments.first == "query", arguments.contains(where: { $0 == "--help" || $0 == "-h" }) else { return nil }
        return arguments.dropFirst().lazy.compactMap(ReadTools.named).first
    }

    static func render(_ tool: ReadTool) -> String {
        var lines = [
            "\(tool.name): \(tool.title)",
            "",
            tool.summary,
            "",
            "USAGE: vitals query \(tool.name) --agency <agency> [--args '<json>'] [--format json|table\(tool.isList ? "|csv" : "")] [--store <store>]",
            "  e.g. vitals query \(tool.name) --agency ag_001" + (example(tool).map { " --args '\($0)'" } ?? ""),
            "",
            "PARAMETERS (in --args):",
        ]
        let parameters = tool.allParameters
        let rows = parameters.map { [$0.name, type($0.kind), defaultText($0)] }
        let widths = (0..<3).map { c in ([["name", "type", "default"][c].count] + rows.map { $0[c].count }).max()! }
        func line(_ cells: [String]) -> String {
            "  " + cells.enumerated().map { c, text in
                c < 3 ? text.padding(toLength: widths[c], withPad: " ", startingAt: 0) : text
            }.joined(separator: "  ")
        }
        lines.append(line(["name", "type", "default", "description"]))
        for (parameter, row) in zip(parameters, rows) { lines.append(line(row + [parameter.description])) }
        if tool.isList {
            lines += ["", "A list: one page of `limit` items per call (json, table); --format csv prints every page, 200 items a call."]
        }
        if let items = tool.items {
            // An object field's own fields become columns in table and csv.
            let names = ResultRows.ordered(Array(items.keys)).map { items[$0]!.hasPrefix("object") ? "\($0) (its fields)" : $0 }
            lines += ["", "ITEM FIELDS: " + names.joined(separator: ", ")]
        }
        return lines.joined(separator: "\n")
    }

    /// The tools, one a line with its title: for `vitals query --help`
    /// and for the error that names an unknown tool.
    static var catalogue: String {
        let width = ReadTools.all.map(\.name.count).max() ?? 0
        return ReadTools.all.map { tool in
            "  " + tool.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + tool.title + (tool.isList ? " (list)" : "")
        }.joined(separator: "\n")
    }

    /// A parameter's type as a person reads it.
    static func type(_ kind: ToolParameter.Kind) -> String {
        switch kind {
        case .string: "string"
        case let .integer(range): "integer \(range.lowerBound)–\(range.upperBound)"
        case .boolean: "boolean"
        case let .choice(values): values.joined(separator: "|")
        case .date: "date YYYY-MM-DD"
        case .bands: "list of bands"
        case let .names(values): "list of: " + values.joined(separator: ", ")
        case let .text(length): "text, at most \(length) characters"
        case let .texts(count, length): "list of at most \(count) texts of at most \(length) characters"
        }
    }

    static func defaultText(_ parameter: ToolParameter) -> String {
        if parameter.required { return "(required)" }
        return parameter.defaultValue?.text() ?? "-"
    }

    /// An `--args` example: the required parameters, else the tool's first
    /// own parameter, each with its declared example; nil: it has none.
    static func example(_ tool: ReadTool) -> String? {
        var chosen = tool.parameters.filter(\.required)
        if chosen.isEmpty, let first = tool.parameters.first { chosen = [first] }
        if chosen.isEmpty { return nil }
        let fields = chosen.map { parameter in
            let quoted: Bool
            switch parameter.kind {
            case .string, .choice, .date, .text: quoted = true
            case .integer, .boolean, .bands, .names, .texts: quoted = false
            }
            return "\"\(parameter.name)\": " + (quoted ? "\"\(parameter.example)\"" : parameter.example)
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}
