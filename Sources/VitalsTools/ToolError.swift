/// A tool call that cannot be answered, with what to do next.
public struct ToolError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static func unknownAccount(_ id: String) -> ToolError {
        ToolError("account \(id) is not tracked by this agency — call search_accounts to find the account_id")
    }

    static func unknownUser(_ id: String) -> ToolError {
        ToolError("user \(id) is not a user of this agency's tracked accounts — call search_users to find the user_id")
    }

    static func invalid(_ name: String, _ problem: String, example: String) -> ToolError {
        ToolError("invalid \(name): \(problem) (example: \(example))")
    }
}
