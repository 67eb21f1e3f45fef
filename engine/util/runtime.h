#pragma once
// Process and thread set-up the engine needs before it trains: LibTorch's intra-op thread count
// (Debian's build starts with one, and OpenMP keeps the count per calling thread, so every
// thread that trains must call useThreads), OpenCV's own pool, and glibc's allocator thresholds.

namespace lb {

// Sets the calling thread's intra-op thread count; 0 means one per core. Returns the count used.
int useThreads(int threads);

// For every thread that runs tensors beside the training thread (the GUI thread, previews,
// exports, loader workers): one intra-op thread. LibTorch gives a thread that has not chosen the
// last count any thread chose, so without this a preview would start a second OpenMP team;
// once its teams' threads outnumber the cores, libgomp throttles the spinning of every team
// for as long as those threads live, and training slows by a third (measured on 2 cores).
void useHelperThread();

// libgomp, LibTorch's OpenMP, reads OMP_WAIT_POLICY once, as the process starts; by default its
// idle threads spin for a while before they sleep, and on a machine where anything else runs (a
// compile, the GUI thread, a second rank) the spinning threads take the cores the working one
// needs. bench_compute measured one simple CNN step on the loaded 2-core machine 13x to 33x
// faster with OMP_WAIT_POLICY=PASSIVE than with the default at 2 threads. So a process started
// without the variable starts itself again (execv of /proc/self/exe, same arguments) with it set
// to PASSIVE; a value the user set is kept. Call first thing in main(), before any thread
// starts; it returns at once when the variable was set, or when the restart failed.
void usePassiveOpenMp(char** argv);

// Raises glibc's mmap and trim thresholds so freeing and re-allocating batch-sized tensors does
// not fault pages in every batch. Call once at start-up; harmless to call again.
void tuneAllocator();

}  // namespace lb
