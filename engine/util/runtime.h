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

// libgomp, LibTorch's OpenMP, reads its wait settings once, as the process starts. An idle team
// thread spins GOMP_SPINCOUNT rounds (about 100 a microsecond) before it sleeps: by default
// 300,000, so on a machine where anything else runs (a compile, a second rank) the spinning
// threads take the cores the working one needs (bench_compute: a step 13x to 33x slower than
// with OMP_WAIT_POLICY=PASSIVE, load 9 on 2 cores). PASSIVE sleeps at once, and every parallel
// region then pays a futex wake-up: on a quiet machine the simple CNN trained at half the speed
// (bench_loop, 2 threads). 10,000 rounds span the gaps between one step's kernels and sleep
// through anything longer: on a quiet machine as fast as spinning for ever, in the window too.
// So a process started with neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT set starts itself again
// (execv of /proc/self/exe, same arguments) with GOMP_SPINCOUNT=10000; a value the user set is
// kept (OMP_WAIT_POLICY=PASSIVE for a machine that is busy with other work). Call first thing in
// main(), before any thread starts; it returns at once when a variable was set, or when the
// restart failed.
void useShortOpenMpSpin(char** argv);

// Raises glibc's mmap and trim thresholds so freeing and re-allocating batch-sized tensors does
// not fault pages in every batch. Call once at start-up; harmless to call again.
void tuneAllocator();

}  // namespace lb
