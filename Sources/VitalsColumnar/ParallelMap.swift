import Dispatch

/// Runs `body(0 ..< count)` on all cores and returns the results in index order.
/// Each index writes only its own slot, so no locking is needed.
public func parallelMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
    guard count > 1 else { return (0 ..< count).map(body) }
    let slots = UnsafeMutablePointer<T?>.allocate(capacity: count)
    slots.initialize(repeating: nil, count: count)
    defer {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    let shared = SlotPointer(base: slots)
    DispatchQueue.concurrentPerform(iterations: count) { index in
        shared.base[index] = body(index)
    }
    return (0 ..< count).map { slots[$0]! }
}

/// A pointer handed to worker threads that each write a distinct slot.
private struct SlotPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T?>
}
