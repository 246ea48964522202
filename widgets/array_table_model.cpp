#include "array_table_model.h"

#include "background_job.h"

#include "base/error.h"
#include "tree/dtype.h"

#include <QFontDatabase>

#include <climits>
#include <complex>

namespace {
constexpr int kBlockColBits = 32;

int clampToInt(uint64_t n)
{
    return n > uint64_t(INT_MAX) ? INT_MAX : int(n);
}
} // namespace

ArrayTableModel::ArrayTableModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_reads(new BackgroundJob(this, BackgroundJob::Policy::Concurrent))
{ }

ArrayTableModel::~ArrayTableModel() = default;

void ArrayTableModel::setSource(ckpt::ArraySourcePtr source)
{
    beginResetModel();
    m_source = std::move(source);
    m_spec = m_source ? ckpt::PlaneSpec::defaultFor(m_source->info().shape) : ckpt::PlaneSpec{};
    clearBlocks();
    endResetModel();
}

bool ArrayTableModel::setSlice(const ckpt::PlaneSpec &spec)
{
    if (!m_source || !spec.isValidFor(m_source->info().shape))
        return false;
    if (spec == m_spec)
        return true;
    beginResetModel();
    m_spec = spec;
    clearBlocks();
    endResetModel();
    return true;
}

void ArrayTableModel::setBlockSize(int rows, int cols)
{
    beginResetModel();
    m_blockRows = qMax(1, rows);
    m_blockCols = qMax(1, cols);
    clearBlocks();
    endResetModel();
}

void ArrayTableModel::clearBlocks()
{
    m_reads->abandon(); // blocks of the old source or plane are never delivered
    m_cache.clear();
    m_pending.clear();
}

int ArrayTableModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() || !m_source)
        return 0;
    const auto &shape = m_source->info().shape;
    return m_spec.cols(shape) == 0 ? 0 : clampToInt(m_spec.rows(shape));
}

int ArrayTableModel::columnCount(const QModelIndex &parent) const
{
    if (parent.isValid() || !m_source)
        return 0;
    const auto &shape = m_source->info().shape;
    return m_spec.rows(shape) == 0 ? 0 : clampToInt(m_spec.cols(shape));
}

quint64 ArrayTableModel::blockKey(int row, int col) const
{
    return (quint64(row / m_blockRows) << kBlockColBits) | quint64(col / m_blockCols);
}

void ArrayTableModel::blockGeometry(quint64 key, uint64_t &r0, uint64_t &nr, uint64_t &c0, uint64_t &nc) const
{
    const auto &shape = m_source->info().shape;
    r0 = (key >> kBlockColBits) * uint64_t(m_blockRows);
    c0 = (key & 0xffffffffu) * uint64_t(m_blockCols);
    nr = std::min<uint64_t>(m_blockRows, m_spec.rows(shape) - r0);
    nc = std::min<uint64_t>(m_blockCols, m_spec.cols(shape) - c0);
}

ArrayTableModel::BlockPtr ArrayTableModel::findBlock(quint64 key) const
{
    for (auto it = m_cache.begin(); it != m_cache.end(); ++it) {
        if ((*it)->key == key) {
            if (it != m_cache.begin())
                m_cache.splice(m_cache.begin(), m_cache, it);
            return m_cache.front();
        }
    }
    return nullptr;
}

void ArrayTableModel::store(BlockPtr block) const
{
    m_cache.push_front(std::move(block));
    while (int(m_cache.size()) > m_maxBlocks)
        m_cache.pop_back();
}

