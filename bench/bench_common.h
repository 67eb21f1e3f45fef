#pragma once
// Small helpers shared by the benchmark programs: medians and a steady clock.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

namespace lb::bench {

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

inline double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * double(v.size() - 1) + 0.5))];
}

// The options every benchmark takes: --limit N (training items, 0 = all), --repeats R,
// --threads T (intra-op threads, 0 = one per core).
struct Args {
  int limit = 0;
  int repeats = 3;
  int threads = 0;
};

inline Args parseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--limit")) args.limit = std::stoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--repeats")) args.repeats = std::stoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--threads")) args.threads = std::stoi(argv[i + 1]);
  }
  return args;
}

class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  }

 private:
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
};

}  // namespace lb::bench
