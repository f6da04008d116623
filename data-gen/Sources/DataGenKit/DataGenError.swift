/// What can go wrong while generating a dataset.
public enum DataGenError: Error, Equatable, CustomStringConvertible {
    /// A configuration value is out of range: the option and what it must be.
    case invalidArgument(name: String, message: String)
    /// A file or directory could not be created or written.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidArgument(name, message): "invalid \(name): \(message)"
        case let .io(path, reason): "\(path): \(reason)"
        }
    }
}
