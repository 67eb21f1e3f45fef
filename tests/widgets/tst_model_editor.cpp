// The Model page's editor, driven as a person would (offscreen): pick zoo entries and their
// options, build a layer list with the Add menu, the keyboard and a drag, break a Linear layer
// and read the red row and the sentence, undo and redo with the keys, and check that the
// summary runs off the GUI thread with the latest request winning.
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QToolButton>
#include <QUndoStack>
#include <QVBoxLayout>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "widgets/model_editor.h"

using lb::LayerKind;
using lb::LayerSpec;
using lb::ModelEditor;
using lb::ModelSpec;

namespace {
constexpr int kWaitMs = 60000;  // a ResNet at 224x224 on a busy 2-core machine
const QColor kErrorColor(0xD5, 0x5E, 0x00);
const QString kCross = QStringLiteral("\u2717");

template <typename W>
W* child(QObject* parent, const char* name) {
  auto* w = parent->findChild<W*>(QString::fromLatin1(name));
  if (!w) qWarning("no child named %s", name);
  return w;
}

// Selects the combo entry whose data is `value`, as picking it from the list does.
void pick(QComboBox* combo, const char* value) {
  const int index = combo->findData(QString::fromLatin1(value));
  QVERIFY(index >= 0);
  combo->setCurrentIndex(index);
}

void clickRow(QListWidget* list, int row) {
  QVERIFY(row < list->count());
  list->scrollToItem(list->item(row));
  const QRect r = list->visualItemRect(list->item(row));
  QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, r.center());
  QCOMPARE(list->currentRow(), row);
}

// Replaces the text of a line edit or spin box by typing.
void type(QWidget* field, const QString& text) {
  QTest::mouseClick(field, Qt::LeftButton, {}, QPoint(8, field->height() / 2));
  QTest::keyClick(field, Qt::Key_A, Qt::ControlModifier);
  QTest::keyClick(field, Qt::Key_Delete);
  QTest::keyClicks(field, text);
}

void showActive(QWidget* w) {
  w->resize(1100, 700);
  w->show();
  w->activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(w));
}

ModelSpec starter() {
  ModelSpec s;
  s.name = "layers";
  auto conv = [](int out) {
    LayerSpec l = lb::layerOf(LayerKind::Conv2d);
    l.out = out;
    l.stride = 2;
    return l;
  };
  s.layers = {conv(16), lb::layerOf(LayerKind::BatchNorm2d), lb::layerOf(LayerKind::ReLU),
              conv(32), lb::layerOf(LayerKind::ReLU), lb::layerOf(LayerKind::AdaptiveAvgPool2d),
              lb::layerOf(LayerKind::Flatten), lb::layerOf(LayerKind::Linear)};
  return s;
}

std::vector<LayerKind> kindsOf(const ModelSpec& s) {
  std::vector<LayerKind> k;
  for (const auto& l : s.layers) k.push_back(l.kind);
  return k;
}
}  // namespace

#define WAIT_SUMMARY(editor) QTRY_VERIFY_WITH_TIMEOUT(!(editor).isSummaryPending(), kWaitMs)

class TstModelEditor : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void resnet18ShowsItsTotals();
  void zooOptionsAreEdits();
  void badLinearIsMarkedAndUndoRedoFixesIt();
  void reorderWithKeysAndDrag();
  void deleteRemovesTheSelectedLayer();
  void setSpecRoundTripsEveryKind();
  void latestSummaryWins();
};

