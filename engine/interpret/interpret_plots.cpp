#include "engine/interpret/interpret_plots.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/core/palette.h"
#include "engine/data/csv_table.h"
#include "engine/interpret/target_reports.h"
#include "engine/util/atomic_file.h"
#include "engine/util/axis_ticks.h"
#include "engine/util/error.h"

namespace lb {
namespace {

namespace fs = std::filesystem;

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr int kBox = 140;  // the side of an enlarged image, in px
constexpr double kLabelScale = 0.7, kTitleScale = 0.85;

cv::Scalar rgb(std::uint32_t hex) {
  return {double(hex & 0xff), double((hex >> 8) & 0xff), double(hex >> 16)};
}

// Okabe-Ito hues (safe for colour-blind readers) on the same pale background as the lr plot
// (engine/core/palette.h).
const cv::Scalar kBackground = rgb(palette::kBackground), kInk = rgb(palette::kInk),
                 kMuted = rgb(palette::kMuted), kPad = rgb(0xE6E6E6),
                 kWrong = rgb(palette::kVermillion), kRight = rgb(palette::kBlue),
                 kWhite = rgb(palette::kWhite);

void writePng(const cv::Mat& img, const fs::path& png, const std::string& what) {
  std::vector<uchar> bytes;
  if (!cv::imencode(".png", img, bytes)) throw Error("Could not encode the " + what + " as PNG.");
  writeFileAtomically(png, std::string(bytes.begin(), bytes.end()), what);
}

// Hershey fonts draw printable ASCII only; anything else shows as '?'.
std::string drawable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += (c >= 32 && c < 127) ? char(c) : '?';
  return out;
}

std::string className(const std::vector<std::string>& classes, int index) {
  return index >= 0 && std::size_t(index) < classes.size() ? classes[std::size_t(index)]
                                                          : std::to_string(index);
}

cv::Size textSize(const std::string& s, double scale, int thickness = 1) {
  int baseline = 0;
  return cv::getTextSize(drawable(s), kFont, scale, thickness, &baseline);
}

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale, const cv::Scalar& colour,
          int thickness = 1) {
  cv::putText(img, drawable(s), at, kFont, scale, colour, thickness, cv::LINE_AA);
}

