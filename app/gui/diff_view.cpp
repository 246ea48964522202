#include "diff_view.h"

#include "background_job.h"
#include "base/error.h"
#include "diff_filter_proxy.h"
#include "diff_model.h"
#include "document_controller.h"
#include "heatmap_widget.h"
#include "histogram_widget.h"
#include "ops/edit/recipe.h"
#include "progress_strip.h"
#include "tree/key.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QSplitter>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

struct DiffView::Result {
    CheckpointPtr a, b; ///< what was compared: the opened sides after their recipes
    CheckpointPtr openedA, openedB; ///< as opened, before any recipe
    ckpt::DiffResult diff;
    std::optional<ckpt::Error> error; ///< of the comparison (a and b opened) or of opening one side
};

DiffView::DiffView(QWidget *parent)
    : QWidget(parent, Qt::Window)
    , m_model(new DiffModel(this))
    , m_proxy(new DiffFilterProxy(this))
    , m_diffJob(new BackgroundJob(this))
    , m_planeJob(new BackgroundJob(this))
{
    setWindowTitle(tr("Diff"));
    m_proxy->setSourceModel(m_model);
    auto *layout = new QVBoxLayout(this);

    auto *bar = new QHBoxLayout;
    m_diffOnly = new QCheckBox(tr("Differences only"), this);
    m_diffOnly->setChecked(true);
    bar->addWidget(m_diffOnly);
    bar->addSpacing(12);
    const DiffModel::Category cats[4] = {DiffModel::Added, DiffModel::Removed, DiffModel::Changed, DiffModel::Same};
    for (DiffModel::Category c : cats) {
        auto *box = new QCheckBox(DiffModel::categoryName(c), this);
        box->setChecked(m_proxy->categoryShown(c));
        m_toggles[c] = box;
        bar->addWidget(box);
        connect(box, &QCheckBox::toggled, this, [this, c](bool on) {
            m_proxy->setCategoryShown(c, on);
            QSignalBlocker block(m_diffOnly);
            m_diffOnly->setChecked(m_proxy->differencesOnly());
            m_tree->expandAll();
        });
    }
    connect(m_diffOnly, &QCheckBox::toggled, this, [this](bool on) {
        m_proxy->setDifferencesOnly(on);
        for (int c = 0; c < 4; ++c) {
            QSignalBlocker block(m_toggles[c]);
            m_toggles[c]->setChecked(m_proxy->categoryShown(DiffModel::Category(c)));
        }
        m_tree->expandAll();
    });
    bar->addSpacing(12);
    m_tolerance = new ToleranceBar(tr("close"), this);
    auto *compare = new QToolButton(this);
    compare->setText(tr("Compare again"));
    connect(compare, &QToolButton::clicked, this, [this] { recompare(); });
    bar->addWidget(m_tolerance);
    bar->addWidget(compare);
    bar->addStretch(1);
    m_strip = new ProgressStrip(this);
    m_strip->follow(m_diffJob);
    bar->addWidget(m_strip);
    layout->addLayout(bar);

    auto *renameBar = new QHBoxLayout;
    auto *renameLabel = new QLabel(tr("Rename A's paths:"), this);
    renameLabel->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    renameLabel->setToolTip(tr("REGEX=REPL per line: REGEX must match A's whole a/b/c path; \\1..\\9 in REPL "
                               "insert its groups; the first matching rule applies. Compare again to use them."));
    m_renameEdit = new QPlainTextEdit(this);
    m_renameEdit->setObjectName(QStringLiteral("renameRules"));
    m_renameEdit->setPlaceholderText(
        tr("One REGEX=REPL rule per line, e.g. params/Dense_(\\d+)/(.*)=model/layers/\\1/\\2"));
    m_renameEdit->setToolTip(renameLabel->toolTip());
    m_renameEdit->setTabChangesFocus(true);
    m_renameEdit->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_renameEdit->setFixedHeight(m_renameEdit->fontMetrics().lineSpacing() * 3 + 10);
    connect(m_renameEdit, &QPlainTextEdit::textChanged, this, &DiffView::parseRenames);
    m_renameMessage = new QLabel(this);
    m_renameMessage->setWordWrap(true);
    m_renameMessage->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_renameMessage->setTextInteractionFlags(Qt::TextSelectableByMouse);
    renameBar->addWidget(renameLabel);
    renameBar->addWidget(m_renameEdit, 2);
    renameBar->addWidget(m_renameMessage, 1);
    layout->addLayout(renameBar);

    // A recipe on one side maps it onto the other's names and layout before comparing, so a
    // conversion (e.g. Orbax -> safetensors with torch names) is checked against its source.
    auto *recipeBar = new QHBoxLayout;
    for (int side = 0; side < 2; ++side) {
        auto *edit = new QLineEdit(this);
        edit->setObjectName(side == 0 ? QStringLiteral("recipeA") : QStringLiteral("recipeB"));
        edit->setPlaceholderText(tr("recipe JSON applied to %1 before comparing (optional)")
                                     .arg(side == 0 ? QStringLiteral("A") : QStringLiteral("B")));
        edit->setClearButtonEnabled(true);
        auto *browse = new QToolButton(this);
        browse->setText(tr("Browse…"));
        connect(browse, &QToolButton::clicked, this, [this, edit] {
            const QString path
                = QFileDialog::getOpenFileName(this, tr("Recipe"), edit->text(), tr("Recipes (*.json);;All files (*)"));
            if (!path.isEmpty())
                edit->setText(path);
        });
        recipeBar->addWidget(new QLabel(side == 0 ? tr("Recipe A:") : tr("Recipe B:"), this));
        recipeBar->addWidget(edit, 1);
        recipeBar->addWidget(browse);
        (side == 0 ? m_recipeA : m_recipeB) = edit;
    }
    layout->addLayout(recipeBar);

    auto *split = new QSplitter(Qt::Vertical, this);
    m_tree = new QTreeView(split);
    m_tree->setModel(m_proxy);
    m_tree->setUniformRowHeights(true);
    m_tree->setSortingEnabled(true);
    m_tree->sortByColumn(DiffModel::MaxAbsColumn, Qt::DescendingOrder);
    m_tree->header()->setSectionResizeMode(QHeaderView::Interactive);
    m_tree->header()->resizeSection(DiffModel::NameColumn, 260);
    m_tree->header()->resizeSection(DiffModel::StatusColumn, 120);
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &DiffView::onSelection);

    auto *lower = new QWidget(split);
    auto *lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    m_pairLabel = new QLabel(tr("Select a changed array to compare its values."), lower);
    m_sharedScale = new QCheckBox(tr("Shared scale"), lower);
    m_sharedScale->setChecked(true);
    m_sharedScale->setToolTip(tr("A and B use one colour scale over both planes, so equal colours are equal "
                                 "values; A − B keeps its own scale around 0."));
    connect(m_sharedScale, &QCheckBox::toggled, this, &DiffView::applyScales);
    auto *pairBar = new QHBoxLayout;
    pairBar->addWidget(m_pairLabel, 1);
    pairBar->addWidget(m_sharedScale);
    lowerLayout->addLayout(pairBar);
    m_sliceBox = new QWidget(lower);
    m_sliceLayout = new QHBoxLayout(m_sliceBox);
    m_sliceLayout->setContentsMargins(0, 0, 0, 0);
    lowerLayout->addWidget(m_sliceBox);
    auto *plots = new QHBoxLayout;
    const auto titled = [lower](const QString &title, QWidget *w) {
        auto *box = new QVBoxLayout;
        auto *label = new QLabel(title, lower);
        label->setAlignment(Qt::AlignHCenter);
        box->addWidget(label);
        box->addWidget(w, 1);
        return box;
    };
    m_heatA = new HeatmapWidget(lower);
    m_heatB = new HeatmapWidget(lower);
    m_heatDiff = new HeatmapWidget(lower);
    m_hist = new HistogramWidget(lower);
    for (QWidget *w : {static_cast<QWidget *>(m_heatA), static_cast<QWidget *>(m_heatB),
             static_cast<QWidget *>(m_heatDiff), static_cast<QWidget *>(m_hist)})
        w->setMinimumSize(160, 140);
    plots->addLayout(titled(tr("A"), m_heatA), 1);
    plots->addLayout(titled(tr("B"), m_heatB), 1);
    plots->addLayout(titled(tr("A − B"), m_heatDiff), 1);
    plots->addLayout(titled(tr("Histogram of A − B"), m_hist), 1);
    lowerLayout->addLayout(plots, 1);
    split->addWidget(m_tree);
    split->addWidget(lower);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);
    showPlaneMessage({});
    resize(1200, 800);
}

