#include "engine/train/lr_plot.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "engine/core/palette.h"
#include "engine/util/atomic_file.h"
#include "engine/util/axis_ticks.h"
#include "engine/util/error.h"

namespace lb {
namespace {

namespace fs = std::filesystem;

constexpr int kWidth = 1000, kHeight = 650;
constexpr int kLeft = 100, kRight = kWidth - 40, kTop = 60, kBottom = kHeight - 90;
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

cv::Scalar rgb(std::uint32_t hex) {
  return {double(hex & 0xff), double((hex >> 8) & 0xff), double(hex >> 16)};
}

// Okabe-Ito, safe for colour-blind readers (engine/core/palette.h).
const cv::Scalar kBackground = rgb(palette::kBackground), kInk = rgb(palette::kInk),
                 kMuted = rgb(palette::kMuted), kGrid = rgb(0xE3E3E3), kCurve = rgb(palette::kBlue);
struct Mark {
  const char* name;
  cv::Scalar colour;
};
const Mark kMarks[4] = {{"valley", rgb(palette::kVermillion)},
                        {"slide", rgb(palette::kBluishGreen)},
                        {"minimum", rgb(palette::kOrange)},
                        {"steep", rgb(palette::kReddishPurple)}};

cv::Size textSize(const std::string& text, double scale, int thickness = 1) {
  int baseline = 0;
  return cv::getTextSize(text, kFont, scale, thickness, &baseline);
}

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale, const cv::Scalar& colour,
          int thickness = 1) {
  cv::putText(img, s, at, kFont, scale, colour, thickness, cv::LINE_AA);
}

// Places labels one by one where they cover the least: other labels, markers, the curve.
class LabelPlacer {
 public:
  LabelPlacer(std::vector<cv::Point> curve, std::vector<cv::Point> markers)
      : m_curve(std::move(curve)), m_markers(std::move(markers)) {}

  cv::Rect place(cv::Point marker, cv::Size size) {
    const int w = size.width, h = size.height, gap = 12;
    const std::vector<cv::Point> offsets = {
        {gap, -gap - h},      {gap, gap},      {-gap - w, -gap - h},      {-gap - w, gap},
        {gap, -3 * gap - h},  {gap, 3 * gap},  {-gap - w, -3 * gap - h},  {-gap - w, 3 * gap},
        {-w / 2, -2 * gap - h}, {-w / 2, 2 * gap}, {gap, -5 * gap - h}, {gap, 5 * gap},
        {-gap - w, -5 * gap - h}, {-gap - w, 5 * gap}};
    cv::Rect best;
    double bestScore = INFINITY;
    for (std::size_t k = 0; k < offsets.size(); ++k) {
      const cv::Rect r(marker + offsets[k], size);
      const double score = cost(r) + double(k);  // ties go to the nearer, earlier candidates
      if (score < bestScore) {
        bestScore = score;
        best = r;
      }
    }
    m_placed.push_back(best);
    return best;
  }

 private:
  double cost(const cv::Rect& r) const {
    const cv::Rect area(kLeft + 2, kTop + 2, kRight - kLeft - 4, kBottom - kTop - 4);
    double c = 0;
    if ((r & area) != r) c += 10000;
    const cv::Rect padded(r.x - 4, r.y - 4, r.width + 8, r.height + 8);
    for (const auto& p : m_placed) c += 5000 * double((padded & p).area() > 0);
    for (const auto& m : m_markers) c += 2000 * double(padded.contains(m));
    for (const auto& p : m_curve) c += 30 * double(padded.contains(p));
    return c;
  }