// Text turned to read upwards; topLeft is the corner of the turned text's box.
void verticalText(cv::Mat& img, const std::string& s, cv::Point topLeft, double scale,
                  const cv::Scalar& colour, int thickness = 1) {
  int baseline = 0;
  const cv::Size sz = cv::getTextSize(drawable(s), kFont, scale, thickness, &baseline);
  cv::Mat tile(sz.height + baseline + 4, sz.width + 4, CV_8UC3, kBackground), turned;
  cv::putText(tile, drawable(s), {2, sz.height + 2}, kFont, scale, colour, thickness, cv::LINE_AA);
  cv::rotate(tile, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
  const cv::Rect where(topLeft, turned.size());
  if ((where & cv::Rect(0, 0, img.cols, img.rows)) == where) turned.copyTo(img(where));
}

std::string fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

cv::Mat toBgr(const Image8& im) {
  if (im.width <= 0 || im.height <= 0 ||
      im.pixels.size() != std::size_t(im.width) * std::size_t(im.height) * std::size_t(im.channels))
    throw Error("An image to draw has no pixels or the wrong number of them.");
  cv::Mat out;
  if (im.channels == 1) {
    cv::Mat gray(im.height, im.width, CV_8UC1, const_cast<std::uint8_t*>(im.pixels.data()));
    cv::cvtColor(gray, out, cv::COLOR_GRAY2BGR);  // shown as grey, never false colour
  } else if (im.channels == 3) {
    cv::Mat rgbImage(im.height, im.width, CV_8UC3, const_cast<std::uint8_t*>(im.pixels.data()));
    cv::cvtColor(rgbImage, out, cv::COLOR_RGB2BGR);
  } else {
    throw Error("Only grayscale and RGB images can be drawn, not " + std::to_string(im.channels) +
                " channels.");
  }
  return out;
}

// Enlarged by a whole factor with nearest neighbour, so each pixel stays a crisp square, or
// shrunk with area averaging; the aspect ratio is kept either way.
double fitFactor(int width, int height) {
  const int side = std::max(width, height);
  return side <= kBox ? std::floor(double(kBox) / side) : double(kBox) / side;
}

cv::Mat enlarge(const cv::Mat& img, int interpolationUp) {
  const double f = fitFactor(img.cols, img.rows);
  cv::Mat out;
  cv::resize(img, out, cv::Size(std::max(1, int(std::lround(img.cols * f))),
                                std::max(1, int(std::lround(img.rows * f)))),
             0, 0, f >= 1 ? interpolationUp : cv::INTER_AREA);
  return out;
}

cv::Mat heatColours(const HeatMap& map, cv::Size size) {
  if (map.width <= 0 || map.height <= 0 ||
      map.values.size() != std::size_t(map.width) * std::size_t(map.height))
    throw Error("A Grad-CAM map to draw has no values or the wrong number of them.");
  cv::Mat values(map.height, map.width, CV_32FC1, const_cast<float*>(map.values.data())), scaled,
      bytes, colours;
  // Bilinear: the map is smooth by nature, unlike the image's pixels.
  cv::resize(values, scaled, size, 0, 0, cv::INTER_LINEAR);
  scaled.convertTo(bytes, CV_8UC1, 255.0);
  cv::applyColorMap(bytes, colours, cv::COLORMAP_INFERNO);
  return colours;
}

// A cross or a tick in a filled disc, so right and wrong differ by shape as well as colour.
void badge(cv::Mat& img, cv::Point c, bool wrong) {
  const int r = 13;
  cv::circle(img, c, r + 2, kWhite, cv::FILLED, cv::LINE_AA);
  cv::circle(img, c, r, wrong ? kWrong : kRight, cv::FILLED, cv::LINE_AA);
  if (wrong) {
    const int d = 6;
    cv::line(img, c + cv::Point(-d, -d), c + cv::Point(d, d), kWhite, 3, cv::LINE_AA);
    cv::line(img, c + cv::Point(-d, d), c + cv::Point(d, -d), kWhite, 3, cv::LINE_AA);
  } else {
    cv::line(img, c + cv::Point(-7, 0), c + cv::Point(-2, 5), kWhite, 3, cv::LINE_AA);
    cv::line(img, c + cv::Point(-2, 5), c + cv::Point(7, -6), kWhite, 3, cv::LINE_AA);
  }
}

cv::Mat renderTopLosses(const Interpretation& in, bool gradCam) {
  const std::size_t n = in.topLosses.size();
  if (gradCam && in.gradCams.empty() && n > 0)
    throw Error("Grad-CAM needs a model with convolution layers, whose outputs are feature maps.");
  if (in.images.size() != n || (gradCam && in.gradCams.size() != n))
    throw Error("The interpretation has not one image (and Grad-CAM map) per top loss.");

  // Two lines under every image; the widest line sets the width of every cell.
  std::vector<std::string> first(n), loss(n), prob(n);
  const int dotGap = 22;  // room for the middle dot drawn between loss and probability
  int widest = kBox;
  for (std::size_t i = 0; i < n; ++i) {
    const TopLoss& t = in.topLosses[i];
    first[i] = "pred: " + className(in.classes, t.predicted) +
               " / actual: " + className(in.classes, t.actual);
    loss[i] = "loss " + fixed(t.loss, 2);
    prob[i] = "p " + fixed(t.probability, 2);
    widest = std::max({widest, textSize(first[i], kLabelScale).width,
                       textSize(loss[i], kLabelScale).width + dotGap +
                           textSize(prob[i], kLabelScale).width});
  }
  const int pad = 18, lineH = textSize("Ag", kLabelScale).height + 14;
  const int cellW = widest + 2 * pad, cellH = pad + kBox + 16 + 2 * lineH + pad / 2;
  const int cols = n == 0 ? 1 : int(std::ceil(std::sqrt(double(n))));
  const int rows = n == 0 ? 1 : int((n + std::size_t(cols) - 1) / std::size_t(cols));
  const int top = 78, legendH = gradCam ? 76 : 0, margin = 20;

  const std::string title =
      (gradCam ? "Top losses with Grad-CAM: " : "Top losses: ") + std::to_string(n) + " of " +
      std::to_string(in.validItems) + " validation items, largest loss first";
  const std::string subtitle = "under each image: prediction / actual class, then the item's loss "
                               "and the probability of the prediction";
  const int width = std::max({2 * margin + cols * cellW, textSize(title, kTitleScale, 2).width + 2 * margin,
                              textSize(subtitle, 0.6).width + 2 * margin});
  cv::Mat img(top + rows * cellH + legendH + margin, width, CV_8UC3, kBackground);
  text(img, title, {margin, 36}, kTitleScale, kInk, 2);
  text(img, subtitle, {margin, 64}, 0.6, kMuted);
  if (n == 0) text(img, "No validation items to show.", {margin, top + 40}, kLabelScale, kInk);
  const int x0 = (width - cols * cellW) / 2;

  for (std::size_t i = 0; i < n; ++i) {
    const TopLoss& t = in.topLosses[i];
    const bool wrong = !t.correct();
    const cv::Point cell(x0 + int(i % std::size_t(cols)) * cellW, top + int(i / std::size_t(cols)) * cellH);
    const cv::Rect box(cell.x + (cellW - kBox) / 2, cell.y + pad, kBox, kBox);
    cv::rectangle(img, box, kPad, cv::FILLED);  // neutral padding for images that are not square
    cv::Mat big = enlarge(toBgr(in.images[i]), cv::INTER_NEAREST);
    if (gradCam) {
      const cv::Mat heat = heatColours(in.gradCams[i], big.size());
      cv::addWeighted(big, 0.45, heat, 0.55, 0, big);
    }
    big.copyTo(img(cv::Rect(box.x + (kBox - big.cols) / 2, box.y + (kBox - big.rows) / 2, big.cols, big.rows)));
    cv::rectangle(img, {box.x - 3, box.y - 3}, {box.x + kBox + 2, box.y + kBox + 2},
                  wrong ? kWrong : kRight, 4, cv::LINE_AA);
    badge(img, {box.x + kBox - 2, box.y + 2}, wrong);

    // Labels centred under the image; the first line in the mark's colour, darkened to read well.
    const cv::Scalar labelColour = wrong ? kWrong * 0.85 : kInk;
    const int y1 = box.y + kBox + 16 + lineH - 12, y2 = y1 + lineH;
    const int w1 = textSize(first[i], kLabelScale).width;
    text(img, first[i], {cell.x + (cellW - w1) / 2, y1}, kLabelScale, labelColour);
    const int wl = textSize(loss[i], kLabelScale).width, wp = textSize(prob[i], kLabelScale).width;
    const int xl = cell.x + (cellW - (wl + dotGap + wp)) / 2;
    text(img, loss[i], {xl, y2}, kLabelScale, kInk);
    // Hershey fonts have no middle dot: draw one.
    const int dotY = y2 - textSize("x", kLabelScale).height / 2;
    cv::circle(img, {xl + wl + dotGap / 2, dotY}, 3, kMuted, cv::FILLED, cv::LINE_AA);
    text(img, prob[i], {xl + wl + dotGap, y2}, kLabelScale, kInk);
  }

  if (gradCam) {
    // The colour scale of the overlay: low evidence for the predicted class to high.
    const int barW = std::min(360, width - 2 * margin - 200), barH = 20;
    const std::string caption = "Grad-CAM for the predicted class:";
    const int capW = textSize(caption, 0.65).width, lowW = textSize("low", 0.65).width;
    const int total = capW + 16 + lowW + 10 + barW + 10 + textSize("high", 0.65).width;
    const int x = std::max(margin, (width - total) / 2), y = top + rows * cellH + 28;
    text(img, caption, {x, y + barH - 4}, 0.65, kInk);
    text(img, "low", {x + capW + 16, y + barH - 4}, 0.65, kInk);
    const int bx = x + capW + 16 + lowW + 10;
    cv::Mat ramp(1, barW, CV_8UC1), bar;
    for (int k = 0; k < barW; ++k) ramp.at<uchar>(0, k) = uchar(std::lround(255.0 * k / (barW - 1)));
    cv::applyColorMap(ramp, bar, cv::COLORMAP_INFERNO);
    cv::resize(bar, bar, {barW, barH}, 0, 0, cv::INTER_NEAREST);
    bar.copyTo(img(cv::Rect(bx, y, barW, barH)));
    cv::rectangle(img, {bx - 1, y - 1}, {bx + barW, y + barH}, kMuted, 1);
    text(img, "high", {bx + barW + 10, y + barH - 4}, 0.65, kInk);
  }
  return img;
}

// White to dark blue (matplotlib's "Blues", which fastai's plot uses), t in [0, 1].
cv::Scalar blues(double t) {
  const cv::Scalar stops[3] = {rgb(0xF7FBFF), rgb(0x6BAED6), rgb(0x08306B)};
  t = std::clamp(t, 0.0, 1.0) * 2;
  const int k = std::min(1, int(t));
  return stops[k] * (1 - (t - k)) + stops[k + 1] * (t - k);
}

cv::Mat renderConfusion(const Confusion& cm, const std::vector<std::string>& classes) {
  const int n = int(cm.counts.size());
  for (const auto& row : cm.counts)
    if (int(row.size()) != n) throw Error("The confusion matrix is not square.");
  const double labelScale = 0.62, countScale = 0.62;
  int labelW = 0, countW = 0;
  for (int i = 0; i < n; ++i) {
    labelW = std::max(labelW, textSize(className(classes, i), labelScale).width);
    for (long c : cm.counts[std::size_t(i)])
      countW = std::max(countW, textSize(std::to_string(c), countScale, 2).width);
  }
  const int cell = std::max(62, countW + 18), margin = 20;
  const int left = margin + 40 + labelW + 14, top = 100;
  const int gridW = n * cell, bottomLabels = labelW + 14;
  const std::string title = "Confusion matrix: " + std::to_string(cm.total()) +
                            " validation items, accuracy " + fixed(100 * cm.accuracy(), 1) + "%";
  const std::string subtitle = "count in each cell; colour: share of the actual class (row)";
  const int width = std::max({left + gridW + margin + 10, textSize(title, kTitleScale, 2).width + 2 * margin,
                              textSize(subtitle, 0.6).width + 2 * margin});
  const int height = top + gridW + 10 + bottomLabels + 50;
  cv::Mat img(height, width, CV_8UC3, kBackground);
  text(img, title, {margin, 38}, kTitleScale, kInk, 2);
  text(img, subtitle, {margin, 68}, 0.6, kMuted);

  for (int a = 0; a < n; ++a) {
    long rowSum = 0;
    for (long c : cm.counts[std::size_t(a)]) rowSum += c;
    for (int p = 0; p < n; ++p) {
      const long c = cm.counts[std::size_t(a)][std::size_t(p)];
      const double share = rowSum > 0 ? double(c) / double(rowSum) : 0.0;
      const cv::Rect r(left + p * cell, top + a * cell, cell, cell);
      cv::rectangle(img, r, blues(share), cv::FILLED);
      const std::string s = std::to_string(c);
      const cv::Size sz = textSize(s, countScale, 2);
      // Dark cells take white text; zeros are muted so the errors stand out.
      const cv::Scalar ink = share > 0.45 ? kWhite : (c == 0 ? rgb(0x9A9A9A) : kInk);
      text(img, s, {r.x + (cell - sz.width) / 2, r.y + (cell + sz.height) / 2}, countScale, ink,
           c == 0 ? 1 : 2);
    }
  }
  for (int k = 0; k <= n; ++k) {  // thin separators keep the cells countable on a projector
    cv::line(img, {left, top + k * cell}, {left + gridW, top + k * cell}, rgb(0xD0D0D0), 1);
    cv::line(img, {left + k * cell, top}, {left + k * cell, top + gridW}, rgb(0xD0D0D0), 1);
  }
  // The diagonal (right answers) outlined.
  for (int k = 0; k < n; ++k)
    cv::rectangle(img, cv::Rect(left + k * cell, top + k * cell, cell + 1, cell + 1), kInk, 1);

  for (int i = 0; i < n; ++i) {
    const std::string name = className(classes, i);
    const cv::Size sz = textSize(name, labelScale);
    text(img, name, {left - 12 - sz.width, top + i * cell + (cell + sz.height) / 2}, labelScale, kInk);
    // Along the bottom, turned to read upwards, ending next to the grid.
    int baseline = 0;
    const cv::Size full = cv::getTextSize(drawable(name), kFont, labelScale, 1, &baseline);
    verticalText(img, name, {left + i * cell + (cell - (full.height + baseline + 4)) / 2, top + gridW + 10},
                 labelScale, kInk);
  }
  const std::string predicted = "predicted", actual = "actual";
  const cv::Size ps = textSize(predicted, 0.7, 2), as = textSize(actual, 0.7, 2);
  text(img, predicted, {left + (gridW - ps.width) / 2, top + gridW + 10 + bottomLabels + 30}, 0.7,
       kInk, 2);
  verticalText(img, actual, {margin, top + (gridW - as.width) / 2}, 0.7, kInk, 2);
  return img;
}

std::string percent(double fraction) { return fixed(100 * fraction, 1) + "%"; }

cv::Mat renderPerLabel(const MultiLabelReport& report, double threshold) {
  const std::size_t n = report.labels.size();
  const double labelScale = 0.62;
  int nameW = 0;
  for (const LabelScores& l : report.labels)
    nameW = std::max(nameW, textSize(l.name, labelScale).width);
  const int margin = 20, top = 100, rowH = 34, barW = 420;
  const int left = margin + nameW + 14;
  std::vector<std::string> details(n);
  int detailW = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const LabelMetrics m = labelMetrics(report.labels[i], threshold);
    details[i] = "F1 " + fixed(m.f1, 2) + "   precision " + fixed(m.precision, 2) + "   recall " +
                 fixed(m.recall, 2) + "   accuracy " + percent(m.accuracy) + "   " +
                 std::to_string(report.labels[i].support) + " items";
    detailW = std::max(detailW, textSize(details[i], 0.55).width);
  }
  const double best = bestThreshold(report);
  const std::string title = "Per-label scores at threshold " + fixed(threshold, 2) +
                            ": accuracy_multi " + percent(accuracyMulti(report, threshold));
  const std::string subtitle = "bar: F1 of each label; the best threshold overall is " +
                               fixed(best, 2) + " (accuracy_multi " +
                               percent(accuracyMulti(report, best)) + ")";
  const int width = std::max({left + barW + 14 + detailW + margin,
                              textSize(title, kTitleScale, 2).width + 2 * margin,
                              textSize(subtitle, 0.6).width + 2 * margin});
  const int height = top + int(std::max<std::size_t>(n, 1)) * rowH + 50;
  cv::Mat img(height, width, CV_8UC3, kBackground);
  text(img, title, {margin, 38}, kTitleScale, kInk, 2);
  text(img, subtitle, {margin, 68}, 0.6, kMuted);
  if (n == 0) text(img, "No labels to show.", {margin, top + 30}, kLabelScale, kInk);
  for (std::size_t i = 0; i < n; ++i) {
    const LabelMetrics m = labelMetrics(report.labels[i], threshold);
    const int y = top + int(i) * rowH;
    const cv::Size sz = textSize(report.labels[i].name, labelScale);
    text(img, report.labels[i].name, {left - 12 - sz.width, y + (rowH + sz.height) / 2 - 2},
         labelScale, kInk);
    cv::rectangle(img, cv::Rect(left, y + 6, barW, rowH - 12), kPad, cv::FILLED);
    cv::rectangle(img, cv::Rect(left, y + 6, int(std::lround(barW * m.f1)), rowH - 12), kRight,
                  cv::FILLED);
    text(img, details[i], {left + barW + 14, y + (rowH + textSize("F", 0.55).height) / 2 - 2}, 0.55,
         kInk);
  }
  // F1 ticks under the bars.
  const int axisY = top + int(std::max<std::size_t>(n, 1)) * rowH + 4;
  for (int k = 0; k <= 4; ++k) {
    const int x = left + barW * k / 4;
    cv::line(img, {x, axisY}, {x, axisY + 6}, kMuted, 1);
    const std::string s = fixed(k / 4.0, 2);
    text(img, s, {x - textSize(s, 0.5).width / 2, axisY + 24}, 0.5, kMuted);
  }
  text(img, "F1", {left + barW + 14 + textSize("1.00", 0.5).width / 2, axisY + 24}, 0.5, kMuted);
  return img;
}

