#include "ops/diff/diff.h"

#include "base/error.h"
#include "tree/sequential_chunk_reader.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace ckpt {
namespace {

/// Elements per band of streamed chunks when either side streams (SequentialChunkReader): both
/// sides' bands divide it (the whole array when they differ); 0 when neither streams.
uint64_t streamedBand(const ArraySource &a, const ArraySource &b)
{
    const auto sa = SequentialChunkReader::make(a), sb = SequentialChunkReader::make(b);
    if (!sa && !sb)
        return 0;
    if (sa && sb && sa->bandElements() != sb->bandElements())
        return a.info().numElements();
    return sa ? sa->bandElements() : sb->bandElements();
}

struct Leaf {
    std::string path;
    NodePtr node;
};

std::vector<Leaf> leavesOf(const NodePtr &root)
{
    std::vector<Leaf> out;
    if (root)
        forEachLeaf(root, [&](const Path &p, const NodePtr &n) { out.push_back({joinPath(p), n}); });
    return out;
}

DiffSide sideOf(const Leaf &l)
{
    DiffSide s;
    s.path = l.path;
    s.kind = std::string(l.node->kindName());
    switch (l.node->kind()) {
    case NodeKind::Array:
        s.dtype = std::string(dtypeName(l.node->arrayInfo().dtype));
        s.shape = l.node->arrayInfo().shape;
        break;
    case NodeKind::Scalar:
        s.dtype = std::string(l.node->scalar().typeName());
        s.value = l.node->scalar().repr();
        break;
    case NodeKind::String:
        s.value = l.node->text().size() > 60 ? "'" + l.node->text().substr(0, 57) + "...'" : "'" + l.node->text() + "'";
        break;
    case NodeKind::Bytes: s.value = "bytes[" + std::to_string(l.node->text().size()) + "]"; break;
    case NodeKind::None: s.value = "None"; break;
    default: break;
    }
    return s;
}

/// A Python scalar as one canonical element of the NumPy dtype it promotes to.
DType scalarBytes(const Scalar &s, std::byte (&buf)[16])
{
    switch (s.type) {
    case Scalar::Type::Int: std::memcpy(buf, &s.i, 8); return DType::Int64;
    case Scalar::Type::Bool: buf[0] = std::byte(s.i ? 1 : 0); return DType::Bool;
    case Scalar::Type::UInt: std::memcpy(buf, &s.u, 8); return DType::UInt64;
    case Scalar::Type::Float: std::memcpy(buf, &s.f, 8); return DType::Float64;
    case Scalar::Type::Complex: {
        const double re = s.c.real(), im = s.c.imag();
        std::memcpy(buf, &re, 8);
        std::memcpy(buf + 8, &im, 8);
        return DType::Complex128;
    }
    }
    return DType::Int64;
}

/// One range of one array pair, compared on a worker.
struct Task {
    size_t entry;
    uint64_t first, count, bytes;
    ArrayDiff result;
};

void finishCompared(DiffEntry &e)
{
    e.compared = true;
    e.valuesEqual = e.numbers.differing == 0;
    if (e.status == DiffStatus::Same && !e.valuesEqual)
        e.status = DiffStatus::ValuesChanged;
}

/// One diffTrees() call in its four steps: align the leaves of A and B into entries, plan the
/// comparisons (cheap ones done at once, array ranges become tasks), compare the ranges on a small
/// pool, and merge the ranges of each entry back into it.
class TreeDiff {
public:
    TreeDiff(const DiffOptions &options, const Progress &progress)
        : m_options(options)
        , m_progress(progress)
    { }
    TreeDiff(const TreeDiff &) = delete;
    TreeDiff &operator=(const TreeDiff &) = delete;

    DiffResult run(const NodePtr &rootA, const NodePtr &rootB)
    {
        align(rootA, rootB);
        plan();
        compareRanges();
        merge();
        return std::move(m_result);
    }

private:
    /// Pairs A's leaves (renamed) with B's by path: A's order, then B-only leaves in B's order.
    void align(const NodePtr &rootA, const NodePtr &rootB);
    /// Classifies every pair; cheap comparisons happen here, array ranges become tasks.
    void plan();
    void planArray(size_t entry, const Node &na, const Node &nb);
    /// Compares the array ranges on a small pool; the first failure stops the others.
    void compareRanges();
    void compareWorker();
    /// Merges ranges in order (tasks of one entry are consecutive), then counts the summary.
    void merge();

    const DiffOptions &m_options;
    const Progress &m_progress;
    std::vector<Leaf> m_leavesA, m_leavesB;
    std::vector<std::pair<const Leaf *, const Leaf *>> m_sides; ///< per entry; null for a missing side
    DiffResult m_result;

    std::vector<Task> m_tasks;
    uint64_t m_totalBytes = 0;
    uint64_t m_pieceMemory = 0; ///< largest bytes one worker holds at once

