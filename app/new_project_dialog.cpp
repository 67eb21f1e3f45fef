#include "app/new_project_dialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <exception>

#include "app/page_style.h"
#include "engine/experiment/propose.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"
#include "widgets/text_format.h"

namespace lb {

namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
std::filesystem::path fsPath(const QString& s) { return std::filesystem::path(s.toStdString()); }
}  // namespace

NewProjectDialog::NewProjectDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("New project"));
  auto* layout = new QVBoxLayout(this);
  QLabel* title = pageTitle(tr("New project from your images"));
  QFont big = font();  // the window's zoom styles its own titles; a dialog opened later its own
  big.setBold(true);
  if (big.pointSizeF() > 0) big.setPointSizeF(big.pointSizeF() * 1.4);
  title->setFont(big);
  layout->addWidget(title);
  layout->addWidget(wrappedLabel(tr(
      "Choose a folder with a subfolder of images per class (cat/1.jpg, dog/2.jpg), or a CSV file "
      "that lists image files and their labels. Learnbench looks at the images and proposes how "
      "to use them; you can change every choice later on the Data and Model pages.")));

  auto* sourceRow = new QHBoxLayout;
  sourceRow->addWidget(new QLabel(tr("Images:"), this));
  m_source = new QLineEdit(this);
  m_source->setObjectName(QStringLiteral("newProjectSource"));
  m_source->setPlaceholderText(tr("a folder of images, or a CSV file"));
  m_source->setToolTip(tr("Type a path and press Enter, or choose one with the buttons"));
  sourceRow->addWidget(m_source, 1);
  auto* folderButton = new QPushButton(tr("Choose folder…"), this);
  folderButton->setObjectName(QStringLiteral("chooseFolderButton"));
  folderButton->setToolTip(tr("A folder with a subfolder per class, or train/ and valid/ folders"));
  auto* csvButton = new QPushButton(tr("Choose CSV file…"), this);
  csvButton->setToolTip(tr("A CSV file with a column of image files and a column of labels"));
  sourceRow->addWidget(folderButton);
  sourceRow->addWidget(csvButton);
  layout->addLayout(sourceRow);

  auto* box = new QGroupBox(tr("What Learnbench proposes"), this);
  auto* boxLayout = new QVBoxLayout(box);
  m_words = wrappedLabel(tr("Choose a folder of images above: the proposed data block and model "
                            "appear here."));
  m_words->setObjectName(QStringLiteral("proposalWords"));
  m_words->setTextFormat(Qt::RichText);
  boxLayout->addWidget(m_words);
  m_classes = new QTableWidget(0, 3, box);
  m_classes->setObjectName(QStringLiteral("proposalClasses"));
  m_classes->setHorizontalHeaderLabels({tr("Class"), tr("Training images"), tr("Validation images")});
  m_classes->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  m_classes->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  m_classes->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
  m_classes->verticalHeader()->setVisible(false);
  m_classes->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_classes->setSelectionMode(QAbstractItemView::NoSelection);
  m_classes->setVisible(false);
  boxLayout->addWidget(m_classes, 1);
  layout->addWidget(box, 1);

  auto* fileRow = new QHBoxLayout;
  fileRow->addWidget(new QLabel(tr("Save the project as:"), this));
  m_file = new QLineEdit(this);
  m_file->setObjectName(QStringLiteral("newProjectFile"));
  m_file->setPlaceholderText(tr("chosen beside the images once you pick them"));
  m_file->setToolTip(tr("The project file keeps the data block, the model and the runs; the "
                        "images stay where they are"));
  fileRow->addWidget(m_file, 1);
  auto* fileButton = new QPushButton(tr("Change…"), this);
  fileButton->setToolTip(tr("Save the project file somewhere else"));
  fileRow->addWidget(fileButton);
  layout->addLayout(fileRow);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  m_create = buttons->addButton(tr("Create project"), QDialogButtonBox::AcceptRole);
  m_create->setObjectName(QStringLiteral("createProjectButton"));
  m_create->setEnabled(false);
  m_create->setToolTip(tr("Write the project file and open it on the Data page"));
  makePrimary(m_create);
  layout->addWidget(buttons);

  connect(folderButton, &QPushButton::clicked, this, &NewProjectDialog::chooseFolder);
  connect(csvButton, &QPushButton::clicked, this, &NewProjectDialog::chooseCsv);
  connect(fileButton, &QPushButton::clicked, this, &NewProjectDialog::chooseProjectFile);
  connect(m_source, &QLineEdit::returnPressed, this, [this] { setSource(m_source->text()); });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(m_create, &QPushButton::clicked, this, &NewProjectDialog::create);
  resize(760, 620);
}

NewProjectDialog::~NewProjectDialog() = default;

