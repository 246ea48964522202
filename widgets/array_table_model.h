#pragma once

#include "ops/plane/array_plane.h"

#include <QAbstractTableModel>
#include <QSet>

#include <cstddef>
#include <list>
#include <memory>
#include <vector>

class BackgroundJob;

/// A 2-D window onto an N-d array leaf: rows and columns follow the two chosen dimensions of a
/// ckpt::PlaneSpec, every other dimension sits at its fixed index.
///
/// Only blocks of blockRows() x blockCols() cells that a view asks for are read, each with one
/// readSlab(); the last maxCachedBlocks() blocks are kept. In asynchronous mode (the default) a
/// missing block is read on the global thread pool and data() returns nothing for it until
/// dataChanged() announces it; in synchronous mode data() reads it at once (tests, screenshots).
/// UI-thread only; the array source is shared with workers.
class ArrayTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role { ValueRole = Qt::UserRole + 1 }; ///< element as a double (complex: magnitude), when loaded

    explicit ArrayTableModel(QObject *parent = nullptr);
    ~ArrayTableModel() override;

    /// Shows `source` with the default slice (null empties the model).
    void setSource(ckpt::ArraySourcePtr source);
    const ckpt::ArraySourcePtr &source() const { return m_source; }
    /// Changes the plane; ignored (returns false) when the spec does not fit the array.
    bool setSlice(const ckpt::PlaneSpec &spec);
    const ckpt::PlaneSpec &slice() const { return m_spec; }

    void setBlockSize(int rows, int cols);
    int blockRows() const { return m_blockRows; }
    int blockCols() const { return m_blockCols; }
    void setMaxCachedBlocks(int n) { m_maxBlocks = qMax(1, n); }
    int maxCachedBlocks() const { return m_maxBlocks; }
    void setAsynchronous(bool async) { m_async = async; }
    /// Blocks being read right now.
    int pendingBlocks() const { return int(m_pending.size()); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    /// A block could not be read; `message` is the core's error description.
    void readFailed(const QString &message);

private:
    struct Block {
        quint64 key = 0;
        uint64_t rows = 0, cols = 0;
        std::vector<std::byte> bytes;
        QString error;
    };
    using BlockPtr = std::shared_ptr<const Block>;

    BlockPtr findBlock(quint64 key) const;
    void request(quint64 key) const;
    void store(BlockPtr block) const;
    static BlockPtr readBlock(const ckpt::ArraySource &src, const ckpt::PlaneSpec &spec, quint64 key, uint64_t r0,
        uint64_t nr, uint64_t c0, uint64_t nc);
    quint64 blockKey(int row, int col) const;
    void blockGeometry(quint64 key, uint64_t &r0, uint64_t &nr, uint64_t &c0, uint64_t &nc) const;
    void clearBlocks();

    ckpt::ArraySourcePtr m_source;
    ckpt::PlaneSpec m_spec;
    int m_blockRows = 64;
    int m_blockCols = 32;
    int m_maxBlocks = 48;
    bool m_async = true;
    BackgroundJob *m_reads; ///< block reads in flight, each delivered unless the blocks were cleared
    mutable std::list<BlockPtr> m_cache; ///< most recently used first
    mutable QSet<quint64> m_pending;
};