    ArrayCompareOptions m_compare;
    std::atomic<size_t> m_next{0};
    std::atomic<uint64_t> m_done{0};
    std::atomic<bool> m_stop{false};
    std::exception_ptr m_firstError;
    std::mutex m_errorMutex;
};

void TreeDiff::align(const NodePtr &rootA, const NodePtr &rootB)
{
    m_leavesA = leavesOf(rootA);
    m_leavesB = leavesOf(rootB);
    const std::vector<Leaf> &la = m_leavesA, &lb = m_leavesB;
    std::unordered_map<std::string, size_t> bIndex;
    for (size_t i = 0; i < lb.size(); ++i)
        bIndex.emplace(lb[i].path, i);

    std::unordered_map<std::string, std::string> renamedFrom; // aligned path -> A path
    std::vector<bool> bUsed(lb.size(), false);
    for (const Leaf &a : la) {
        bool matched = false;
        const std::string aligned = applyRenames(m_options.renames, a.path, &matched);
        const auto [it, fresh] = renamedFrom.emplace(aligned, a.path);
        if (!fresh)
            fail(ErrorCategory::InvalidArgument,
                "rename rules map both '" + it->second + "' and '" + a.path + "' to '" + aligned + "'", {},
                std::nullopt, a.path);
        DiffEntry e;
        e.path = aligned;
        e.renamed = matched && aligned != a.path;
        e.a = sideOf(a);
        const auto bi = bIndex.find(aligned);
        if (bi == bIndex.end()) {
            e.status = DiffStatus::Removed;
            m_result.entries.push_back(std::move(e));
            m_sides.push_back({&a, nullptr});
            continue;
        }
        bUsed[bi->second] = true;
        e.b = sideOf(lb[bi->second]);
        m_result.entries.push_back(std::move(e));
        m_sides.push_back({&a, &lb[bi->second]});
    }
    for (size_t i = 0; i < lb.size(); ++i) {
        if (bUsed[i])
            continue;
        DiffEntry e;
        e.path = lb[i].path;
        e.status = DiffStatus::Added;
        e.b = sideOf(lb[i]);
        m_result.entries.push_back(std::move(e));
        m_sides.push_back({nullptr, &lb[i]});
    }
}

void TreeDiff::plan()
{
    for (size_t i = 0; i < m_result.entries.size(); ++i) {
        DiffEntry &e = m_result.entries[i];
        if (!e.a || !e.b)
            continue;
        const Node &na = *m_sides[i].first->node, &nb = *m_sides[i].second->node;
        if (e.a->kind != e.b->kind) {
            e.status = DiffStatus::KindChanged;
            continue;
        }
        switch (na.kind()) {
        case NodeKind::Array: planArray(i, na, nb); break;
        case NodeKind::Scalar: {
            std::byte ba[16], bb[16];
            const DType ta = scalarBytes(na.scalar(), ba), tb = scalarBytes(nb.scalar(), bb);
            e.status = e.a->dtype == e.b->dtype ? DiffStatus::Same : DiffStatus::DtypeChanged;
            e.promoted = ta != tb;
            e.compareType = compareTypeName(ta, tb);
            e.numeric = true;
            e.numbers = compareValues(ta, ba, tb, bb, m_options.compare);
            finishCompared(e);
            break;
        }
        case NodeKind::String:
        case NodeKind::Bytes:
            e.numbers.count = 1;
            e.numbers.differing = na.text() == nb.text() ? 0 : 1;
            finishCompared(e);
            break;
        default: // None, empty containers: equal by kind
            e.compared = true;
            break;
        }
    }
}

void TreeDiff::planArray(size_t entry, const Node &na, const Node &nb)
{
    DiffEntry &e = m_result.entries[entry];
    const ArrayInfo &ia = na.arrayInfo(), &ib = nb.arrayInfo();
    if (ia.shape != ib.shape) {
        e.status = DiffStatus::ShapeChanged;
        return;
    }
    e.status = ia.dtype == ib.dtype ? DiffStatus::Same : DiffStatus::DtypeChanged;
    e.promoted = ia.dtype != ib.dtype;
    e.compareType = compareTypeName(ia.dtype, ib.dtype);
    e.numeric = true;
    const uint64_t n = ia.numElements();
    const uint64_t piece = pieceElements(ia, ib, m_options.compare.pieceBytes);
    const uint64_t pairBytes = itemSize(ia.dtype) + itemSize(ib.dtype);
    // Ranges are whole pieces, so chunk bands are never split between threads; streamed
    // chunks (larger than pieces) are not split either, or each range would decode them
    // from the start.
    uint64_t perTask = std::max<uint64_t>(1, m_options.taskBytes / pairBytes / piece) * piece;
    if (const uint64_t band = streamedBand(*na.array(), *nb.array()))
        perTask = (perTask + band - 1) / band * band;
    m_pieceMemory = std::max(m_pieceMemory, std::min(piece, n) * pairBytes * 2);
    if (n == 0) {
        finishCompared(e);
        return;
    }
    for (uint64_t first = 0; first < n; first += perTask) {
        const uint64_t count = std::min(perTask, n - first);
        m_tasks.push_back({entry, first, count, count * pairBytes, {}});
        m_totalBytes += count * pairBytes;
    }
}

void TreeDiff::compareWorker()
{
    const Progress taskCancel{{}, [&] { return m_stop.load() || m_progress.cancelled(); }};
    CompareBuffers buffers;
    for (;;) {
        const size_t t = m_next.fetch_add(1);
        if (t >= m_tasks.size() || m_stop.load())
            return;
        Task &task = m_tasks[t];
        const DiffEntry &e = m_result.entries[task.entry];
        uint64_t reported = 0;
        Progress p;
        p.isCancelled = taskCancel.isCancelled;
        p.report = [&](uint64_t d, uint64_t) {
            const uint64_t now = m_done.fetch_add(d - reported) + (d - reported);
            reported = d;
            m_progress.update(now, m_totalBytes);
        };
        try {
            task.result = compareArrayRange(*m_sides[task.entry].first->node->array(),
                *m_sides[task.entry].second->node->array(), task.first, task.count, m_compare, p, &buffers);
        } catch (const Exception &ex) {
            std::lock_guard lock(m_errorMutex);
            if (!m_firstError)
                m_firstError = std::make_exception_ptr(ex.withKeyPath(e.a->path));
            m_stop = true;
        } catch (...) {
            std::lock_guard lock(m_errorMutex);
            if (!m_firstError)
                m_firstError = std::current_exception();
            m_stop = true;
        }
    }
}

void TreeDiff::compareRanges()
{
    m_compare = m_options.compare;
    unsigned threads = m_options.threads ? m_options.threads : std::max(1u, std::thread::hardware_concurrency());
    threads = unsigned(std::min<size_t>(threads, m_tasks.size()));
    if (m_pieceMemory)
        threads = unsigned(std::clamp<uint64_t>(m_options.memoryBudget / m_pieceMemory, 1, std::max(threads, 1u)));
    // Idle cores (memory budget or few ranges) help compare the pieces of the running ranges.
    const unsigned cores = m_options.threads ? m_options.threads : std::max(1u, std::thread::hardware_concurrency());
    if (threads < cores)
        m_compare.pieceThreads = std::max(m_compare.pieceThreads, 2u);
    if (threads <= 1) {
        compareWorker();
    } else {
        std::vector<std::jthread> pool;
        for (unsigned i = 0; i < threads; ++i)
            pool.emplace_back([this] { compareWorker(); });
    }
    if (m_firstError)
        std::rethrow_exception(m_firstError);
    m_progress.throwIfCancelled();
}

void TreeDiff::merge()
{
    DiffResult &r = m_result;
    for (size_t t = 0; t < m_tasks.size();) {
        DiffEntry &e = r.entries[m_tasks[t].entry];
        e.numbers = m_tasks[t].result;
        size_t u = t + 1;
        for (; u < m_tasks.size() && m_tasks[u].entry == m_tasks[t].entry; ++u)
            e.numbers.merge(m_tasks[u].result);
        for (size_t k = t; k < u; ++k) {
            const ArrayDiff &d = m_tasks[k].result;
            r.summary.bytesRead += (d.sameStorage ? m_tasks[k].bytes / 2 : m_tasks[k].bytes) - d.bytesShortCut;
            r.summary.chunksShortCut += d.chunksShortCut;
        }
        finishCompared(e);
        t = u;
    }

    for (const DiffEntry &e : r.entries) {
        ++r.summary.pairs;
        ++r.summary.counts[int(e.status)];
        if (e.numeric)
            r.summary.elementsCompared += e.numbers.count;
    }
}

} // namespace

