#pragma once
// A spin box for learning rates: shows scientific notation ("1.0e-2"), accepts "0.001" or "1e-3",
// and steps along the 1-2-5 series (1e-3, 2e-3, 5e-3, 1e-2), which is how people try rates.
#include <QDoubleSpinBox>

namespace lb {

class ScientificSpinBox : public QDoubleSpinBox {
  Q_OBJECT
 public:
  explicit ScientificSpinBox(QWidget* parent = nullptr);

  QString textFromValue(double value) const override;
  double valueFromText(const QString& text) const override;
  QValidator::State validate(QString& text, int& pos) const override;
  void stepBy(int steps) override;

  // The 1-2-5 series value `steps` away from `value` (exposed for tests).
  static double stepSeries(double value, int steps);
};

}  // namespace lb
