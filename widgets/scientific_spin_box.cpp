#include "widgets/scientific_spin_box.h"

#include <QLocale>
#include <cmath>

#include "widgets/text_format.h"

namespace lb {

namespace {
constexpr double kMantissas[3] = {1.0, 2.0, 5.0};

double seriesValue(long long index) {
  const long long decade = index >= 0 ? index / 3 : -((-index + 2) / 3);
  return kMantissas[index - decade * 3] * std::pow(10.0, double(decade));
}
}  // namespace

ScientificSpinBox::ScientificSpinBox(QWidget* parent) : QDoubleSpinBox(parent) {
  // Many decimals so QDoubleSpinBox's rounding never turns 1e-6 into 0.
  setDecimals(12);
  // Wide enough for any rate a project holds; the NaN guard explains rates that are too high.
  setRange(1e-7, 1e4);
  setKeyboardTracking(false);
}

QString ScientificSpinBox::textFromValue(double value) const { return formatLearningRate(value); }

double ScientificSpinBox::valueFromText(const QString& text) const {
  bool ok = false;
  const double v = QLocale::c().toDouble(text.trimmed(), &ok);
  return ok ? v : value();
}

QValidator::State ScientificSpinBox::validate(QString& text, int& /*pos*/) const {
  const QString t = text.trimmed();
  if (t.isEmpty()) return QValidator::Intermediate;
  bool ok = false;
  const double v = QLocale::c().toDouble(t, &ok);
  if (ok)
    return (v >= minimum() && v <= maximum()) ? QValidator::Acceptable : QValidator::Intermediate;
  // Half-typed numbers such as "1e" or "1e-" may still become valid.
  for (const QChar c : t)
    if (!c.isDigit() && c != QLatin1Char('.') && c != QLatin1Char('e') && c != QLatin1Char('E') &&
        c != QLatin1Char('-') && c != QLatin1Char('+'))
      return QValidator::Invalid;
  return QValidator::Intermediate;
}

void ScientificSpinBox::stepBy(int steps) {
  setValue(stepSeries(value(), steps));
  selectAll();
}

double ScientificSpinBox::stepSeries(double value, int steps) {
  if (!(value > 0) || steps == 0) return value;
  // Largest series index whose value is <= value (with a little slack for rounding).
  long long index = std::llround(std::floor(std::log10(value))) * 3;
  while (seriesValue(index + 1) <= value * (1 + 1e-9)) ++index;
  while (seriesValue(index) > value * (1 + 1e-9)) --index;
  const bool onSeries = std::abs(seriesValue(index) - value) <= value * 1e-9;
  // Off the series, one step down lands on the value just below, which is `index` itself.
  const long long target = (steps < 0 && !onSeries) ? index + steps + 1 : index + steps;
  return seriesValue(target);
}

}  // namespace lb