cv::Mat renderScatter(const RegressionReport& r) {
  const int width = 900, left = 110, right = width - 40, top = 110;
  const int bottom = top + (right - left), height = bottom + 90;  // square: y = x corner to corner
  cv::Mat img(height, width, CV_8UC3, kBackground);
  const std::size_t n = std::min(r.predicted.size(), r.actual.size());
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t i = 0; i < n; ++i)
    for (double v : {r.predicted[i], r.actual[i]})
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) lo -= 0.5, hi += 0.5;
  const double pad = 0.05 * (hi - lo);
  lo -= pad, hi += pad;
  const auto px = [&](double v) { return left + (v - lo) / (hi - lo) * (right - left); };
  const auto py = [&](double v) { return bottom - (v - lo) / (hi - lo) * (bottom - top); };
  const auto at = [&](double x, double y) {
    return cv::Point(int(std::lround(px(x))), int(std::lround(py(y))));
  };
  const std::string title = "Predicted against actual: " + std::to_string(n) +
                            " validation items";
  const std::string subtitle = "MAE " + fixed(r.mae, 3) + "   RMSE " + fixed(r.rmse, 3) +
                               "   R2 " + fixed(r.r2, 3) +
                               "   (on the line: exact; circled: the worst residuals)";
  text(img, title, {20, 38}, kTitleScale, kInk, 2);
  text(img, subtitle, {20, 68}, 0.6, kMuted);
  const cv::Scalar grid = rgb(0xE0E0E0);
  const double step = niceStep(hi - lo);
  for (double v = std::ceil(lo / step) * step; v <= hi; v += step) {
    const std::string s = tickLabel(v, step);
    const cv::Size sz = textSize(s, 0.55);
    const int x = int(std::lround(px(v))), y = int(std::lround(py(v)));
    cv::line(img, {x, top}, {x, bottom}, grid, 1, cv::LINE_AA);
    cv::line(img, {left, y}, {right, y}, grid, 1, cv::LINE_AA);
    text(img, s, {x - sz.width / 2, bottom + 14 + sz.height}, 0.55, kInk);
    text(img, s, {left - 12 - sz.width, y + sz.height / 2}, 0.55, kInk);
  }
  cv::rectangle(img, {left, top}, {right, bottom}, kMuted, 1, cv::LINE_AA);
  cv::line(img, at(lo, lo), at(hi, hi), kMuted, 2, cv::LINE_AA);
  for (std::size_t i = 0; i < n; ++i)
    cv::circle(img, at(r.actual[i], r.predicted[i]), 4, kRight, cv::FILLED, cv::LINE_AA);
  for (const Residual& w : r.worst)
    cv::circle(img, at(w.actual, w.predicted), 9, kWrong, 2, cv::LINE_AA);
  const std::string xLabel = "actual", yLabel = "predicted";
  text(img, xLabel, {(left + right - textSize(xLabel, 0.7, 2).width) / 2, bottom + 60}, 0.7, kInk, 2);
  verticalText(img, yLabel, {20, (top + bottom - textSize(yLabel, 0.7, 2).width) / 2}, 0.7, kInk, 2);
  return img;
}