std::string_view statusName(DiffStatus s)
{
    switch (s) {
    case DiffStatus::Same: return "same";
    case DiffStatus::Added: return "added";
    case DiffStatus::Removed: return "removed";
    case DiffStatus::KindChanged: return "kind_changed";
    case DiffStatus::DtypeChanged: return "dtype_changed";
    case DiffStatus::ShapeChanged: return "shape_changed";
    case DiffStatus::ValuesChanged: return "values_changed";
    }
    return "same";
}

DiffResult diffTrees(const NodePtr &rootA, const NodePtr &rootB, const DiffOptions &options, const Progress &progress)
{
    TreeDiff diff(options, progress);
    return diff.run(rootA, rootB);
}

std::vector<const DiffEntry *> sortedForDisplay(const DiffResult &r)
{
    std::vector<const DiffEntry *> v;
    for (const DiffEntry &e : r.entries)
        v.push_back(&e);
    // Differences first in this order; among values, the biggest absolute difference first.
    auto rank = [](DiffStatus s) {
        switch (s) {
        case DiffStatus::ValuesChanged: return 0;
        case DiffStatus::DtypeChanged: return 1;
        case DiffStatus::ShapeChanged: return 2;
        case DiffStatus::KindChanged: return 3;
        case DiffStatus::Removed: return 4;
        case DiffStatus::Added: return 5;
        case DiffStatus::Same: return 6;
        }
        return 6;
    };
    std::stable_sort(v.begin(), v.end(), [&](const DiffEntry *x, const DiffEntry *y) {
        if (rank(x->status) != rank(y->status))
            return rank(x->status) < rank(y->status);
        if (x->numbers.maxAbs != y->numbers.maxAbs)
            return x->numbers.maxAbs > y->numbers.maxAbs;
        return false;
    });
    return v;
}

} // namespace ckpt
