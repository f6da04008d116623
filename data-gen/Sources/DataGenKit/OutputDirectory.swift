#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creating the output directory, `mkdir -p` style, with the system's own
/// reason when it fails.
enum OutputDirectory {
    /// Creates `path` and any missing parents.
    /// - Throws: ``DataGenError/io(path:reason:)`` naming the component that failed.
    static func create(_ path: String) throws(DataGenError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw .io(path: prefix, reason: "cannot create directory: " + String(cString: strerror(errno)))
            }
            var info = stat()
            guard stat(prefix, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw .io(path: prefix, reason: "exists and is not a directory")
            }
            prefix += "/"
        }
    }
}
