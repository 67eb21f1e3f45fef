#include "widgets/text_format.h"

#include <QLocale>
#include <cmath>

namespace lb {

QString formatLoss(double loss) {
  if (!std::isfinite(loss)) return QStringLiteral("not a number");
  return QString::number(loss, 'f', 4);
}

QString formatPercent(double fraction) {
  return QString::number(fraction * 100.0, 'f', 1) + QLatin1Char('%');
}

QString formatLearningRate(double lr) {
  // QString::number gives "2.1e-03"; drop the exponent's padding zeros and plus sign.
  QString text = QString::number(lr, 'e', 1);
  const int e = text.indexOf(QLatin1Char('e'));
  if (e < 0) return text;
  const QString mantissa = text.left(e);
  const int exponent = text.mid(e + 1).toInt();
  return mantissa + QStringLiteral("e") + QString::number(exponent);
}

QString formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  const long long s = std::llround(seconds);
  if (s < 60) return QStringLiteral("%1 s").arg(s);
  if (s < 3600) {
    const long long rest = s % 60;
    return rest == 0 ? QStringLiteral("%1 min").arg(s / 60)
                     : QStringLiteral("%1 min %2 s").arg(s / 60).arg(rest);
  }
  const long long minutes = (s % 3600) / 60;
  return minutes == 0 ? QStringLiteral("%1 h").arg(s / 3600)
                      : QStringLiteral("%1 h %2 min").arg(s / 3600).arg(minutes);
}

QString formatCount(long long n) {
  // English grouping whatever the system locale: the rest of the UI is English too.
  return QLocale(QLocale::English, QLocale::UnitedStates).toString(n);
}

QString formatMetric(const std::string& name, double value) {
  return name.find("accuracy") != std::string::npos ? formatPercent(value) : formatLoss(value);
}

}  // namespace lb