void TstModelEditor::resnet18ShowsItsTotals() {
  ModelEditor e;
  showActive(&e);
  QSignalSpy changed(&e, &ModelEditor::specChanged);
  QSignalSpy ready(&e, &ModelEditor::summaryReady);
  e.setInput({3, 224, 224}, 10);
  e.setSpec(ModelSpec{});
  WAIT_SUMMARY(e);
  QCOMPARE(changed.count(), 0);  // setSpec is not an edit

  pick(child<QComboBox>(&e, "modelChoice"), "resnet18");
  QCOMPARE(e.spec().name, std::string("resnet18"));
  QCOMPARE(changed.count(), 1);
  QCOMPARE(e.undoStack()->count(), 1);
  QVERIFY(child<QLabel>(&e, "summaryStatus")->text().startsWith(QStringLiteral("Computing")));
  QVERIFY(child<QCheckBox>(&e, "smallImagesCheck")->isVisible());
  QVERIFY(!child<QLineEdit>(&e, "channelsEdit")->isVisible());
  WAIT_SUMMARY(e);
  QVERIFY2(e.fits(), qPrintable(e.problem()));
  QVERIFY(e.problem().isEmpty());
  const QString totals = child<QLabel>(&e, "totalsLabel")->text();
  QVERIFY2(totals.contains(QStringLiteral("Total parameters: 11,181,642 (42.7 MB)")),
           qPrintable(totals));
  QVERIFY2(totals.contains(QStringLiteral("Trainable parameters: 11,181,642")), qPrintable(totals));
  QVERIFY(!child<QLabel>(&e, "problemLabel")->isVisible());
  auto* table = child<QTableWidget>(&e, "summaryTable");
  QCOMPARE(table->item(0, 0)->text(), QStringLiteral("Input"));
  QCOMPARE(table->item(0, 1)->text(), QStringLiteral("3x224x224"));
  QCOMPARE(table->item(table->rowCount() - 1, 1)->text(), QStringLiteral("10"));
  QVERIFY(!ready.isEmpty());
  QCOMPARE(ready.last().at(0).toBool(), true);
}

void TstModelEditor::zooOptionsAreEdits() {
  ModelEditor e;
  showActive(&e);
  e.setInput({1, 28, 28}, 10);
  e.setSpec(ModelSpec{});
  auto* channels = child<QLineEdit>(&e, "channelsEdit");
  QCOMPARE(channels->text(), QStringLiteral("24, 48, 96, 192"));
  type(channels, QStringLiteral("16, 32x"));  // the x is refused as it is typed
  QCOMPARE(channels->text(), QStringLiteral("16, 32"));
  QTest::keyClick(channels, Qt::Key_Return);
  QCOMPARE(e.spec().channels, (std::vector<int>{16, 32}));
  QCOMPARE(e.undoStack()->count(), 1);

  pick(child<QComboBox>(&e, "modelChoice"), "mlp");
  auto* hidden = child<QLineEdit>(&e, "hiddenEdit");
  QVERIFY(hidden->isVisible());
  type(hidden, QStringLiteral("128, 64"));
  QTest::keyClick(hidden, Qt::Key_Return);
  QCOMPARE(e.spec().hidden, (std::vector<int>{128, 64}));
  type(child<QDoubleSpinBox>(&e, "dropoutSpin"), QStringLiteral("0.2"));
  QCOMPARE(e.spec().dropout, 0.2);

  pick(child<QComboBox>(&e, "modelChoice"), "resnet34");
  auto* small = child<QCheckBox>(&e, "smallImagesCheck");
  QTest::mouseClick(small, Qt::LeftButton, {}, QPoint(8, small->height() / 2));
  QVERIFY(e.spec().smallImages);
  pick(child<QComboBox>(&e, "headCombo"), "fastai");
  QCOMPARE(e.spec().head, std::string("fastai"));
  QCOMPARE(e.spec().name, std::string("resnet34"));
  WAIT_SUMMARY(e);
  QVERIFY2(e.fits(), qPrintable(e.problem()));

  // Undo walks back through every option; the MLP's options are kept meanwhile.
  auto* stack = e.undoStack();
  while (stack->canUndo()) stack->undo();
  QCOMPARE(e.spec(), ModelSpec{});
  QCOMPARE(channels->text(), QStringLiteral("24, 48, 96, 192"));
}