cv::Mat renderWorstResiduals(const RegressionReport& r) {
  const std::size_t n = r.worst.size();
  if (r.images.size() != n) throw Error("The regression report has not one image per residual.");
  std::vector<std::string> first(n), second(n);
  int widest = kBox;
  for (std::size_t i = 0; i < n; ++i) {
    first[i] = "pred " + fixed(r.worst[i].predicted, 2) + " / actual " + fixed(r.worst[i].actual, 2);
    second[i] = "residual " + fixed(r.worst[i].residual(), 2);
    widest = std::max(widest, textSize(first[i], kLabelScale).width);
  }
  const int pad = 18, lineH = textSize("Ag", kLabelScale).height + 14, margin = 20, top = 78;
  const int cellW = widest + 2 * pad, cellH = pad + kBox + 16 + 2 * lineH + pad / 2;
  const int cols = n == 0 ? 1 : int(std::ceil(std::sqrt(double(n))));
  const int rows = n == 0 ? 1 : int((n + std::size_t(cols) - 1) / std::size_t(cols));
  const std::string title = "Worst residuals: " + std::to_string(n) + " of " +
                            std::to_string(r.actual.size()) +
                            " validation items, largest |predicted - actual| first";
  const std::string subtitle = "under each image: prediction / actual value, then the residual "
                               "(predicted - actual)";
  const int width = std::max({2 * margin + cols * cellW, textSize(title, kTitleScale, 2).width + 2 * margin,
                              textSize(subtitle, 0.6).width + 2 * margin});
  cv::Mat img(top + rows * cellH + margin, width, CV_8UC3, kBackground);
  text(img, title, {margin, 36}, kTitleScale, kInk, 2);
  text(img, subtitle, {margin, 64}, 0.6, kMuted);
  if (n == 0) text(img, "No validation items to show.", {margin, top + 40}, kLabelScale, kInk);
  const int x0 = (width - cols * cellW) / 2;
  for (std::size_t i = 0; i < n; ++i) {
    const cv::Point cell(x0 + int(i % std::size_t(cols)) * cellW, top + int(i / std::size_t(cols)) * cellH);
    const cv::Rect box(cell.x + (cellW - kBox) / 2, cell.y + pad, kBox, kBox);
    cv::rectangle(img, box, kPad, cv::FILLED);
    const cv::Mat big = enlarge(toBgr(r.images[i]), cv::INTER_NEAREST);
    big.copyTo(img(cv::Rect(box.x + (kBox - big.cols) / 2, box.y + (kBox - big.rows) / 2, big.cols, big.rows)));
    const int y1 = box.y + kBox + 16 + lineH - 12, y2 = y1 + lineH;
    text(img, first[i], {cell.x + (cellW - textSize(first[i], kLabelScale).width) / 2, y1},
         kLabelScale, kInk);
    text(img, second[i], {cell.x + (cellW - textSize(second[i], kLabelScale).width) / 2, y2},
         kLabelScale, kMuted);
  }
  return img;
}

}  // namespace

