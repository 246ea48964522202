#include "checkpoint_overview.h"

#include "background_job.h"
#include "subtree_bars.h"

#include "ops/usage.h"
#include "tree/array_info.h"

#include <QDateTime>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>

namespace {

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

QString share(uint64_t part, uint64_t whole)
{
    return whole ? QString::number(100.0 * double(part) / double(whole), 'f', 1) + QLatin1Char('%') : QString();
}

/// The commit (else init) time of the step, from _CHECKPOINT_METADATA, as UTC; empty when unknown.
QString savedAt(const ckpt::Checkpoint &c)
{
    if (!c.metadata.contains("checkpoint") || !c.metadata["checkpoint"].is_object())
        return {};
    const auto &m = c.metadata["checkpoint"];
    for (const char *key : {"commit_timestamp_nsecs", "init_timestamp_nsecs"})
        if (m.contains(key) && m[key].is_number_integer())
            return QDateTime::fromMSecsSinceEpoch(m[key].get<int64_t>() / 1'000'000, Qt::UTC)
                .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
    return {};
}

constexpr size_t kMaxBars = 16;

} // namespace

CheckpointOverview::CheckpointOverview(QWidget *parent)
    : QWidget(parent)
    , m_job(new BackgroundJob(this))
{
    auto *layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    QFont f = m_title->font();
    f.setBold(true);
    m_title->setFont(f);
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_dtypes = new QLabel(this);
    m_dtypes->setWordWrap(true);
    m_bars = new SubtreeBars(this);
    m_bars->setObjectName(QStringLiteral("subtreeBars"));
    layout->addWidget(m_title);
    layout->addWidget(m_summary);
    layout->addWidget(m_dtypes);
    layout->addSpacing(6);
    layout->addWidget(m_bars);
    layout->addStretch(1);
    connect(m_bars, &SubtreeBars::activated, this, [this](int row) {
        if (row >= 0 && size_t(row) < m_barPaths.size())
            emit subtreeActivated(qs(ckpt::joinPath(m_barPaths[size_t(row)])));
    });
}

CheckpointOverview::~CheckpointOverview() = default;

void CheckpointOverview::show(const CheckpointPtr &checkpoint, const ckpt::NodePtr &node, const ckpt::Path &path)
{
    m_path = path;
    m_barPaths.clear();
    if (!node) {
        m_title->setText(tr("Nothing open"));
        m_summary->clear();
        m_dtypes->clear();
        m_bars->setRows({});
        return;
    }
    m_title->setText(path.empty() ? tr("Overview") : tr("Overview of %1").arg(qs(ckpt::joinPath(path))));
    QStringList facts;
    facts << tr("%1 parameters").arg(qs(ckpt::parameterCountText(node->parameterCount())))
          << tr("%1 in arrays").arg(qs(ckpt::humanBytes(node->arrayBytes())))
          << tr("%n leaves", nullptr, int(std::min<uint64_t>(node->leafCount(), INT32_MAX)));
    if (checkpoint && path.empty()) {
        if (checkpoint->step)
            facts << tr("step %1").arg(qs(checkpoint->step->text));
        const QString saved = savedAt(*checkpoint);
        if (!saved.isEmpty())
            facts << tr("saved %1").arg(saved);
        facts << qs(checkpoint->era);
    }
    m_summary->setText(facts.join(QStringLiteral("  ·  ")));

    std::vector<const ckpt::Child *> children;
    for (const ckpt::Child &c : node->children())
        children.push_back(&c);
    std::stable_sort(children.begin(), children.end(),
        [](const ckpt::Child *a, const ckpt::Child *b) { return a->node->arrayBytes() > b->node->arrayBytes(); });
    std::vector<SubtreeBars::Row> rows;
    uint64_t restBytes = 0, restParams = 0;
    size_t rest = 0;
    for (const ckpt::Child *c : children) {
        if (rows.size() == kMaxBars) {
            restBytes += c->node->arrayBytes();
            restParams += c->node->parameterCount();
            ++rest;
            continue;
        }
        const uint64_t b = c->node->arrayBytes();
        rows.push_back({qs(c->key.str()), b, c->node->parameterCount(),
            qs(ckpt::humanBytes(b)) + QStringLiteral("  ·  ")
                + tr("%1 params").arg(qs(ckpt::parameterCountText(c->node->parameterCount()))) + QStringLiteral("  ·  ")
                + share(b, node->arrayBytes())});
        ckpt::Path p = path;
        p.push_back(c->key);
        m_barPaths.push_back(std::move(p));
    }
    if (rest)
        rows.push_back({tr("(%n more)", nullptr, int(rest)), restBytes, restParams,
            qs(ckpt::humanBytes(restBytes)) + QStringLiteral("  ·  ") + share(restBytes, node->arrayBytes())});
    m_bars->setRows(std::move(rows));

    // The dtype breakdown needs every leaf: on a worker, the newest request replacing older ones.
    m_dtypes->setText(tr("dtypes: counting…"));
    m_job->startWhenIdle([node](const ckpt::Progress &progress) { return ckpt::computeUsage(node, progress).byDtype; },
        [this, total = node->arrayBytes()](JobResult<std::map<std::string, ckpt::UsageTotals>> &&r) {
            if (!r.value) {
                m_dtypes->setText(r.cancelled() ? QString() : tr("dtypes: %1").arg(qs(r.error->describe())));
                return;
            }
            std::vector<std::pair<std::string, ckpt::UsageTotals>> d(r.value->begin(), r.value->end());
            std::stable_sort(d.begin(), d.end(),
                [](const auto &a, const auto &b) { return a.second.memoryBytes > b.second.memoryBytes; });
            QStringList parts;
            for (const auto &[name, t] : d)
                parts << tr("%1 %2 (%3 arrays, %4)")
                             .arg(qs(name), share(t.memoryBytes, total))
                             .arg(t.arrays)
                             .arg(qs(ckpt::humanBytes(t.memoryBytes)));
            m_dtypes->setText(parts.isEmpty() ? tr("no arrays") : tr("dtypes: ") + parts.join(QStringLiteral(", ")));
        });
}

QString CheckpointOverview::summaryText() const
{
    return m_summary->text();
}

QString CheckpointOverview::dtypeText() const
{
    return m_dtypes->text();
}

bool CheckpointOverview::isBusy() const
{
    return m_job->isRunning() || m_job->hasQueued();
}
