#include "engine/data/file_check.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <thread>
#include <vector>

#include "engine/data/image_file.h"
#include "engine/util/error.h"

namespace lb {

bool keptByCheck(const std::filesystem::path& file, const cv::Mat& raw) {
  std::string ext = file.extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  return raw.depth() == CV_8U && (raw.channels() == 1 || raw.channels() == 3) &&
         (ext == ".png" || ext == ".bmp");
}

FileCheck checkImageFiles(const DataItems& items, int threads,
                          const std::function<void(int, int)>& progress, DecodeCache* keep) {
  std::vector<int> toCheck(items.train);
  toCheck.insert(toCheck.end(), items.valid.begin(), items.valid.end());
  std::sort(toCheck.begin(), toCheck.end());
  toCheck.erase(std::unique(toCheck.begin(), toCheck.end()), toCheck.end());
  const int total = int(toCheck.size());
  std::vector<std::string> reasons(toCheck.size());
  std::vector<int> channels(toCheck.size(), 0);
  std::vector<ImageSize> sizes(items.size());
  std::atomic<int> next{0}, done{0};
  auto check = [&] {
    for (int k; (k = next++) < total;) {
      try {
        const auto& file = items.files[toCheck[k]];
        const cv::Mat raw = readImage(file, cv::IMREAD_UNCHANGED);
        channels[k] = raw.channels();
        sizes[std::size_t(toCheck[k])] = {raw.cols, raw.rows};
        if (keep && keptByCheck(file, raw)) keep->offer(std::size_t(toCheck[k]), raw);
      } catch (const Error& e) {
        reasons[k] = e.what();
      } catch (const std::exception& e) {  // cv::Exception, std::bad_alloc from a huge image
        reasons[k] = std::string("not an image OpenCV can read (") + e.what() + ")";
      }
      ++done;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) pool.emplace_back(check);
  while (progress && done < total) {
    progress(done, total);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (auto& t : pool) t.join();
  if (progress) progress(total, total);
  FileCheck out;
  out.sizes = std::move(sizes);
  for (int k = 0; k < total; ++k) {
    if (!reasons[k].empty()) out.unreadable.emplace(toCheck[k], reasons[k]);
    else if (channels[k] == 1) ++out.greyImages;
    else ++out.colourImages;
  }
  return out;
}

}  // namespace lb
