/// A problem in a CSV file, located by its 1-based physical line.
public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file's path or name as given to the reader.
    public var file: String
    /// 1-based line of the row (or of the byte) that is wrong.
    public var line: Int
    /// What is wrong, in words a user can act on.
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, the form every ingest error is printed in.
    public var description: String { "\(file):\(line): \(message)" }
}