  std::vector<cv::Point> m_curve, m_markers;
  std::vector<cv::Rect> m_placed;
};

cv::Mat renderPlot(const LrFindResult& result, int numIt) {
  cv::Mat img(kHeight, kWidth, CV_8UC3, kBackground);

  // fastai's plot leaves out the last 5 points.
  const auto& pts = result.points;
  const std::size_t shown = pts.size() > 5 ? pts.size() - 5 : 0;
  double xMin = INFINITY, xMax = -INFINITY, yMin = INFINITY, yMax = -INFINITY;
  for (std::size_t i = 0; i < shown; ++i) {
    if (!std::isfinite(pts[i].smoothLoss) || !(pts[i].lr > 0)) continue;
    xMin = std::min(xMin, std::log10(pts[i].lr));
    xMax = std::max(xMax, std::log10(pts[i].lr));
    yMin = std::min(yMin, pts[i].smoothLoss);
    yMax = std::max(yMax, pts[i].smoothLoss);
  }
  if (!std::isfinite(xMin)) xMin = -7, xMax = 1, yMin = 0, yMax = 1;
  if (xMax - xMin < 1e-9) xMin -= 0.5, xMax += 0.5;
  if (yMax - yMin < 1e-9) yMin -= 0.5, yMax += 0.5;
  const double xPad = 0.02 * (xMax - xMin), yPad = 0.06 * (yMax - yMin);
  xMin -= xPad, xMax += xPad, yMin -= yPad, yMax += yPad;
  auto toPixel = [&](double lr, double loss) {
    return cv::Point(int(std::lround(kLeft + (std::log10(lr) - xMin) / (xMax - xMin) * (kRight - kLeft))),
                     int(std::lround(kBottom - (loss - yMin) / (yMax - yMin) * (kBottom - kTop))));
  };
  const double tickScale = 0.55, labelScale = 0.6, titleScale = 0.65;

  // Grid and ticks: powers of ten on x (minor ticks at 2..9), 1-2-5 steps on y.
  const int firstDecade = int(std::ceil(xMin)), lastDecade = int(std::floor(xMax));
  const int decadeStep = lastDecade - firstDecade > 10 ? 2 : 1;
  for (int d = int(std::floor(xMin)); d <= int(std::ceil(xMax)); ++d)
    for (int m = 2; m <= 9; ++m) {
      const double v = d + std::log10(double(m));
      if (v < xMin || v > xMax) continue;
      const int x = toPixel(std::pow(10.0, v), yMin).x;
      cv::line(img, {x, kBottom}, {x, kBottom + 4}, kMuted, 1, cv::LINE_AA);
    }
  for (int d = firstDecade; d <= lastDecade; d += decadeStep) {
    const int x = toPixel(std::pow(10.0, d), yMin).x;
    cv::line(img, {x, kTop}, {x, kBottom}, kGrid, 1, cv::LINE_AA);
    cv::line(img, {x, kBottom}, {x, kBottom + 8}, kInk, 1, cv::LINE_AA);
    const std::string s = "1e" + std::to_string(d);
    const cv::Size sz = textSize(s, tickScale);
    text(img, s, {x - sz.width / 2, kBottom + 14 + sz.height}, tickScale, kInk);
  }
  const double yStep = niceStep(yMax - yMin);
  for (double v = std::ceil(yMin / yStep) * yStep; v <= yMax; v += yStep) {
    const int y = toPixel(1, v).y;
    cv::line(img, {kLeft, y}, {kRight, y}, kGrid, 1, cv::LINE_AA);
    cv::line(img, {kLeft - 8, y}, {kLeft, y}, kInk, 1, cv::LINE_AA);
    const std::string s = tickLabel(std::abs(v) < yStep * 1e-6 ? 0.0 : v, yStep);
    const cv::Size sz = textSize(s, tickScale);
    text(img, s, {kLeft - 14 - sz.width, y + sz.height / 2}, tickScale, kInk);
  }
  cv::rectangle(img, {kLeft, kTop}, {kRight, kBottom}, kMuted, 1, cv::LINE_AA);

  // The curve, broken where the loss is not finite.
  std::vector<cv::Point> curve, run;
  auto flush = [&] {
    if (run.size() > 1) cv::polylines(img, run, false, kCurve, 2, cv::LINE_AA);
    run.clear();
  };
  for (std::size_t i = 0; i < shown; ++i) {
    if (!std::isfinite(pts[i].smoothLoss)) {
      flush();
      continue;
    }
    run.push_back(toPixel(pts[i].lr, pts[i].smoothLoss));
    // Densified, so the label placer sees every stretch of the line.
    if (run.size() > 1) {
      const cv::Point a = run[run.size() - 2], b = run.back();
      for (int k = 0; k < 8; ++k) curve.push_back(a + (b - a) * (k / 8.0));
    }
  }
  flush();

  // Suggestions: a dot on the curve and "name lr" beside it.
  const Suggestion* s[4] = {&result.suggestions.valley, &result.suggestions.slide,
                            &result.suggestions.minimum, &result.suggestions.steep};
  std::vector<cv::Point> markers(4, {-1000, -1000});
  for (int k = 0; k < 4; ++k) {
    const std::size_t at = std::size_t(numIt / 10 + s[k]->index);
    if (s[k]->valid() && at < shown) markers[k] = toPixel(pts[at].lr, s[k]->loss);
  }
  LabelPlacer placer(curve, markers);
  for (int k = 0; k < 4; ++k) {
    if (markers[k].x < 0) continue;
    cv::circle(img, markers[k], 7, kMarks[k].colour, cv::FILLED, cv::LINE_AA);
    cv::circle(img, markers[k], 7, kInk, 1, cv::LINE_AA);
  }
  for (int k = 0; k < 4; ++k) {
    if (markers[k].x < 0) continue;
    const std::string label = std::string(kMarks[k].name) + " " + formatLr(s[k]->lr);
    int baseline = 0;
    const cv::Size sz = cv::getTextSize(label, kFont, labelScale, 2, &baseline);
    const cv::Rect r = placer.place(markers[k], {sz.width, sz.height + baseline});
    // A leader line when the label had to move away from its dot.
    const cv::Point nearest(std::clamp(markers[k].x, r.x, r.x + r.width),
                            std::clamp(markers[k].y, r.y, r.y + r.height));
    if (cv::norm(nearest - markers[k]) > 24)
      cv::line(img, markers[k], nearest, kMarks[k].colour, 1, cv::LINE_AA);
    const cv::Point origin(r.x, r.y + sz.height);
    text(img, label, origin, labelScale, kBackground, 5);  // a halo over grid and curve
    // The same hue, darker, so light colours (orange) still read on the pale background.
    text(img, label, origin, labelScale, kMarks[k].colour * 0.8, 2);
  }

  // Titles.
  const std::string xTitle = "learning rate (log)";
  const cv::Size xs = textSize(xTitle, titleScale);
  text(img, xTitle, {(kLeft + kRight - xs.width) / 2, kHeight - 25}, titleScale, kInk);
  {
    const std::string yTitle = "loss";
    int baseline = 0;
    const cv::Size ys = cv::getTextSize(yTitle, kFont, titleScale, 1, &baseline);
    cv::Mat tile(ys.height + baseline + 4, ys.width + 4, CV_8UC3, kBackground), turned;
    cv::putText(tile, yTitle, {2, ys.height + 2}, kFont, titleScale, kInk, 1, cv::LINE_AA);
    cv::rotate(tile, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
    turned.copyTo(img(cv::Rect(18, (kTop + kBottom - turned.rows) / 2, turned.cols, turned.rows)));
  }
  const std::string title = "Learning rate finder: smoothed loss over " +
                            std::to_string(pts.size()) + " batches";
  text(img, title, {kLeft, kTop - 22}, titleScale, kInk);
  return img;
}

}  // namespace

std::string formatLr(double lr) {
  if (!std::isfinite(lr)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1e", lr);
  std::string s = buf;
  const auto e = s.find('e');
  return s.substr(0, e + 1) + std::to_string(std::stoi(s.substr(e + 1)));
}

void writeLrFindPlot(const LrFindResult& result, int numIt, const std::filesystem::path& png) {
  std::vector<uchar> bytes;
  if (!cv::imencode(".png", renderPlot(result, numIt), bytes))
    throw Error("Could not encode the learning-rate plot as PNG.");
  writeFileAtomically(png, std::string(bytes.begin(), bytes.end()), "plot");
}

void writeLrFindCsv(const LrFindResult& result, const std::filesystem::path& csv) {
  std::string out = "iteration,lr,loss,smooth_loss\n";
  char row[128];
  for (const auto& p : result.points) {
    std::snprintf(row, sizeof row, "%d,%.12g,%.12g,%.12g\n", p.iter, p.lr, p.loss, p.smoothLoss);
    out += row;
  }
  writeFileAtomically(csv, out, "CSV file");
}

}  // namespace lb
