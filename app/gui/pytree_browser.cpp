#include "pytree_browser.h"

#include "pytree_filter_proxy.h"
#include "pytree_model.h"

#include "tree/dtype.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QStyle>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>
#include <set>

PytreeBrowser::PytreeBrowser(QWidget *parent)
    : QWidget(parent)
    , m_model(new PytreeModel(this))
    , m_proxy(new PytreeFilterProxy(this))
{
    m_proxy->setSourceModel(m_model);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 0, 4);
    auto *filterRow = new QHBoxLayout;
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter by path, e.g. Dense_0/kernel"));
    m_filter->setClearButtonEnabled(true);
    m_filter->addAction(style()->standardIcon(QStyle::SP_FileDialogContentsView), QLineEdit::LeadingPosition);
    filterRow->addWidget(m_filter, 1);
    m_regex = new QCheckBox(tr("Regex"), this);
    m_regex->setToolTip(tr("Treat the filter as a regular expression"));
    filterRow->addWidget(m_regex);
    m_dtype = new QComboBox(this);
    m_dtype->setToolTip(tr("Show only arrays of this dtype"));
    m_dtype->addItem(tr("All dtypes"), QString());
    m_dtype->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    filterRow->addWidget(m_dtype);
    layout->addLayout(filterRow);

    m_tree = new QTreeView(this);
    m_tree->setModel(m_proxy);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    // File order until a header is clicked; then that column, names in natural order.
    m_tree->header()->setSortIndicator(-1, Qt::AscendingOrder);
    m_tree->setSortingEnabled(true);
    m_tree->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_tree->header()->setStretchLastSection(true);
    // Wide enough for the longest common value of each column in the view's font.
    // Shape and Size are shown in the fixed-pitch font (PytreeModel's FontRole).
    const QFontMetrics metrics = m_tree->fontMetrics();
    const QFontMetrics fixedMetrics(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    const auto fit = [&](const QString &longest) { return metrics.horizontalAdvance(longest) + 14; };
    const auto fitFixed = [&](const QString &longest) { return fixedMetrics.horizontalAdvance(longest) + 14; };
    m_tree->setColumnWidth(PytreeModel::NameColumn, std::max(210, fit(QStringLiteral("Dense_0_kernel_scale"))));
    m_tree->setColumnWidth(PytreeModel::KindColumn, fit(QStringLiteral("empty_dict")));
    m_tree->setColumnWidth(PytreeModel::DTypeColumn, fit(QStringLiteral("bfloat16")));
    m_tree->setColumnWidth(PytreeModel::ShapeColumn, fitFixed(QStringLiteral("(64, 64, 3, 3)")));
    m_tree->setColumnWidth(PytreeModel::SizeColumn, fitFixed(QStringLiteral("999.9 KiB")));
    m_tree->setColumnWidth(
        PytreeModel::ParamsColumn, std::max(fitFixed(QStringLiteral("999.99M")), fit(tr("Parameters")) + 6));
    layout->addWidget(m_tree, 1);
    m_matches = new QLabel(this);
    m_matches->hide();
    layout->addWidget(m_matches);

    auto *filterTimer = new QTimer(this);
    filterTimer->setSingleShot(true);
    filterTimer->setInterval(200);
    connect(m_filter, &QLineEdit::textChanged, filterTimer, qOverload<>(&QTimer::start));
    connect(filterTimer, &QTimer::timeout, this, &PytreeBrowser::applyFilter);
    connect(m_regex, &QCheckBox::toggled, this, &PytreeBrowser::applyFilter);
    connect(m_dtype, &QComboBox::currentIndexChanged, this, &PytreeBrowser::applyFilter);
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this, &PytreeBrowser::onCurrentChanged);
    m_tree->setEditTriggers(QAbstractItemView::EditKeyPressed);
    m_tree->installEventFilter(this);
    // Queued: the model is replaced by the edit, which must not happen inside the view's own
    // editor commit or drop handling.
    connect(m_model, &PytreeModel::renameRequested, this, &PytreeBrowser::renameRequested, Qt::QueuedConnection);
    connect(m_model, &PytreeModel::moveRequested, this, &PytreeBrowser::moveRequested, Qt::QueuedConnection);
    connect(m_model, &PytreeModel::graftRequested, this, &PytreeBrowser::graftRequested, Qt::QueuedConnection);
}

