#include "app/equivalence_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QVBoxLayout>

#include "engine/core/palette.h"
#include "widgets/qcustomplot_include.h"

namespace lb {

EquivalenceDialog::EquivalenceDialog(QWidget* parent)
    : QDialog(parent), m_run(new DistributedRun(this)), m_plot(new QCustomPlot) {
  setWindowTitle(QStringLiteral("Equivalence check"));
  setObjectName(QStringLiteral("equivalenceDialog"));
  resize(760, 520);
  auto* layout = new QVBoxLayout(this);
  m_sentence = new QLabel;
  m_sentence->setObjectName(QStringLiteral("equivalenceSentence"));
  m_sentence->setWordWrap(true);
  layout->addWidget(m_sentence);
  m_plot->setObjectName(QStringLiteral("equivalencePlot"));
  m_plot->xAxis->setLabel(QStringLiteral("step"));
  m_plot->yAxis->setLabel(QStringLiteral("loss"));
  m_plot->legend->setVisible(true);
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  layout->addWidget(m_plot, 1);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
  connect(m_run, &DistributedRun::equivalenceDone, this, &EquivalenceDialog::showCurves);
  connect(m_run, &DistributedRun::failed, m_sentence, &QLabel::setText);
}

void EquivalenceDialog::start(const QString& projectFile, int processes, int batchSize, int steps) {
  m_plot->clearGraphs();
  m_plot->replot();
  m_sentence->setText(
      QStringLiteral("Training %1 steps on %2 processes at batch size %3 each, then on one "
                     "process at batch size %4 from the same weights...")
          .arg(steps)
          .arg(processes)
          .arg(batchSize)
          .arg(processes * batchSize));
  m_run->checkEquivalence(projectFile, processes, batchSize, steps);
}

QString EquivalenceDialog::sentence() const { return m_sentence->text(); }

void EquivalenceDialog::showCurves(const EquivalenceCurves& c) {
  m_plot->clearGraphs();
  // One process solid and wide underneath; the processes dashed on top, so both show where
  // they coincide.
  const auto add = [this](const std::vector<double>& losses, const QString& name,
                          std::uint32_t rgb, Qt::PenStyle style, double width) {
    QCPGraph* g = m_plot->addGraph();
    QVector<double> x, y;
    for (std::size_t i = 0; i < losses.size(); ++i) {
      x << double(i + 1);
      y << losses[i];
    }
    g->setData(x, y, true);
    g->setName(name);
    g->setPen(QPen(QColor(QRgb(rgb)), width, style));
  };
  add(c.oneProcess, QStringLiteral("1 process, batch size %1").arg(c.processCount * c.batchSize),
      palette::kBlue, Qt::SolidLine, 5);
  add(c.processes,
      QStringLiteral("%1 processes, batch size %2 each").arg(c.processCount).arg(c.batchSize),
      palette::kOrange, Qt::DashLine, 2.5);
  m_plot->rescaleAxes();
  m_plot->yAxis->scaleRange(1.1, m_plot->yAxis->range().center());  // no point on the frame
  m_plot->xAxis->setRange(0.5, double(c.oneProcess.size()) + 0.5);
  m_plot->replot();
  m_sentence->setText(c.sentence);
}

void EquivalenceDialog::done(int result) {
  m_run->stop();
  QDialog::done(result);
}

}  // namespace lb
