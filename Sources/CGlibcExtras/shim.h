// glibc functions the Swift Glibc module does not export: malloc tuning
// (mallopt) for the ingest's memory policy, and Linux's sync_file_range
// (declared only under _GNU_SOURCE), to start writing a file's dirty
// pages back without waiting.
#include <malloc.h>

#if defined(__linux__)
int sync_file_range(int fd, long long offset, long long nbytes, unsigned int flags);

/// Starts writing back every dirty page of `fd`'s file; returns at once
/// (SYNC_FILE_RANGE_WRITE alone). 0, or -1 with errno.
static inline int vitals_start_writeback(int fd) {
    return sync_file_range(fd, 0, 0, 2 /* SYNC_FILE_RANGE_WRITE */);
}
#else
static inline int vitals_start_writeback(int fd) {
    (void)fd;
    return 0;
}
#endif