void writeTopLossesPlot(const Interpretation& interp, const std::filesystem::path& png, bool gradCam) {
  writePng(renderTopLosses(interp, gradCam), png, gradCam ? "Grad-CAM plot" : "top-losses plot");
}

void writeConfusionMatrixPlot(const Confusion& confusion, const std::vector<std::string>& classes,
                              const std::filesystem::path& png) {
  writePng(renderConfusion(confusion, classes), png, "confusion-matrix plot");
}

void writeTopLossesCsv(const Interpretation& interp, const std::filesystem::path& csv) {
  std::string out = "index,actual,predicted,loss,probability\n";
  char nums[96];
  for (const TopLoss& t : interp.topLosses) {
    std::snprintf(nums, sizeof nums, ",%.6f,%.6f\n", t.loss, t.probability);
    out += std::to_string(t.index);
    out += ',';
    out += csvField(className(interp.classes, t.actual));
    out += ',';
    out += csvField(className(interp.classes, t.predicted));
    out += nums;
  }
  writeFileAtomically(csv, out, "CSV file");
}

// Appends, rather than "," + s, which GCC 12 misreads as an overflow (-Wstringop-overflow).
void writeConfusionCsv(const Confusion& confusion, const std::vector<std::string>& classes,
                       const std::filesystem::path& csv) {
  std::string out = "actual\\predicted";
  for (std::size_t p = 0; p < confusion.counts.size(); ++p) {
    out += ',';
    out += csvField(className(classes, int(p)));
  }
  out += '\n';
  for (std::size_t a = 0; a < confusion.counts.size(); ++a) {
    out += csvField(className(classes, int(a)));
    for (long c : confusion.counts[a]) {
      out += ',';
      out += std::to_string(c);
    }
    out += '\n';
  }
  writeFileAtomically(csv, out, "CSV file");
}