void TstModelEditor::badLinearIsMarkedAndUndoRedoFixesIt() {
  // The editor inside a window that has its own Ctrl+Z in an Edit menu, as MainWindow will.
  QWidget window;
  auto* e = new ModelEditor;
  (new QVBoxLayout(&window))->addWidget(e);
  QAction* windowUndo = e->undoStack()->createUndoAction(&window);
  windowUndo->setShortcut(QKeySequence::Undo);
  window.addAction(windowUndo);
  QSignalSpy windowUndos(windowUndo, &QAction::triggered);
  showActive(&window);

  e->setInput({1, 28, 28}, 10);
  e->setSpec(ModelSpec{});
  pick(child<QComboBox>(e, "modelChoice"), "layers");
  QCOMPARE(e->spec().name, std::string("layers"));
  QCOMPARE(e->spec().layers.size(), std::size_t(9));  // the starter stack
  WAIT_SUMMARY(*e);
  QVERIFY2(e->fits(), qPrintable(e->problem()));

  auto* list = child<QListWidget>(e, "layerList");
  clickRow(list, 7);
  QCOMPARE(e->spec().layers[7].kind, LayerKind::Flatten);
  QTest::keyClick(list, Qt::Key_Insert);
  auto* menu = child<QMenu>(e, "addLayerMenu");
  QTRY_VERIFY(menu->isVisible());
  QAction* linear = child<QAction>(menu, "add_Linear");
  QTest::mouseClick(menu, Qt::LeftButton, {}, menu->actionGeometry(linear).center());
  QTRY_COMPARE(e->spec().layers.size(), std::size_t(10));
  QCOMPARE(e->spec().layers[8].kind, LayerKind::Linear);  // after the selection
  QCOMPARE(list->currentRow(), 8);
  QVERIFY(!menu->isVisible());
  // The offscreen platform leaves the closed popup active; a real one gives the window back.
  window.activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(&window));
  auto* in = child<QSpinBox>(e, "inSpin");
  QVERIFY(in->isVisible());
  QVERIFY(!child<QSpinBox>(e, "kernelSpin")->isVisible());
  WAIT_SUMMARY(*e);
  QVERIFY2(e->fits(), qPrintable(e->problem()));  // in inferred, out the class count

  type(in, QStringLiteral("100"));
  QCOMPARE(e->spec().layers[8].in, 100);
  QCOMPARE(e->undoStack()->count(), 3);  // choose, add, and the typing as one step
  WAIT_SUMMARY(*e);
  QVERIFY(!e->fits());
  QCOMPARE(e->problem(), QStringLiteral("Linear expects 100 inputs, gets 32: set in_features to 32."));
  auto* problem = child<QLabel>(e, "problemLabel");
  QVERIFY(problem->isVisible());
  QVERIFY(problem->text().contains(e->problem()));
  auto* table = child<QTableWidget>(e, "summaryTable");
  QCOMPARE(table->rowCount(), 10);  // input, 8 layers that fit, the bad one
  QVERIFY2(table->item(9, 0)->text().startsWith(kCross), qPrintable(table->item(9, 0)->text()));
  QVERIFY(table->item(9, 0)->text().contains(QStringLiteral("Linear")));
  QCOMPARE(table->item(9, 0)->foreground().color(), kErrorColor);
  QCOMPARE(table->item(9, 1)->text(), QStringLiteral("does not fit"));
  QVERIFY(table->item(8, 0)->foreground().color() != kErrorColor);
  QVERIFY(list->item(8)->text().startsWith(kCross));
  QCOMPARE(list->item(8)->foreground().color(), kErrorColor);
  QVERIFY(!list->item(7)->text().startsWith(kCross));

  // Ctrl+Z in the number field undoes the step on the editor's stack, not the field's text,
  // and the window's own Ctrl+Z does not fire as well.
  QSignalSpy changed(e, &ModelEditor::specChanged);
  QVERIFY(in->hasFocus());
  QTest::keyClick(in, Qt::Key_Z, Qt::ControlModifier);
  QCOMPARE(e->spec().layers[8].in, 0);
  QCOMPARE(e->undoStack()->index(), 2);
  QCOMPARE(windowUndos.count(), 0);
  QCOMPARE(changed.count(), 1);
  WAIT_SUMMARY(*e);
  QVERIFY2(e->fits(), qPrintable(e->problem()));
  QVERIFY(!problem->isVisible());
  QVERIFY(!list->item(8)->text().startsWith(kCross));

  list->setFocus();
  QTest::keyClick(list, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
  QCOMPARE(e->spec().layers[8].in, 100);
  WAIT_SUMMARY(*e);
  QVERIFY(!e->fits());
  QVERIFY(e->problem().startsWith(QStringLiteral("Linear expects 100 inputs")));
  QTest::keyClick(list, Qt::Key_Z, Qt::ControlModifier);
  QCOMPARE(e->spec().layers[8].in, 0);
  QTest::keyClick(list, Qt::Key_Y, Qt::ControlModifier);
  QCOMPARE(e->spec().layers[8].in, 100);
  QCOMPARE(changed.count(), 4);
  QCOMPARE(windowUndos.count(), 0);

  // Outside the editor the window's action still undoes.
  auto* outside = new QLineEdit;
  window.layout()->addWidget(outside);
  outside->setReadOnly(true);  // so that it does not take Ctrl+Z for its own text
  outside->setFocus();
  QTest::keyClick(outside, Qt::Key_Z, Qt::ControlModifier);
  QCOMPARE(windowUndos.count(), 1);
  QCOMPARE(e->spec().layers[8].in, 0);
}