void NewProjectDialog::setSource(const QString& source) {
  const QString path = QDir::cleanPath(QFileInfo(source).absoluteFilePath());
  m_source->setText(QDir::toNativeSeparators(path));
  m_proposal.reset();
  m_problem.clear();
  m_create->setEnabled(false);
  m_classes->setVisible(false);
  m_file->setText(QDir::toNativeSeparators(qs(proposedProjectFile(fsPath(path)).string())));
  m_words->setText(tr("Looking at the images in %1…").arg(path.toHtmlEscaped()));
  m_job.start(
      [path] {
        useHelperThread();
        return std::make_shared<DataProposal>(proposeDataBlock(fsPath(path)));
      },
      [this](std::shared_ptr<DataProposal> proposal) {
        m_proposal = std::move(proposal);
        showProposal(*m_proposal);
      },
      [this](const QString& sentence) { showProblem(sentence); });
}

void NewProjectDialog::setProjectFile(const QString& file) { m_file->setText(file); }
QString NewProjectDialog::projectFile() const { return QDir::fromNativeSeparators(m_file->text()); }
bool NewProjectDialog::hasProposal() const { return m_proposal != nullptr; }
QString NewProjectDialog::problem() const { return m_problem; }

QStringList NewProjectDialog::proposalLines() const {
  QStringList lines;
  if (m_proposal)
    for (const auto& line : m_proposal->lines) lines << qs(line);
  return lines;
}

void NewProjectDialog::showProposal(const DataProposal& p) {
  QString html = QStringLiteral("<ul style=\"margin-left:0\">");
  for (const auto& line : p.lines) {
    // "Split: ..." with the name of the choice in bold, so the five read as a list of choices.
    const QString text = qs(line).toHtmlEscaped();
    const int colon = text.indexOf(QLatin1Char(':'));
    html += QStringLiteral("<li><b>%1</b>%2</li>").arg(text.left(colon + 1), text.mid(colon + 1));
  }
  html += QStringLiteral("</ul>");
  if (!p.skipped.empty())
    html += tr("<p>%1 files cannot be used and will be left out, for example %2 (%3).</p>")
                .arg(p.skipped.size())
                .arg(qs(p.skipped.front().file).toHtmlEscaped(),
                     qs(p.skipped.front().reason).toHtmlEscaped());
  html += tr("<p>Press <b>Create project</b> to save it and see a preview of the data.</p>");
  m_words->setText(html);
  m_classes->setRowCount(int(p.classes.size()));
  for (int r = 0; r < int(p.classes.size()); ++r) {
    const ClassCount& c = p.classes[std::size_t(r)];
    m_classes->setItem(r, 0, new QTableWidgetItem(qs(c.name)));
    for (int col : {1, 2}) {
      auto* item = new QTableWidgetItem(formatCount(col == 1 ? c.train : c.valid));
      item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      m_classes->setItem(r, col, item);
    }
  }
  m_classes->setVisible(!p.classes.empty());
  m_create->setEnabled(true);
  Q_EMIT proposalFinished();
}

void NewProjectDialog::showProblem(const QString& sentence) {
  m_problem = sentence;
  m_words->setText(tr("<p><b>These images cannot make a project yet:</b> %1</p><p>Fix the "
                      "folder and choose it again, or choose another.</p>")
                       .arg(sentence.toHtmlEscaped()));
  m_create->setEnabled(false);
  Q_EMIT proposalFinished();
}

void NewProjectDialog::chooseFolder() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a folder of images"),
                                                        m_source->text());
  if (!dir.isEmpty()) setSource(dir);
}

void NewProjectDialog::chooseCsv() {
  const QString file = QFileDialog::getOpenFileName(
      this, tr("Choose a CSV file of images and labels"), m_source->text(),
      tr("CSV files (*.csv);;All files (*)"));
  if (!file.isEmpty()) setSource(file);
}

void NewProjectDialog::chooseProjectFile() {
  const QString file = QFileDialog::getSaveFileName(this, tr("Save the project as"), projectFile(),
                                                    tr("Learnbench projects (*.lbproj)"));
  if (!file.isEmpty()) setProjectFile(QDir::toNativeSeparators(file));
}

bool NewProjectDialog::create() {
  if (!m_proposal) return false;
  QString file = projectFile().trimmed();
  if (!file.endsWith(QStringLiteral(".lbproj"))) file += QStringLiteral(".lbproj");
  const QFileInfo info(file);
  QString why;
  if (file == QStringLiteral(".lbproj"))
    why = tr("Name the project file.");
  else if (info.exists())
    why = tr("%1 already exists: choose another name, or open it with File > Open project.")
              .arg(info.fileName());
  else if (!info.absoluteDir().exists())
    why = tr("The folder %1 does not exist: choose another place.").arg(info.absolutePath());
  if (why.isEmpty()) {
    try {
      saveProject(proposedProject(*m_proposal, fsPath(info.absoluteFilePath())),
                  fsPath(info.absoluteFilePath()));
    } catch (const std::exception& e) {
      why = qs(userMessage(e));
    }
  }
  if (!why.isEmpty()) {
    m_words->setText(m_words->text() + QStringLiteral("<p><b>%1</b></p>").arg(why.toHtmlEscaped()));
    return false;
  }
  m_file->setText(QDir::toNativeSeparators(info.absoluteFilePath()));
  accept();
  return true;
}

}  // namespace lb
