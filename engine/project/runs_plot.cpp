#include "engine/project/runs_plot.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "engine/core/palette.h"
#include "engine/util/atomic_file.h"
#include "engine/util/axis_ticks.h"
#include "engine/util/error.h"

namespace lb {

namespace {
constexpr int kWidth = 1100, kHeight = 650;
constexpr int kLeft = 80, kRight = 740, kTop = 40, kBottom = 580;
const int kFont = cv::FONT_HERSHEY_SIMPLEX;

cv::Scalar bgr(std::uint32_t hex) {
  return {double(hex & 0xff), double((hex >> 8) & 0xff), double(hex >> 16)};
}

}  // namespace

std::uint32_t runColour(int k) {
  static const std::uint32_t colours[] = {palette::kBlue,          palette::kOrange,
                                          palette::kBluishGreen,   palette::kVermillion,
                                          palette::kReddishPurple, palette::kSkyBlue,
                                          palette::kYellow};
  return colours[std::size_t(k) % std::size(colours)];
}

void writeRunsPlot(const std::vector<StoredRun>& runs, const std::filesystem::path& png) {
  struct Curve {
    std::vector<cv::Point2d> train, valid;
  };
  std::vector<Curve> curves;
  double xMax = 1, yMax = 0;
  const std::vector<std::string> differ = differingSettings(runs);
  for (const StoredRun& run : runs) {
    Curve c;
    // Batches to epochs: the run's own batches per epoch (a run stopped early has fewer).
    const std::vector<StoredBatch> batches = loadBatches(run);
    int perEpoch = 1;
    for (const StoredBatch& b : batches) perEpoch = std::max(perEpoch, b.batch + 1);
    for (const StoredBatch& b : batches)
      c.train.push_back({b.epoch + double(b.batch + 1) / perEpoch, b.smoothLoss});
    for (const EpochResult& e : run.epochs)
      if (std::isfinite(e.validLoss)) c.valid.push_back({double(e.epoch + 1), e.validLoss});
    for (const auto* points : {&c.train, &c.valid})
      for (const auto& p : *points) {
        if (!std::isfinite(p.y)) continue;
        xMax = std::max(xMax, p.x);
        yMax = std::max(yMax, p.y);
      }
    curves.push_back(std::move(c));
  }
  if (yMax <= 0) throw Error("The runs have no losses to draw yet.");
  yMax *= 1.05;

  cv::Mat img(kHeight, kWidth, CV_8UC3, bgr(palette::kBackground));
  const auto toPixel = [&](cv::Point2d p) {
    return cv::Point(int(kLeft + p.x / xMax * (kRight - kLeft)),
                     int(kBottom - p.y / yMax * (kBottom - kTop)));
  };
  const cv::Scalar ink = bgr(palette::kInk), muted = bgr(palette::kMuted), grid(225, 225, 225);
  const double xStep = niceStep(xMax), yStep = niceStep(yMax);
  for (double x = 0; x <= xMax + 1e-9; x += xStep) {
    const cv::Point p = toPixel({x, 0});
    cv::line(img, {p.x, kTop}, {p.x, kBottom}, grid, 1);
    cv::putText(img, tickLabel(x, xStep), {p.x - 8, kBottom + 22}, kFont, 0.5, muted, 1, cv::LINE_AA);
  }
  for (double y = 0; y <= yMax + 1e-12; y += yStep) {
    const cv::Point p = toPixel({0, y});
    cv::line(img, {kLeft, p.y}, {kRight, p.y}, grid, 1);
    cv::putText(img, tickLabel(y, yStep), {kLeft - 60, p.y + 5}, kFont, 0.5, muted, 1, cv::LINE_AA);
  }
  cv::rectangle(img, {kLeft, kTop}, {kRight, kBottom}, ink, 1);
  cv::putText(img, "epoch", {(kLeft + kRight) / 2 - 25, kBottom + 50}, kFont, 0.6, ink, 1, cv::LINE_AA);
  cv::putText(img, "loss: smoothed train (solid), valid per epoch (dots)", {kLeft, kTop - 14}, kFont,
              0.55, ink, 1, cv::LINE_AA);

  for (std::size_t k = 0; k < curves.size(); ++k) {
    const cv::Scalar colour = bgr(runColour(int(k)));
    std::vector<cv::Point> line;
    for (const auto& p : curves[k].train)
      if (std::isfinite(p.y)) line.push_back(toPixel(p));
    if (line.size() > 1) cv::polylines(img, line, false, colour, 2, cv::LINE_AA);
    std::vector<cv::Point> valid;
    for (const auto& p : curves[k].valid) valid.push_back(toPixel(p));
    if (valid.size() > 1) cv::polylines(img, valid, false, colour, 1, cv::LINE_AA);
    for (const auto& p : valid) cv::circle(img, p, 6, colour, cv::FILLED, cv::LINE_AA);
    // The legend: the run's label, then its best valid loss and the settings that differ.
    const int y = kTop + 20 + int(k) * 48;
    cv::line(img, {kRight + 16, y - 5}, {kRight + 44, y - 5}, colour, 3, cv::LINE_AA);
    cv::putText(img, runs[k].label().substr(0, 26), {kRight + 52, y}, kFont, 0.5, ink, 1,
                cv::LINE_AA);
    char best[48];
    std::snprintf(best, sizeof best, "best valid %.3f", runs[k].bestValidLoss());
    std::string detail = best;
    for (const std::string& path : differ) detail += "  " + path + " " + settingValue(runs[k], path);
    cv::putText(img, detail.substr(0, 40), {kRight + 52, y + 20}, kFont, 0.42, muted, 1, cv::LINE_AA);
  }

  std::vector<uchar> bytes;
  if (!cv::imencode(".png", img, bytes)) throw Error("Cannot encode the runs plot as PNG.");
  writeFileAtomically(png, std::string(bytes.begin(), bytes.end()), "plot");
}

}  // namespace lb