DiffView::~DiffView()
{
    cancel();
    m_diffJob->waitForFinished();
    m_planeJob->abandon();
}

bool DiffView::isReadingPlanes() const
{
    return m_planeJob->isRunning() || m_planeJob->hasQueued();
}

namespace {
QString sideTitle(const QString &path, const std::optional<std::string> &step)
{
    return step ? DiffView::tr(" (step %1)").arg(QString::fromStdString(*step)).prepend(path) : path;
}

DiffView::CheckpointPtr openSide(const std::string &path, const ckpt::OpenOptions &open, const ckpt::Progress &p)
{
    return std::make_shared<const ckpt::Checkpoint>(ckpt::openCheckpoint(path, open, p));
}
} // namespace

void DiffView::start(CheckpointPtr a, CheckpointPtr b, const ckpt::DiffOptions &options)
{
    const QString titleA = sideTitle(
        QString::fromStdString(a->path), a->step ? std::optional<std::string>(a->step->text) : std::nullopt);
    const QString titleB = sideTitle(
        QString::fromStdString(b->path), b->step ? std::optional<std::string>(b->step->text) : std::nullopt);
    run([a](const ckpt::Progress &) { return a; }, [b](const ckpt::Progress &) { return b; }, titleA, titleB, options);
}

void DiffView::start(
    CheckpointPtr a, const QString &pathB, const ckpt::OpenOptions &openB, const ckpt::DiffOptions &options)
{
    const QString titleA = sideTitle(
        QString::fromStdString(a->path), a->step ? std::optional<std::string>(a->step->text) : std::nullopt);
    run([a](const ckpt::Progress &) { return a; },
        [path = pathB.toStdString(), openB](const ckpt::Progress &p) { return openSide(path, openB, p); }, titleA,
        sideTitle(pathB, openB.step), options);
}

