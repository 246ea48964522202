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
    const std::vector<Leaf> la = leavesOf(rootA), lb = leavesOf(rootB);
    std::unordered_map<std::string, size_t> bIndex;
    for (size_t i = 0; i < lb.size(); ++i)
        bIndex.emplace(lb[i].path, i);

    DiffResult r;
    std::vector<std::pair<const Leaf *, const Leaf *>> sides;
    std::unordered_map<std::string, std::string> renamedFrom; // aligned path -> A path
    std::vector<bool> bUsed(lb.size(), false);
    for (const Leaf &a : la) {
        bool matched = false;
        const std::string aligned = applyRenames(options.renames, a.path, &matched);
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
            r.entries.push_back(std::move(e));
            sides.push_back({&a, nullptr});
            continue;
        }
        bUsed[bi->second] = true;
        e.b = sideOf(lb[bi->second]);
        r.entries.push_back(std::move(e));
        sides.push_back({&a, &lb[bi->second]});
    }
    for (size_t i = 0; i < lb.size(); ++i) {
        if (bUsed[i])
            continue;
        DiffEntry e;
        e.path = lb[i].path;
        e.status = DiffStatus::Added;
        e.b = sideOf(lb[i]);
        r.entries.push_back(std::move(e));
        sides.push_back({nullptr, &lb[i]});
    }

    // Classify; cheap comparisons happen here, array ranges become tasks.
    std::vector<Task> tasks;
    uint64_t totalBytes = 0;
    uint64_t pieceMemory = 0; // largest bytes one worker holds at once
    for (size_t i = 0; i < r.entries.size(); ++i) {
        DiffEntry &e = r.entries[i];
        if (!e.a || !e.b)
            continue;
        const Node &na = *sides[i].first->node, &nb = *sides[i].second->node;
        if (e.a->kind != e.b->kind) {
            e.status = DiffStatus::KindChanged;
            continue;
        }
        switch (na.kind()) {
        case NodeKind::Array: {
            const ArrayInfo &ia = na.arrayInfo(), &ib = nb.arrayInfo();
            if (ia.shape != ib.shape) {
                e.status = DiffStatus::ShapeChanged;
                break;
            }
            e.status = ia.dtype == ib.dtype ? DiffStatus::Same : DiffStatus::DtypeChanged;
            e.promoted = ia.dtype != ib.dtype;
            e.compareType = compareTypeName(ia.dtype, ib.dtype);
            e.numeric = true;
            const uint64_t n = ia.numElements();
            const uint64_t piece = pieceElements(ia, ib, options.compare.pieceBytes);
            const uint64_t pairBytes = itemSize(ia.dtype) + itemSize(ib.dtype);
            // Ranges are whole pieces, so chunk bands are never split between threads; streamed
            // chunks (larger than pieces) are not split either, or each range would decode them
            // from the start.
            uint64_t perTask = std::max<uint64_t>(1, options.taskBytes / pairBytes / piece) * piece;
            if (const uint64_t band = streamedBand(*na.array(), *nb.array()))
                perTask = (perTask + band - 1) / band * band;
            pieceMemory = std::max(pieceMemory, std::min(piece, n) * pairBytes * 2);
            if (n == 0) {
                finishCompared(e);
                break;
            }
            for (uint64_t first = 0; first < n; first += perTask) {
                const uint64_t count = std::min(perTask, n - first);
                tasks.push_back({i, first, count, count * pairBytes, {}});
                totalBytes += count * pairBytes;
            }
            break;
        }
        case NodeKind::Scalar: {
            std::byte ba[16], bb[16];
            const DType ta = scalarBytes(na.scalar(), ba), tb = scalarBytes(nb.scalar(), bb);
            e.status = e.a->dtype == e.b->dtype ? DiffStatus::Same : DiffStatus::DtypeChanged;
            e.promoted = ta != tb;
            e.compareType = compareTypeName(ta, tb);
            e.numeric = true;
            e.numbers = compareValues(ta, ba, tb, bb, options.compare);
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

    // Compare array ranges on a small pool; the first failure stops the others.
    std::atomic<size_t> next{0};
    std::atomic<uint64_t> done{0};
    std::atomic<bool> stop{false};
    std::exception_ptr firstError;
    std::mutex errorMutex;
    const Progress taskCancel{{}, [&] { return stop.load() || progress.cancelled(); }};
    ArrayCompareOptions compare = options.compare;
    auto worker = [&] {
        CompareBuffers buffers;
        for (;;) {
            const size_t t = next.fetch_add(1);
            if (t >= tasks.size() || stop.load())
                return;
            Task &task = tasks[t];
            const DiffEntry &e = r.entries[task.entry];
            uint64_t reported = 0;
            Progress p;
            p.isCancelled = taskCancel.isCancelled;
            p.report = [&](uint64_t d, uint64_t) {
                const uint64_t now = done.fetch_add(d - reported) + (d - reported);
                reported = d;
                progress.update(now, totalBytes);
            };
            try {
                task.result = compareArrayRange(*sides[task.entry].first->node->array(),
                    *sides[task.entry].second->node->array(), task.first, task.count, compare, p, &buffers);
            } catch (const Exception &ex) {
                std::lock_guard lock(errorMutex);
                if (!firstError)
                    firstError = std::make_exception_ptr(ex.withKeyPath(e.a->path));
                stop = true;
            } catch (...) {
                std::lock_guard lock(errorMutex);
                if (!firstError)
                    firstError = std::current_exception();
                stop = true;
            }
        }
    };
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    threads = unsigned(std::min<size_t>(threads, tasks.size()));
    if (pieceMemory)
        threads = unsigned(std::clamp<uint64_t>(options.memoryBudget / pieceMemory, 1, std::max(threads, 1u)));
    // Idle cores (memory budget or few ranges) help compare the pieces of the running ranges.
    const unsigned cores = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    if (threads < cores)
        compare.pieceThreads = std::max(compare.pieceThreads, 2u);
    if (threads <= 1) {
        worker();
    } else {
        std::vector<std::jthread> pool;
        for (unsigned i = 0; i < threads; ++i)
            pool.emplace_back(worker);
    }
    if (firstError)
        std::rethrow_exception(firstError);
    progress.throwIfCancelled();

    // Merge ranges in order (tasks of one entry are consecutive).
    for (size_t t = 0; t < tasks.size();) {
        DiffEntry &e = r.entries[tasks[t].entry];
        e.numbers = tasks[t].result;
        size_t u = t + 1;
        for (; u < tasks.size() && tasks[u].entry == tasks[t].entry; ++u)
            e.numbers.merge(tasks[u].result);
        for (size_t k = t; k < u; ++k) {
            const ArrayDiff &d = tasks[k].result;
            r.summary.bytesRead += (d.sameStorage ? tasks[k].bytes / 2 : tasks[k].bytes) - d.bytesShortCut;
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
    return r;
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