void PytreeBrowser::setEditable(bool on)
{
    m_editable = on;
    m_model->setEditable(on);
    m_tree->setDragEnabled(on);
    m_tree->setAcceptDrops(on);
    m_tree->viewport()->setAcceptDrops(on);
    m_tree->setDropIndicatorShown(on);
    m_tree->setDragDropMode(on ? QAbstractItemView::DragDrop : QAbstractItemView::NoDragDrop);
    m_tree->setDefaultDropAction(Qt::MoveAction);
}

bool PytreeBrowser::editCurrentName()
{
    const QModelIndex ix = m_tree->currentIndex().siblingAtColumn(PytreeModel::NameColumn);
    if (!m_editable || !ix.isValid() || !(ix.flags() & Qt::ItemIsEditable))
        return false;
    m_tree->setCurrentIndex(ix);
    m_tree->edit(ix);
    return m_tree->indexWidget(ix) != nullptr;
}

QString PytreeBrowser::currentPath() const
{
    return currentPathText(false);
}

bool PytreeBrowser::eventFilter(QObject *watched, QEvent *event)
{
    // Keys typed into an open name editor go to the editor, not to the tree.
    if (watched == m_tree && m_editable
        && (event->type() == QEvent::ShortcutOverride || event->type() == QEvent::KeyPress)) {
        auto *key = static_cast<QKeyEvent *>(event);
        const bool del = key->key() == Qt::Key_Delete && key->modifiers() == Qt::NoModifier;
        const bool f2 = key->key() == Qt::Key_F2 && key->modifiers() == Qt::NoModifier;
        if (del || f2) {
            // Handled here rather than by window shortcuts so that the keys work in the tree
            // whether or not its window is active.
            event->accept();
            if (event->type() == QEvent::KeyPress) {
                if (f2)
                    editCurrentName();
                else if (const QString path = currentPath(); !path.isEmpty())
                    emit deleteRequested(path);
            }
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void PytreeBrowser::showEdited(const ckpt::NodePtr &root, const ckpt::NodePtr &baseline,
    const QHash<QString, QString> &notes, const std::pair<QString, QString> &moved)
{
    const auto follow = [&moved](const QString &path) -> QString {
        if (moved.first.isEmpty())
            return path;
        if (path == moved.first)
            return moved.second;
        if (path.startsWith(moved.first + QLatin1Char('/')))
            return moved.second + path.mid(moved.first.size());
        return path;
    };
    QStringList expanded;
    QList<QModelIndex> queue{QModelIndex()};
    while (!queue.isEmpty()) {
        const QModelIndex p = queue.takeFirst();
        for (int r = 0; r < m_proxy->rowCount(p); ++r) {
            const QModelIndex c = m_proxy->index(r, 0, p);
            if (m_tree->isExpanded(c)) {
                expanded.append(follow(c.data(PytreeModel::PathRole).toString()));
                queue.append(c);
            }
        }
    }
    const QString current = follow(currentPath());
    const int scroll = m_tree->verticalScrollBar()->value();
    m_model->setRoot(root, baseline, notes, true);
    applyFilter();
    restoreView(expanded, current, scroll);
}

void PytreeBrowser::restoreView(const QStringList &expanded, const QString &current, int scroll)
{
    for (const QString &path : expanded) {
        const QModelIndex ix = m_proxy->mapFromSource(m_model->indexForPath(ckpt::parsePath(path.toStdString())));
        if (ix.isValid())
            m_tree->expand(ix);
    }
    // The current row, or its nearest ancestor that still exists.
    for (QString path = current; !path.isEmpty(); path = path.section(QLatin1Char('/'), 0, -2)) {
        const QModelIndex src = m_model->indexForPath(ckpt::parsePath(path.toStdString()));
        const QModelIndex ix = m_proxy->mapFromSource(src);
        if (ix.isValid()) {
            m_tree->setCurrentIndex(ix);
            break;
        }
    }
    if (!m_tree->currentIndex().isValid())
        emit currentChanged(nullptr, {});
    m_tree->verticalScrollBar()->setValue(scroll);
}

void PytreeBrowser::setRoot(const ckpt::NodePtr &root)
{
    m_model->setRoot(root);
    std::set<std::string> dtypes;
    if (root) {
        ckpt::forEachLeaf(root, [&](const ckpt::Path &, const ckpt::NodePtr &n) {
            if (n->kind() == ckpt::NodeKind::Array)
                dtypes.insert(std::string(ckpt::dtypeName(n->arrayInfo().dtype)));
        });
    }
    const QString keep = m_dtype->currentData().toString();
    {
        const QSignalBlocker block(m_dtype);
        m_dtype->clear();
        m_dtype->addItem(tr("All dtypes"), QString());
        for (const auto &d : dtypes)
            m_dtype->addItem(QString::fromStdString(d), QString::fromStdString(d));
        m_dtype->setCurrentIndex(std::max(0, m_dtype->findData(keep)));
    }
    applyFilter();
    // Show the first level opened; deeper levels are fetched as the user expands.
    if (m_proxy->canFetchMore({}))
        m_proxy->fetchMore({});
    if (m_proxy->rowCount() <= 20) {
        for (int r = 0; r < m_proxy->rowCount(); ++r)
            m_tree->expand(m_proxy->index(r, 0));
    }
}

void PytreeBrowser::onCurrentChanged()
{
    const QModelIndex src = m_proxy->mapToSource(m_tree->currentIndex());
    if (!src.isValid()) {
        emit currentChanged(nullptr, {});
        return;
    }
    emit currentChanged(m_model->nodeAt(src), m_model->pathAt(src));
}

bool PytreeBrowser::selectKeyPath(const QString &keyPath)
{
    const QModelIndex src = m_model->indexForPath(ckpt::parsePath(keyPath.toStdString()));
    if (!src.isValid())
        return false;
    QModelIndex ix = m_proxy->mapFromSource(src);
    if (!ix.isValid()) { // hidden by the filter: clear it so the selection is visible
        m_filter->clear();
        m_dtype->setCurrentIndex(0);
        applyFilter();
        ix = m_proxy->mapFromSource(src);
    }
    for (QModelIndex p = ix.parent(); p.isValid(); p = p.parent())
        m_tree->expand(p);
    m_tree->setCurrentIndex(ix);
    m_tree->scrollTo(ix);
    return true;
}

QString PytreeBrowser::currentPathText(bool python) const
{
    const QModelIndex ix = m_tree->currentIndex();
    if (!ix.isValid())
        return {};
    return ix.data(python ? PytreeModel::PythonPathRole : PytreeModel::PathRole).toString();
}

void PytreeBrowser::applyFilter()
{
    m_proxy->setPathFilter(m_filter->text(), m_regex->isChecked());
    m_proxy->setDTypeFilter(m_dtype->currentData().toString());
    const bool invalid = !m_proxy->isRegexValid();
    m_filter->setStyleSheet(invalid ? QStringLiteral("QLineEdit { background: #fde7e9; }") : QString());
    if (!m_proxy->isFiltering()) {
        m_matches->hide();
        return;
    }
    m_matches->setText(
        invalid ? tr("Invalid regular expression") : tr("%1 matching leaves").arg(m_proxy->matchCount()));
    m_matches->show();
    expandMatches();
}

void PytreeBrowser::expandMatches()
{
    // Fetch and expand down to the matches, breadth-first, within a bounded number of rows.
    QList<QModelIndex> queue{QModelIndex()};
    int budget = kExpandLimit;
    while (!queue.isEmpty() && budget > 0) {
        const QModelIndex p = queue.takeFirst();
        while (m_proxy->canFetchMore(p) && budget > 0) {
            const int before = m_proxy->rowCount(p);
            m_proxy->fetchMore(p);
            if (m_proxy->rowCount(p) == before)
                break;
        }
        if (p.isValid())
            m_tree->expand(p);
        for (int r = 0; r < m_proxy->rowCount(p) && budget > 0; ++r, --budget) {
            const QModelIndex c = m_proxy->index(r, 0, p);
            if (m_proxy->hasChildren(c))
                queue.append(c);
        }
    }
}

bool PytreeBrowser::expandAll()
{
    m_model->fetchAll({}, kExpandLimit);
    m_tree->expandAll();
    return m_model->materialisedCount() < kExpandLimit;
}

void PytreeBrowser::collapseAll()
{
    m_tree->collapseAll();
}

void PytreeBrowser::focusFilter()
{
    m_filter->setFocus();
    m_filter->selectAll();
}