void writeMostConfusedCsv(const std::vector<ConfusedPair>& pairs,
                          const std::vector<std::string>& classes, const std::filesystem::path& csv) {
  std::string out = "actual,predicted,count\n";
  for (const ConfusedPair& p : pairs) {
    out += csvField(className(classes, p.actual));
    out += ',';
    out += csvField(className(classes, p.predicted));
    out += ',';
    out += std::to_string(p.count);
    out += '\n';
  }
  writeFileAtomically(csv, out, "CSV file");
}

void writePerLabelCsv(const MultiLabelReport& report, double threshold,
                      const std::filesystem::path& csv) {
  std::string out = "label,support,accuracy,precision,recall,f1,best_threshold\n";
  char nums[160];
  for (const LabelScores& l : report.labels) {
    const LabelMetrics m = labelMetrics(l, threshold);
    std::snprintf(nums, sizeof nums, ",%ld,%.6f,%.6f,%.6f,%.6f,%.2f\n", l.support, m.accuracy,
                  m.precision, m.recall, m.f1, bestLabelThreshold(l));
    out += csvField(l.name);
    out += nums;
  }
  writeFileAtomically(csv, out, "CSV file");
}

void writePerLabelPlot(const MultiLabelReport& report, double threshold,
                       const std::filesystem::path& png) {
  writePng(renderPerLabel(report, threshold), png, "per-label plot");
}

void writePredictionsCsv(const Interpretation& interp, const std::filesystem::path& csv) {
  const RegressionReport& r = interp.regression;
  const std::size_t n = std::min(r.predicted.size(), r.actual.size());
  // Every item, worst first: the report's own ordering, extended to all items.
  const RegressionReport all = regressionReport(r.predicted, r.actual, int(n));
  std::string out = "index,name,actual,predicted,residual\n";
  char nums[128];
  for (const Residual& w : all.worst) {
    out += std::to_string(w.index);
    out += ',';
    if (std::size_t(w.index) < interp.validNames.size())
      out += csvField(interp.validNames[std::size_t(w.index)]);
    std::snprintf(nums, sizeof nums, ",%.6f,%.6f,%.6f\n", w.actual, w.predicted, w.residual());
    out += nums;
  }
  writeFileAtomically(csv, out, "CSV file");
}

void writeRegressionScatterPlot(const RegressionReport& report, const std::filesystem::path& png) {
  writePng(renderScatter(report), png, "scatter plot");
}

void writeWorstResidualsPlot(const RegressionReport& report, const std::filesystem::path& png) {
  writePng(renderWorstResiduals(report), png, "worst-residuals plot");
}

}  // namespace lb