void DiffView::start(const QString &pathA, const ckpt::OpenOptions &openA, const QString &pathB,
    const ckpt::OpenOptions &openB, const ckpt::DiffOptions &options)
{
    run([path = pathA.toStdString(), openA](const ckpt::Progress &p) { return openSide(path, openA, p); },
        [path = pathB.toStdString(), openB](const ckpt::Progress &p) { return openSide(path, openB, p); },
        sideTitle(pathA, openA.step), sideTitle(pathB, openB.step), options);
}

void DiffView::run(
    OpenSide openA, OpenSide openB, const QString &titleA, const QString &titleB, const ckpt::DiffOptions &options)
{
    m_diffJob->abandon();
    m_a.reset();
    m_b.reset();
    m_openedA.reset();
    m_openedB.reset();
    m_options = options;
    m_tolerance->setOptions(options.compare);
    QStringList rules;
    for (const ckpt::RenameRule &r : options.renames)
        rules << QString::fromStdString(r.text);
    if (rules != m_renameEdit->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        m_renameEdit->setPlainText(rules.join(QLatin1Char('\n')));
    parseRenames();
    setWindowTitle(tr("Diff: A = %1, B = %2").arg(titleA, titleB));
    m_model->setResult({});
    showPlaneMessage({});
    m_strip->showBusy(tr("Comparing…"));
    m_diffJob->start(
        [openA = std::move(openA), openB = std::move(openB), options,
            recipeA = m_recipeA->text().trimmed().toStdString(),
            recipeB = m_recipeB->text().trimmed().toStdString()](const ckpt::Progress &progress) {
            ckpt::Progress quiet;
            quiet.isCancelled = progress.isCancelled;
            Result r;
            r.openedA = r.a = openA(quiet);
            r.openedB = r.b = openB(quiet);
            try {
                ckpt::edit::Context context;
                context.progress = quiet;
                for (auto [side, recipe] : {std::pair{&r.a, &recipeA}, std::pair{&r.b, &recipeB}}) {
                    if (recipe->empty())
                        continue;
                    auto mapped = std::make_shared<ckpt::Checkpoint>(**side);
                    mapped->root = ckpt::replay(mapped->root, ckpt::loadRecipe(*recipe), context);
                    *side = std::move(mapped);
                }
                r.diff = ckpt::diffTrees(r.a->root, r.b->root, options, progress);
            } catch (const std::exception &e) {
                r.error = errorFromException(e);
            }
            return r;
        },
        [this](JobResult<Result> &&job) {
            Result r = job.value ? std::move(*job.value) : Result{};
            if (job.error)
                r.error = job.error;
            onDiffFinished(std::move(r));
        });
}

ckpt::DiffOptions DiffView::options() const
{
    ckpt::DiffOptions o = m_options;
    o.compare = m_tolerance->options(o.compare);
    o.renames = m_renames;
    return o;
}

void DiffView::parseRenames()
{
    m_renames.clear();
    m_renamesValid = true;
    QString message;
    const QStringList lines = m_renameEdit->toPlainText().split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines[i].trimmed().isEmpty())
            continue;
        try {
            m_renames.push_back(ckpt::RenameRule::parse(lines[i].toStdString()));
        } catch (const ckpt::Exception &e) {
            m_renamesValid = false;
            message = tr("Line %1: %2").arg(i + 1).arg(QString::fromStdString(e.error().message));
            break;
        }
    }
    if (m_renamesValid) {
        m_renameEdit->setStyleSheet({});
        m_renameMessage->setStyleSheet({});
        bool applied = m_renames.size() == m_options.renames.size();
        for (size_t i = 0; applied && i < m_renames.size(); ++i)
            applied = m_renames[i].text == m_options.renames[i].text;
        if (applied)
            m_renameMessage->setText(
                m_renames.empty() ? QString() : tr("%n rule(s) applied.", nullptr, int(m_renames.size())));
        else if (m_renames.empty())
            m_renameMessage->setText(tr("Compare again to diff without rename rules."));
        else
            m_renameMessage->setText(tr("%n rule(s); Compare again to apply.", nullptr, int(m_renames.size())));
    } else {
        m_renameEdit->setStyleSheet(QStringLiteral("QPlainTextEdit { color: #b00020; border: 1px solid #b00020; }"));
        m_renameMessage->setStyleSheet(QStringLiteral("color: #b00020;"));
        m_renameMessage->setText(message);
    }
}

