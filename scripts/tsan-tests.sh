#!/usr/bin/env bash
# ThreadSanitizer over the threads Learnbench starts (the `tsan` preset, build-tsan/): the
# window's training worker with Train, Stop and Pause (tst_training_session), the data loaders'
# worker threads (tst_data_block), and the Learner's stop and callbacks (tst_callbacks,
# tst_training), and helper threads starting together (tst_wait_policy). Not run by CI: a
# second instrumented build of the engine and the window (unity-built at -O1, as the asan one).
# LibTorch, its OpenMP (libgomp), QtCore and OpenCV are not instrumented; their races are
# suppressed in tests/sanitizers/tsan.supp. Extra arguments go to ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tests=(tst_training_session tst_data_block tst_callbacks tst_training tst_wait_policy)
nice cmake --preset tsan >/dev/null
nice cmake --build --preset tsan --target "${tests[@]}"
# Without address-space randomisation TSan's shadow memory fits on kernels with high mmap entropy.
regex="^($(IFS='|'; echo "${tests[*]}"))\$"
setarch "$(uname -m)" -R ctest --preset tsan -R "$regex" "$@"
