/// An event file's parts as they are parsed, taken in file order, given out
/// an epoch at a time (``EventSelection/epochs(of:seconds:within:)``) as
/// soon as a file in time order can add no more rows to it. The ingest
/// encodes each epoch as it is given out and drops the parts behind it, so
/// a file of a year holds a few parts in memory at once instead of all of
/// them, and the next parts are sorted into pages the dropped ones freed:
/// at 100 M events, fresh pages for every part's columns (1.8 GB) were a
/// tenth of the ingest's CPU.
///
/// A part's epochs before the one before its first row's are complete: a
/// file in time order has no later row there. A file that is not is still
/// given out whole and right: a part's rows of epochs given out already
/// ("late" rows, a file a little out of order) are copied aside and given
/// out by ``finish()``, one more selection for each such epoch (the store
/// keeps an epoch in several batches, and its compaction merges them); a
/// file in another order (by account) has every part reach back to its
/// first epoch, so ``finish()`` gives out everything, as an ingest that
/// waits for the whole file did.
public struct EpochStream: Sendable {
    public let seconds: Int64
    /// The parts that may hold rows of epochs not given out yet, with their first and last timestamps.
    private var pending: [(part: EventColumns, first: Int64, last: Int64)] = []
    /// Every epoch below this one is given out.
    private var givenBelow = Int64.min
    /// The late rows of each part that had some, copied.
    private var late: [EventColumns] = []

    public init(seconds: Int64) {
        self.seconds = seconds
    }

    /// How many parts are held (for tests and traces).
    public var heldParts: Int { pending.count }

    /// Takes the next part of the file (sorted by partition, then time);
    /// returns the epochs it completes, each as a selection (with rows).
    public mutating func add(_ part: EventColumns) -> [EventSelection] {
        guard let span = part.timestampSpan else { return [] }
        var out: [EventSelection] = []
        let firstEpoch = EventColumns.epoch(of: span.first, seconds: seconds)
        if firstEpoch < givenBelow { late.append(part.slice(from: .min, to: givenBelow * seconds)) }
        pending.append((part, span.first, span.last))
        let complete = firstEpoch - 1
        let earliest = pending.map { EventColumns.epoch(of: $0.first, seconds: seconds) }.min()!
        if complete > givenBelow && earliest < complete {
            // Only the parts with rows before `complete` hold rows of these epochs.
            let reaching = pending.filter { EventColumns.epoch(of: $0.first, seconds: seconds) < complete }.map(\.part)
            out += EventSelection.epochs(of: reaching, seconds: seconds, within: Swift.max(givenBelow, earliest) ..< complete).map(\.rows)
        }
        givenBelow = Swift.max(givenBelow, complete)
        let cut = givenBelow
        pending.removeAll { EventColumns.epoch(of: $0.last, seconds: seconds) < cut }
        return out
    }

    /// The epochs not given out yet, once the file's last part is added,
    /// then the late rows, a selection per epoch.
    public mutating func finish() -> [EventSelection] {
        defer {
            pending = []
            late = []
        }
        var out: [EventSelection] = []
        if !pending.isEmpty { out += EventSelection.epochs(of: pending.map(\.part), seconds: seconds, within: givenBelow ..< .max).map(\.rows) }
        if !late.isEmpty { out += EventSelection.epochs(of: late, seconds: seconds).map(\.rows) }
        return out
    }
}