bool DiffView::recompare()
{
    if (isRunning() || !m_openedA || !m_openedB || !m_renamesValid)
        return false;
    start(m_openedA, m_openedB, options());
    return true;
}

void DiffView::cancel()
{
    m_diffJob->cancel();
}

bool DiffView::isRunning() const
{
    return m_diffJob->isRunning();
}

QLabel *DiffView::statusLabel() const
{
    return m_strip->statusLabel();
}

void DiffView::onDiffFinished(Result &&r)
{
    if (r.error)
        m_pendingSelect.clear();
    if (r.error && r.error->category == ckpt::ErrorCategory::Cancelled) {
        m_strip->showDone(tr("Diff cancelled"));
        emit finished(false);
        return;
    }
    m_a = r.a;
    m_b = r.b;
    m_openedA = r.openedA; // kept when only the comparison failed (e.g. rename rules), so it can be run again
    m_openedB = r.openedB;
    if (r.error) {
        if (!m_openedA || !m_openedB) {
            m_a.reset();
            m_b.reset();
            m_openedA.reset();
            m_openedB.reset();
        }
        m_strip->showDone(tr("Diff failed: %1").arg(DocumentController::describe(*r.error)));
        emit finished(false);
        return;
    }
    const ckpt::DiffSummary s = r.diff.summary;
    m_model->setResult(std::move(r.diff));
    m_tree->expandAll();
    const uint64_t changed = s.pairs - s.counts[0] - s.counts[1] - s.counts[2];
    m_strip->showDone(s.identical() ? tr("Identical: %1 leaves").arg(s.pairs)
                                    : tr("%1 leaves: %2 changed, %3 added, %4 removed")
                                          .arg(s.pairs)
                                          .arg(changed)
                                          .arg(s.counts[int(ckpt::DiffStatus::Added)])
                                          .arg(s.counts[int(ckpt::DiffStatus::Removed)]));
    if (const QString path = std::exchange(m_pendingSelect, QString()); !path.isEmpty() && !selectPath(path)) {
        m_toggles[DiffModel::Same]->setChecked(true); // an unchanged leaf is hidden by default
        selectPath(path);
    }
    emit finished(true);
}

bool DiffView::selectPath(const QString &path)
{
    const QModelIndex source = m_model->indexForPath(path);
    const QModelIndex ix = m_proxy->mapFromSource(source);
    if (!ix.isValid())
        return false;
    for (QModelIndex p = ix.parent(); p.isValid(); p = p.parent())
        m_tree->expand(p);
    m_tree->setCurrentIndex(ix);
    m_tree->scrollTo(ix);
    return true;
}
