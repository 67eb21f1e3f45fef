#pragma once
// Numbers as the UI shows them (UI.md "Words"): losses to 4 digits, accuracy as a percentage with
// one decimal, learning rates in scientific notation with 2 significant digits, times in words.
#include <QString>
#include <string>

namespace lb {

QString formatLoss(double loss);         // "0.4123"
QString formatPercent(double fraction);  // 0.8531 -> "85.3%"
// An epoch's metric: accuracies as percentages, anything else (mae) as a loss is shown.
QString formatMetric(const std::string& name, double value);
QString formatLearningRate(double lr);   // 0.0021 -> "2.1e-3"
QString formatDuration(double seconds);  // "41 s", "1 min 12 s", "2 h 5 min"
QString formatCount(long long n);        // 60000 -> "60,000"

}  // namespace lb