void TstModelEditor::reorderWithKeysAndDrag() {
  ModelEditor e;
  showActive(&e);
  e.setInput({1, 28, 28}, 10);
  const ModelSpec original = starter();
  e.setSpec(original);
  QSignalSpy changed(&e, &ModelEditor::specChanged);
  auto* list = child<QListWidget>(&e, "layerList");
  clickRow(list, 2);
  QTest::keyClick(list, Qt::Key_Up, Qt::ControlModifier);
  QCOMPARE(kindsOf(e.spec())[1], LayerKind::ReLU);
  QCOMPARE(kindsOf(e.spec())[2], LayerKind::BatchNorm2d);
  QCOMPARE(list->currentRow(), 1);
  QCOMPARE(changed.count(), 1);
  QCOMPARE(changed.last().at(0).value<ModelSpec>(), e.spec());
  QVERIFY(list->item(1)->text().contains(QStringLiteral("ReLU")));
  QTest::keyClick(list, Qt::Key_Down, Qt::ControlModifier);
  QCOMPARE(e.spec(), original);
  QCOMPARE(changed.count(), 2);
  clickRow(list, 0);
  QVERIFY(!child<QToolButton>(&e, "moveUpButton")->isEnabled());  // nothing above the first

  // A drop moves the list's row; the editor turns the new order into an undoable step.
  QVERIFY(list->model()->moveRow(QModelIndex(), 0, QModelIndex(), 3));
  QTRY_COMPARE(changed.count(), 3);
  QCOMPARE(kindsOf(e.spec())[2], LayerKind::Conv2d);
  QCOMPARE(e.spec().layers[2].out, 16);
  QCOMPARE(kindsOf(e.spec())[0], LayerKind::BatchNorm2d);
  QCOMPARE(list->item(2)->data(Qt::UserRole).toInt(), 2);  // the rows follow the spec again
  e.undoStack()->undo();
  QCOMPARE(e.spec(), original);
}

void TstModelEditor::deleteRemovesTheSelectedLayer() {
  ModelEditor e;
  showActive(&e);
  e.setInput({1, 28, 28}, 10);
  const ModelSpec original = starter();
  e.setSpec(original);
  auto* list = child<QListWidget>(&e, "layerList");
  clickRow(list, 3);
  QTest::keyClick(list, Qt::Key_Delete);
  QCOMPARE(e.spec().layers.size(), original.layers.size() - 1);
  QCOMPARE(e.spec().layers[3].kind, LayerKind::ReLU);
  QCOMPARE(list->count(), 7);
  QCOMPARE(list->currentRow(), 3);
  QTest::mouseClick(child<QToolButton>(&e, "removeLayerButton"), Qt::LeftButton);
  QCOMPARE(e.spec().layers.size(), original.layers.size() - 2);
  list->setFocus();
  QTest::keyClick(list, Qt::Key_Z, Qt::ControlModifier);
  QTest::keyClick(list, Qt::Key_Z, Qt::ControlModifier);
  QCOMPARE(e.spec(), original);
  QCOMPARE(list->currentRow(), 3);
  WAIT_SUMMARY(e);
  QVERIFY2(e.fits(), qPrintable(e.problem()));
}