ArrayTableModel::BlockPtr ArrayTableModel::readBlock(const ckpt::ArraySource &src, const ckpt::PlaneSpec &spec,
    quint64 key, uint64_t r0, uint64_t nr, uint64_t c0, uint64_t nc)
{
    auto block = std::make_shared<Block>();
    block->key = key;
    block->rows = nr;
    block->cols = nc;
    try {
        block->bytes.resize(nr * nc * ckpt::itemSize(src.info().dtype));
        src.readSlab(spec.slab(src.info().shape, r0, nr, c0, nc), block->bytes);
    } catch (const ckpt::Exception &e) {
        block->bytes.clear();
        block->error = QString::fromStdString(e.error().describe());
    } catch (const std::exception &e) {
        block->bytes.clear();
        block->error = QString::fromUtf8(e.what());
    }
    return block;
}

void ArrayTableModel::request(quint64 key) const
{
    uint64_t r0, nr, c0, nc;
    blockGeometry(key, r0, nr, c0, nc);
    if (!m_async) {
        BlockPtr b = readBlock(*m_source, m_spec, key, r0, nr, c0, nc);
        store(b);
        if (!b->error.isEmpty())
            emit const_cast<ArrayTableModel *>(this)->readFailed(b->error);
        return;
    }
    if (m_pending.contains(key))
        return;
    m_pending.insert(key);
    auto *self = const_cast<ArrayTableModel *>(this);
    m_reads->start([src = m_source, spec = m_spec, key, r0, nr, c0, nc](
                       const ckpt::Progress &) { return readBlock(*src, spec, key, r0, nr, c0, nc); },
        [self, key, r0, nr, c0, nc](JobResult<BlockPtr> &&r) {
            self->m_pending.remove(key);
            BlockPtr b;
            if (r.value)
                b = std::move(*r.value);
            else {
                auto failed = std::make_shared<Block>();
                failed->key = key;
                failed->rows = nr;
                failed->cols = nc;
                failed->error = QString::fromStdString(r.error->describe());
                b = std::move(failed);
            }
            self->store(b);
            if (!b->error.isEmpty())
                emit self->readFailed(b->error);
            emit self->dataChanged(self->index(int(r0), int(c0)), self->index(int(r0 + nr - 1), int(c0 + nc - 1)));
        });
}

QVariant ArrayTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    switch (role) {
    case Qt::TextAlignmentRole: return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::FontRole: return QFontDatabase::systemFont(QFontDatabase::FixedFont);
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
    case ValueRole: break;
    default: return {};
    }
    const quint64 key = blockKey(index.row(), index.column());
    BlockPtr b = findBlock(key);
    if (!b) {
        request(key);
        b = findBlock(key);
        if (!b)
            return {};
    }
    if (!b->error.isEmpty())
        return role == ValueRole ? QVariant() : QVariant(tr("error"));
    const ckpt::DType dt = m_source->info().dtype;
    const uint64_t r = uint64_t(index.row() % m_blockRows), c = uint64_t(index.column() % m_blockCols);
    const std::byte *p = b->bytes.data() + m_spec.offsetInSlab(r, c, b->rows, b->cols) * ckpt::itemSize(dt);
    if (role == ValueRole)
        return ckpt::isComplex(dt) ? std::abs(ckpt::toComplex(dt, p)) : ckpt::toDouble(dt, p);
    const QString text = QString::fromStdString(ckpt::formatElement(dt, p));
    if (role == Qt::DisplayRole)
        return text;
    QStringList ix;
    for (uint64_t i : m_spec.indexOf(uint64_t(index.row()), uint64_t(index.column())))
        ix << QString::number(i);
    return QString(QLatin1Char('[') + ix.join(QStringLiteral(", ")) + QStringLiteral("] = ") + text);
}

QVariant ArrayTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role == Qt::DisplayRole)
        return QString::number(section);
    if (role == Qt::FontRole)
        return QFontDatabase::systemFont(QFontDatabase::FixedFont);
    if (role == Qt::ToolTipRole && m_source) {
        const int dim = orientation == Qt::Vertical ? m_spec.rowDim : m_spec.colDim;
        return dim < 0 ? QVariant() : tr("dimension %1, index %2").arg(dim).arg(section);
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}
