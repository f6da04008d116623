import Foundation

/// The event batches of an ingest, handed from the parse to the writer as
/// each epoch is encoded, in the order they are stored: each file's
/// batches in the order its epochs were given out, the files one after
/// the other. The writer stores each as it comes, beside the parse,
/// instead of all of them after it: at 100 M events that was 1.7 s of
/// writing 424 MB of segments at the end of the ingest, one core idle.
///
/// The parse puts, the writer takes; the parse always closes the feed,
/// whether it succeeds or throws (the writer then asks the parse itself
/// for its error).
final class BatchFeed: @unchecked Sendable {
    enum Item: Sendable {
        /// The next batch to store, of the ingest's `file`-th event file.
        case batch(file: Int, EncodedBatch)
        /// Every batch given so far is void: a part failed and the files
        /// are parsed again whole, whose batches follow.
        case takeBack
    }

    private let condition = NSCondition()
    // Under `condition`:
    private var items: [Item?] = []
    private var head = 0
    private var closed = false

    func put(_ item: Item) {
        condition.lock()
        precondition(!closed, "a batch put after the feed was closed")
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    /// No more items come.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next item, waiting for it; nil once the feed is closed and
    /// every item was taken. A taken item is no longer held here (a batch's
    /// segments are freed once the writer is done with them).
    func next() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        items[head] = nil
        head += 1
        return item
    }
}