void TstModelEditor::setSpecRoundTripsEveryKind() {
  ModelSpec s;
  s.name = "layers";
  for (int k = 0; k <= int(LayerKind::Residual); ++k) {
    LayerSpec l = lb::layerOf(LayerKind(k));
    switch (l.kind) {
      case LayerKind::Conv2d: l.out = 8, l.kernel = 5, l.stride = 2, l.padding = 2, l.bias = false; break;
      case LayerKind::LeakyReLU: l.slope = 0.2; break;
      case LayerKind::MaxPool2d: l.kernel = 3, l.stride = 1; break;
      case LayerKind::AvgPool2d: l.kernel = 3; break;
      case LayerKind::AdaptiveAvgPool2d: l.size = 2; break;
      case LayerKind::Dropout: l.p = 0.25; break;
      case LayerKind::Linear: l.out = 7, l.in = 12; break;
      case LayerKind::Residual: l.out = 16, l.stride = 2; break;
      default: break;
    }
    s.layers.push_back(l);
  }
  ModelEditor e;
  showActive(&e);
  QSignalSpy changed(&e, &ModelEditor::specChanged);
  e.setSpec(s);
  QCOMPARE(e.spec(), s);
  auto* list = child<QListWidget>(&e, "layerList");
  QCOMPARE(list->count(), 12);
  QVERIFY(list->item(0)->text().contains(QStringLiteral("Conv2d 8, 5x5, stride 2, padding 2")));

  // Selecting each layer shows its own fields with its values, and edits nothing.
  clickRow(list, 0);
  QCOMPARE(child<QSpinBox>(&e, "kernelSpin")->value(), 5);
  QCOMPARE(child<QSpinBox>(&e, "paddingSpin")->value(), 2);
  QVERIFY(!child<QCheckBox>(&e, "biasCheck")->isChecked());
  QVERIFY(!child<QSpinBox>(&e, "inSpin")->isVisible());
  clickRow(list, int(LayerKind::Dropout));
  QVERIFY(child<QDoubleSpinBox>(&e, "pSpin")->isVisible());
  QCOMPARE(child<QDoubleSpinBox>(&e, "pSpin")->value(), 0.25);
  QVERIFY(!child<QSpinBox>(&e, "outSpin")->isVisible());
  clickRow(list, int(LayerKind::MaxPool2d));
  QCOMPARE(child<QSpinBox>(&e, "strideSpin")->value(), 1);
  clickRow(list, int(LayerKind::AvgPool2d));
  QCOMPARE(child<QSpinBox>(&e, "strideSpin")->text(), QStringLiteral("= kernel"));
  clickRow(list, int(LayerKind::Linear));
  QCOMPARE(child<QSpinBox>(&e, "inSpin")->value(), 12);
  QCOMPARE(child<QSpinBox>(&e, "outSpin")->value(), 7);
  clickRow(list, int(LayerKind::ReLU));
  QVERIFY(!child<QSpinBox>(&e, "outSpin")->isVisible());
  QVERIFY(!child<QSpinBox>(&e, "kernelSpin")->isVisible());
  clickRow(list, int(LayerKind::Residual));
  QCOMPARE(child<QSpinBox>(&e, "outSpin")->value(), 16);
  QCOMPARE(e.spec(), s);
  QCOMPARE(changed.count(), 0);
  QCOMPARE(e.undoStack()->count(), 0);
  QCOMPARE(lb::modelSpecFromJson(lb::modelSpecToJson(e.spec())), s);

  // setSpec clears the history.
  clickRow(list, 2);
  QTest::keyClick(list, Qt::Key_Delete);
  QCOMPARE(e.undoStack()->count(), 1);
  e.setSpec(s);
  QCOMPARE(e.undoStack()->count(), 0);
  QCOMPARE(e.spec(), s);
}

void TstModelEditor::latestSummaryWins() {
  ModelEditor e;
  QSignalSpy ready(&e, &ModelEditor::summaryReady);
  e.setInput({3, 224, 224}, 10);
  WAIT_SUMMARY(e);
  ready.clear();
  ModelSpec resnet;
  resnet.name = "resnet34";
  e.setSpec(resnet);  // starts the slow summary
  QVERIFY(e.isSummaryPending());
  e.setSpec(ModelSpec{});  // while it runs: its result must never be shown
  WAIT_SUMMARY(e);
  QCOMPARE(ready.count(), 1);
  QVERIFY(e.fits());
  QVERIFY2(e.summary().totalParameters < 1000000,
           qPrintable(child<QLabel>(&e, "totalsLabel")->text()));
  QCOMPARE(e.summary().inputShape, (std::vector<long long>{3, 224, 224}));
  QCOMPARE(e.summary().layers.back().outputShape, (std::vector<long long>{10}));
}

QTEST_MAIN(TstModelEditor)
#include "tst_model_editor.moc"
