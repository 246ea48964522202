// Diff over chunked storage: a chunk whose stored bytes are identical on both sides is decoded
// once (counted in chunksShortCut), and the numbers equal those of the same values held in
// memory; edge chunks, missing chunks, unaligned ranges, cancellation and damaged chunks.
#include "base/error.h"
#include "formats/zarr/zarr2_array.h"
#include "io/codecs/zstd_codec.h"
#include "io/kvstore/directory_kvstore.h"
#include "layout/checkpoint.h"
#include "ops/diff/diff.h"
#include "ops/diff/diff_json.h"
#include "ops/export.h"

#include "test_files.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace ckpt;

using testfiles::writeFile;

namespace {

/// Values of a float32 array of `n` elements, distinct per seed.
std::vector<float> values(uint64_t n, float seed)
{
    std::vector<float> v(n);
    for (uint64_t i = 0; i < n; ++i)
        v[i] = seed + float(i % 97) * 0.25f - float(i % 13) * 1.5f;
    return v;
}

std::vector<std::byte> bytesOf(const std::vector<float> &v)
{
    std::vector<std::byte> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

/// A 2-D float32 zarr v2 array written by hand into `dir`: chunk (i, j) is stored as file "i.j"
/// (raw or zstd), edge chunks at full chunk size padded with zeros; `skip` chunks are not stored.
ArraySourcePtr writeZarr2(const std::string &dir, uint64_t rows, uint64_t cols, uint64_t cr, uint64_t cc,
    const std::vector<float> &v, bool zstd, const std::vector<std::string> &skip = {})
{
    const std::string compressor = zstd ? "{\"id\": \"zstd\", \"level\": 1}" : "null";
    const std::string meta = "{\"zarr_format\": 2, \"shape\": [" + std::to_string(rows) + ", " + std::to_string(cols)
        + "], \"chunks\": [" + std::to_string(cr) + ", " + std::to_string(cc)
        + "], \"dtype\": \"<f4\", \"compressor\": " + compressor
        + ", \"fill_value\": 0.5, \"order\": \"C\", \"filters\": null}";
    std::filesystem::create_directories(dir);
    writeFile(std::filesystem::path(dir) / ".zarray",
        std::span(reinterpret_cast<const std::byte *>(meta.data()), meta.size()));
    for (uint64_t i = 0; i * cr < rows; ++i) {
        for (uint64_t j = 0; j * cc < cols; ++j) {
            const std::string name = std::to_string(i) + "." + std::to_string(j);
            if (std::find(skip.begin(), skip.end(), name) != skip.end())
                continue;
            std::vector<float> chunk(cr * cc, 0.0f);
            for (uint64_t r = 0; r < cr && i * cr + r < rows; ++r)
                for (uint64_t c = 0; c < cc && j * cc + c < cols; ++c)
                    chunk[r * cc + c] = v[(i * cr + r) * cols + j * cc + c];
            auto raw = bytesOf(chunk);
            writeFile(std::filesystem::path(dir) / name, zstd ? zstdCompress(raw, 1) : raw);
        }
    }
    return zarr::openV2Array(DirectoryKvStore::open(dir), "");
}

/// A float32 zarr v2 array of any rank with zstd chunks (edge chunks padded with zeros).
ArraySourcePtr writeZarr2Nd(const std::string &dir, const std::vector<uint64_t> &shape,
    const std::vector<uint64_t> &chunks, const std::vector<float> &v)
{
    auto list = [](const std::vector<uint64_t> &d) {
        std::string t;
        for (uint64_t x : d)
            t += (t.empty() ? "" : ", ") + std::to_string(x);
        return "[" + t + "]";
    };
    const std::string meta = "{\"zarr_format\": 2, \"shape\": " + list(shape) + ", \"chunks\": " + list(chunks)
        + ", \"dtype\": \"<f4\", \"compressor\": {\"id\": \"zstd\", \"level\": 1}, \"fill_value\": 0.0, "
          "\"order\": \"C\", \"filters\": null}";
    std::filesystem::create_directories(dir);
    writeFile(std::filesystem::path(dir) / ".zarray",
        std::span(reinterpret_cast<const std::byte *>(meta.data()), meta.size()));
    const size_t rank = shape.size();
    std::vector<uint64_t> grid(rank);
    uint64_t chunkCount = 1, chunkElems = 1;
    for (size_t i = 0; i < rank; ++i) {
        grid[i] = (shape[i] + chunks[i] - 1) / chunks[i];
        chunkCount *= grid[i];
        chunkElems *= chunks[i];
    }
    for (uint64_t c = 0; c < chunkCount; ++c) {
        std::vector<uint64_t> index(rank);
        for (size_t i = rank, rest = c; i-- > 0; rest /= grid[i])
            index[i] = rest % grid[i];
        std::vector<float> chunk(chunkElems, 0.0f);
        for (uint64_t e = 0; e < chunkElems; ++e) {
            uint64_t flat = 0, rest = e;
            bool inside = true;
            std::vector<uint64_t> pos(rank);
            for (size_t i = rank; i-- > 0; rest /= chunks[i])
                pos[i] = index[i] * chunks[i] + rest % chunks[i];
            for (size_t i = 0; i < rank; ++i) {
                inside = inside && pos[i] < shape[i];
                flat = flat * shape[i] + pos[i];
            }
            if (inside)
                chunk[e] = v[flat];
        }
        std::string name;
        for (size_t i = 0; i < rank; ++i)
            name += (i ? "." : "") + std::to_string(index[i]);
        writeFile(std::filesystem::path(dir) / name, zstdCompress(bytesOf(chunk), 1));
    }
    return zarr::openV2Array(DirectoryKvStore::open(dir), "");
}

ArraySourcePtr inMemory(const ArraySource &s)
{
    return std::make_shared<MemoryArraySource>(ArrayInfo{s.info().dtype, s.info().shape, {}}, s.readAll());
}

/// Every number of two comparisons is the same, bit for bit (QCOMPARE on doubles is fuzzy).
void compareNumbers(const ArrayDiff &got, const ArrayDiff &want)
{
    QCOMPARE(got.count, want.count);
    QCOMPARE(got.differing, want.differing);
    QVERIFY(got.maxAbs == want.maxAbs);
    QCOMPARE(got.maxAbsIndex, want.maxAbsIndex);
    QCOMPARE(got.hasMaxRel, want.hasMaxRel);
    QVERIFY(got.maxRel == want.maxRel);
    QCOMPARE(got.maxRelIndex, want.maxRelIndex);
    QVERIFY2(got.normA == want.normA, (std::to_string(got.normA) + " vs " + std::to_string(want.normA)).c_str());
    QVERIFY(got.normB == want.normB);
    QVERIFY(got.normDiff == want.normDiff);
}

ArrayCompareOptions pieces(uint64_t bytes)
{
    ArrayCompareOptions o;
    o.pieceBytes = bytes;
    return o;
}

} // namespace

class TestDiffChunks : public QObject {
    Q_OBJECT

private slots:
    void shortCutCountsIdenticalChunks_data()
    {
        QTest::addColumn<bool>("zstd");
        QTest::addColumn<quint64>("pieceBytes");
        QTest::newRow("raw, band pieces") << false << quint64(1);
        QTest::newRow("raw, whole array") << false << quint64(1u << 20);
        QTest::newRow("zstd, band pieces") << true << quint64(1);
        QTest::newRow("zstd, two bands") << true << quint64(200);
        QTest::newRow("zstd, whole array") << true << quint64(1u << 20);
    }
    void shortCutCountsIdenticalChunks()
    {
        QFETCH(bool, zstd);
        QFETCH(quint64, pieceBytes);
        QTemporaryDir tmp;
        // 7 x 10 in 3 x 4 chunks: a 3 x 3 grid with edge chunks along both dimensions.
        const uint64_t rows = 7, cols = 10;
        const std::vector<float> va = values(rows * cols, 1.0f);
        std::vector<float> vb = va;
        vb[1 * cols + 9] += 100.0f; // chunk (0, 2)
        vb[6 * cols + 0] -= 0.5f; // chunk (2, 0)
        vb[6 * cols + 1] = -vb[6 * cols + 1]; // chunk (2, 0) again
        const auto a = writeZarr2(tmp.filePath("a").toStdString(), rows, cols, 3, 4, va, zstd);
        const auto b = writeZarr2(tmp.filePath("b").toStdString(), rows, cols, 3, 4, vb, zstd);
        QVERIFY(a->chunkedStorage() != nullptr);
        QCOMPARE(a->chunkedStorage()->encodingKey(), b->chunkedStorage()->encodingKey());

        const ArrayDiff got = compareArrays(*a, *b, pieces(pieceBytes));
        QCOMPARE(got.chunksShortCut, uint64_t(7));
        // Short-cut chunks hold 7 x 10 elements minus chunk (0, 2) (3 x 2) and (2, 0) (1 x 4).
        QCOMPARE(got.bytesShortCut, uint64_t((70 - 6 - 4) * 4));
        QCOMPARE(got.differing, uint64_t(3));
        QCOMPARE(got.maxAbsIndex, uint64_t(1 * cols + 9));
        compareNumbers(got, compareArrays(*inMemory(*a), *inMemory(*b), pieces(pieceBytes)));

        // Both sides identical: every chunk short-cut, nothing differs.
        const ArrayDiff self = compareArrays(
            *a, *writeZarr2(tmp.filePath("a2").toStdString(), rows, cols, 3, 4, va, zstd), pieces(pieceBytes));
        QCOMPARE(self.chunksShortCut, uint64_t(9));
        QCOMPARE(self.differing, uint64_t(0));
        compareNumbers(self, compareArrays(*inMemory(*a), *inMemory(*a), pieces(pieceBytes)));
    }

    void sameFileChunksShortCutByFingerprint()
    {
        QTemporaryDir tmp;
        const std::vector<float> va = values(64 * 8, -2.0f);
        const auto a = writeZarr2(tmp.filePath("a").toStdString(), 64, 8, 16, 8, va, true);
        const auto again = zarr::openV2Array(DirectoryKvStore::open(tmp.filePath("a").toStdString()), "");
        QVERIFY(!a->chunkedStorage()->chunkFingerprint({0, 0}).empty());
        QCOMPARE(a->chunkedStorage()->chunkFingerprint({1, 0}), again->chunkedStorage()->chunkFingerprint({1, 0}));
        QVERIFY(a->chunkedStorage()->chunkFingerprint({1, 0}) != a->chunkedStorage()->chunkFingerprint({2, 0}));
        const ArrayDiff d = compareArrays(*a, *again, pieces(1));
        QCOMPARE(d.chunksShortCut, uint64_t(4));
        QCOMPARE(d.count, uint64_t(512));
        compareNumbers(d, compareArrays(*inMemory(*a), *inMemory(*a), pieces(1)));
    }

    void missingChunksReadAsFill()
    {
        QTemporaryDir tmp;
        const std::vector<float> va = values(9 * 6, 3.0f);
        // (0, 0) missing on both sides: identical; (1, 1) missing in B only: decoded on both sides.
        const auto a = writeZarr2(tmp.filePath("a").toStdString(), 9, 6, 3, 3, va, true, {"0.0"});
        const auto b = writeZarr2(tmp.filePath("b").toStdString(), 9, 6, 3, 3, va, true, {"0.0", "1.1"});
        const ArrayDiff d = compareArrays(*a, *b, pieces(1));
        QCOMPARE(d.chunksShortCut, uint64_t(5));
        QCOMPARE(d.differing, uint64_t(9)); // fill 0.5 never equals these values
        compareNumbers(d, compareArrays(*inMemory(*a), *inMemory(*b), pieces(1)));
    }

    void differentEncodingsDecodeBoth()
    {
        QTemporaryDir tmp;
        const std::vector<float> va = values(12 * 5, 0.0f);
        const auto a = writeZarr2(tmp.filePath("a").toStdString(), 12, 5, 4, 5, va, true);
        const auto b = writeZarr2(tmp.filePath("b").toStdString(), 12, 5, 4, 5, va, false);
        QVERIFY(a->chunkedStorage()->encodingKey() != b->chunkedStorage()->encodingKey());
        const ArrayDiff d = compareArrays(*a, *b, pieces(1));
        QCOMPARE(d.chunksShortCut, uint64_t(0));
        QCOMPARE(d.differing, uint64_t(0));
        compareNumbers(d, compareArrays(*inMemory(*a), *inMemory(*b), pieces(1)));
        // Different chunk grids: no short-cut either, same numbers.
        const auto c = writeZarr2(tmp.filePath("c").toStdString(), 12, 5, 3, 5, va, true);
        const ArrayDiff e = compareArrays(*a, *c, pieces(1));
        QCOMPARE(e.chunksShortCut, uint64_t(0));
        QCOMPARE(e.differing, uint64_t(0));
    }

    void unalignedRangesMatchMemory()
    {
        QTemporaryDir tmp;
        const uint64_t rows = 11, cols = 7;
        const std::vector<float> va = values(rows * cols, 5.0f);
        std::vector<float> vb = va;
        for (uint64_t i = 0; i < vb.size(); i += 9)
            vb[i] *= 1.001f;
        const auto a = writeZarr2(tmp.filePath("a").toStdString(), rows, cols, 4, 3, va, true);
        const auto b = writeZarr2(tmp.filePath("b").toStdString(), rows, cols, 4, 3, vb, true);
        const auto ma = inMemory(*a), mb = inMemory(*b);
        for (uint64_t first : {uint64_t(0), uint64_t(5), uint64_t(28), uint64_t(30)}) {
            for (uint64_t count : {uint64_t(1), uint64_t(28), uint64_t(47), rows * cols - first}) {
                if (first + count > rows * cols)
                    continue;
                for (uint64_t piece : {uint64_t(1), uint64_t(120), uint64_t(1u << 20)}) {
                    const ArrayDiff got = compareArrayRange(*a, *b, first, count, pieces(piece));
                    compareNumbers(got, compareArrayRange(*ma, *mb, first, count, pieces(piece)));
                }
            }
        }
        // A band-aligned range (rows 4..10) short-cuts exactly its chunks without a changed element.
        uint64_t unchanged = 0;
        for (uint64_t ci = 1; ci < 3; ++ci) {
            for (uint64_t cj = 0; cj < 3; ++cj) {
                bool changed = false;
                for (uint64_t r = ci * 4; r < std::min(rows, ci * 4 + 4); ++r)
                    for (uint64_t c = cj * 3; c < std::min(cols, cj * 3 + 3); ++c)
                        changed = changed || (r * cols + c) % 9 == 0;
                unchanged += changed ? 0 : 1;
            }
        }
        QVERIFY(unchanged > 0);
        QCOMPARE(compareArrayRange(*a, *b, 28, 49, pieces(1)).chunksShortCut, unchanged);
        // Not band aligned: read piecewise, no short-cut, same numbers.
        QCOMPARE(compareArrayRange(*a, *b, 5, 60, pieces(1)).chunksShortCut, uint64_t(0));
    }

    void sharedBuffersGiveTheSameNumbers()
    {
        QTemporaryDir tmp;
        CompareBuffers buffers;
        // Large, small, then large again through one set of buffers: stale bytes must not leak in.
        for (uint64_t rows : {uint64_t(40), uint64_t(3), uint64_t(25)}) {
            const std::string n = std::to_string(rows);
            const std::vector<float> va = values(rows * 6, float(rows));
            std::vector<float> vb = va;
            vb[rows * 6 / 2] += 7.0f;
            const auto a
                = writeZarr2(tmp.filePath(QString::fromStdString("a" + n)).toStdString(), rows, 6, 2, 6, va, true);
            const auto b
                = writeZarr2(tmp.filePath(QString::fromStdString("b" + n)).toStdString(), rows, 6, 2, 6, vb, true);
            for (uint64_t piece : {uint64_t(1), uint64_t(1u << 20)}) {
                const ArrayDiff shared = compareArrayRange(*a, *b, 0, rows * 6, pieces(piece), {}, &buffers);
                compareNumbers(shared, compareArrays(*inMemory(*a), *inMemory(*b), pieces(piece)));
                QCOMPARE(shared.chunksShortCut, (rows + 1) / 2 - 1);
                QCOMPARE(shared.differing, uint64_t(1));
            }
        }
    }

    void ranksOneAndThree_data()
    {
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QString>("chunks");
        QTest::addColumn<quint64>("changed");
        QTest::newRow("1-d, edge chunk") << "50"
                                         << "8" << quint64(4);
        QTest::newRow("1-d, chunk longer than the array") << "50"
                                                          << "64" << quint64(1);
        QTest::newRow("3-d, chunks span the later dims") << "9,4,5"
                                                         << "2,4,5" << quint64(4);
        QTest::newRow("3-d, edge chunks everywhere") << "9,4,5"
                                                     << "2,3,2" << quint64(4);
    }
    void ranksOneAndThree()
    {
        QFETCH(QString, shape);
        QFETCH(QString, chunks);
        QFETCH(quint64, changed);
        auto dims = [](const QString &t) {
            std::vector<uint64_t> d;
            for (const QString &x : t.split(','))
                d.push_back(x.toULongLong());
            return d;
        };
        const std::vector<uint64_t> sh = dims(shape), ch = dims(chunks);
        uint64_t n = 1, chunkCount = 1;
        for (size_t i = 0; i < sh.size(); ++i) {
            n *= sh[i];
            chunkCount *= (sh[i] + ch[i] - 1) / ch[i];
        }
        const std::vector<float> va = values(n, 4.0f);
        std::vector<float> vb = va;
        // Four changed elements, in `changed` distinct chunks.
        for (uint64_t i : {uint64_t(0), n / 3, n / 2, n - 1})
            vb[i] += 2.0f;
        QTemporaryDir tmp;
        const auto a = writeZarr2Nd(tmp.filePath("a").toStdString(), sh, ch, va);
        const auto b = writeZarr2Nd(tmp.filePath("b").toStdString(), sh, ch, vb);
        for (uint64_t piece : {uint64_t(1), uint64_t(300), uint64_t(1u << 20)}) {
            const ArrayDiff d = compareArrays(*a, *b, pieces(piece));
            QCOMPARE(d.chunksShortCut, chunkCount - changed);
            QCOMPARE(d.differing, uint64_t(4));
            compareNumbers(d, compareArrays(*inMemory(*a), *inMemory(*b), pieces(piece)));
        }
    }

    void largeChunksDecodeBothSidesTogether()
    {
        // 1 MiB chunks spanning whole rows: differing chunks decode A and B at the same time.
        QTemporaryDir tmp;
        const uint64_t rows = 1024, cols = 256;
        const std::vector<float> va = values(rows * cols, 0.25f);
        std::vector<float> vb = va;
        vb[rows * cols - 5] += 9.0f; // chunk 1 only
        const std::string da = tmp.filePath("a").toStdString(), db = tmp.filePath("b").toStdString();
        const auto a = writeZarr2(da, rows, cols, 1024 * 256 / cols / 2, cols, va, true);
        const auto b = writeZarr2(db, rows, cols, 1024 * 256 / cols / 2, cols, vb, true);
        QCOMPARE(a->info().chunkShape[0] * cols * 4, uint64_t(1u << 19));
        const auto c = writeZarr2(tmp.filePath("c").toStdString(), rows, cols, rows, cols, va, true);
        const auto d = writeZarr2(tmp.filePath("d").toStdString(), rows, cols, rows, cols, vb, true);
        const ArrayDiff whole = compareArrays(*c, *d, pieces(1));
        QCOMPARE(whole.chunksShortCut, uint64_t(0));
        QCOMPARE(whole.differing, uint64_t(1));
        QCOMPARE(whole.maxAbsIndex, rows * cols - 5);
        compareNumbers(whole, compareArrays(*inMemory(*c), *inMemory(*d), pieces(1u << 20)));
        // Damage on either side of a large differing chunk names the chunk.
        const std::vector<std::byte> garbage(64, std::byte{0x17});
        for (const char *side : {"d", "c"}) {
            writeFile(std::filesystem::path(tmp.filePath(side).toStdString()) / "0.0", garbage);
            try {
                compareArrays(*c, *d, pieces(1));
                QFAIL("expected a corrupt chunk error");
            } catch (const Exception &e) {
                QCOMPARE(e.error().category, ErrorCategory::Corrupt);
                QVERIFY2(std::string(e.what()).find("zarr chunk \"0.0\"") != std::string::npos, e.what());
            }
        }
        // Half-MiB chunks (below the parallel size) still short-cut the unchanged one.
        QCOMPARE(compareArrays(*a, *b, pieces(1)).chunksShortCut, uint64_t(1));
    }

    void cancellationStopsBetweenChunks()
    {
        QTemporaryDir tmp;
        const std::vector<float> va = values(40 * 4, 1.0f);
        const auto a = writeZarr2(tmp.filePath("a").toStdString(), 40, 4, 2, 4, va, true);
        const auto b = writeZarr2(tmp.filePath("b").toStdString(), 40, 4, 2, 4, va, true);
        std::atomic<int> calls{0};
        Progress p;
        p.isCancelled = [&] { return ++calls > 5; };
        try {
            compareArrays(*a, *b, pieces(1u << 20), p);
            QFAIL("expected Cancelled");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::Cancelled);
        }
        QVERIFY(calls.load() < 20); // stopped long before the 20 chunks were done
    }

    void damagedChunkNamesTheChunk_data()
    {
        QTest::addColumn<bool>("bothSides");
        QTest::newRow("damaged in B only (bytes differ)") << false;
        QTest::newRow("same damaged bytes on both sides") << true;
    }
    void damagedChunkNamesTheChunk()
    {
        QFETCH(bool, bothSides);
        QTemporaryDir tmp;
        const std::vector<float> va = values(8 * 8, 2.0f);
        const std::string da = tmp.filePath("a").toStdString(), db = tmp.filePath("b").toStdString();
        const auto a = writeZarr2(da, 8, 8, 4, 4, va, true);
        const auto b = writeZarr2(db, 8, 8, 4, 4, va, true);
        const std::vector<std::byte> garbage(40, std::byte{0x5a});
        writeFile(std::filesystem::path(db) / "1.0", garbage);
        if (bothSides)
            writeFile(std::filesystem::path(da) / "1.0", garbage);
        for (uint64_t piece : {uint64_t(1), uint64_t(1u << 20)}) {
            try {
                compareArrays(*a, *b, pieces(piece));
                QFAIL("expected a corrupt chunk error");
            } catch (const Exception &e) {
                QCOMPARE(e.error().category, ErrorCategory::Corrupt);
                QVERIFY2(std::string(e.what()).find("zarr chunk \"1.0\"") != std::string::npos, e.what());
            }
        }
    }

    void exportedCheckpointsShortCutUnchangedChunks_data()
    {
        QTest::addColumn<bool>("zarr3");
        QTest::newRow("ocdbt zarr2") << false;
        QTest::newRow("ocdbt zarr3") << true;
    }
    void exportedCheckpointsShortCutUnchangedChunks()
    {
        QFETCH(bool, zarr3);
        QTemporaryDir tmp;
        // 96 x 64 float32 (24 KiB) split into 4 KiB chunks by Orbax's subchunking rule.
        const uint64_t rows = 96, cols = 64;
        const std::vector<float> va = values(rows * cols, 0.5f);
        std::vector<float> vb = va;
        vb[0] += 1.0f;
        vb[rows * cols - 1] -= 1.0f;
        auto tree = [&](const std::vector<float> &w, const std::vector<float> &other) {
            std::vector<Child> c;
            c.push_back({Key::name("w"),
                Node::makeArray(
                    std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float32, {rows, cols}, {}}, bytesOf(w)))});
            c.push_back({Key::name("same"),
                Node::makeArray(
                    std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float32, {rows, cols}, {}}, bytesOf(other)))});
            return Node::makeDict(std::move(c));
        };
        const NodePtr ta = tree(va, vb), tb = tree(vb, vb);
        ExportOptions o;
        o.format = ExportFormat::Orbax;
        o.orbax.useZarr3 = zarr3;
        o.orbax.targetDataFileBytes = 4096;
        const std::string pa = tmp.filePath("a").toStdString(), pb = tmp.filePath("b").toStdString();
        exportTree(ta, pa, o);
        exportTree(tb, pb, o);
        const Checkpoint ca = openCheckpoint(pa), cb = openCheckpoint(pb);
        const NodePtr w = ca.root->child("w");
        QVERIFY(w && w->kind() == NodeKind::Array && w->array()->chunkedStorage());
        const std::vector<uint64_t> chunk = w->arrayInfo().chunkShape;
        QCOMPARE(chunk.size(), size_t(2));
        QCOMPARE(chunk[0] * chunk[1] * 4, uint64_t(4096));

        DiffOptions opts;
        opts.compare.pieceBytes = 4096;
        const DiffResult got = diffTrees(ca.root, cb.root, opts);
        const DiffResult want = diffTrees(ta, tb, opts);
        QCOMPARE(got.entries.size(), size_t(2));
        QCOMPARE(want.entries.size(), size_t(2));
        for (const DiffEntry &g : got.entries) {
            const auto w = std::find_if(
                want.entries.begin(), want.entries.end(), [&](const DiffEntry &e) { return e.path == g.path; });
            QVERIFY(w != want.entries.end());
            QCOMPARE(g.status, w->status);
            compareNumbers(g.numbers, w->numbers);
        }
        // 6 chunks per array: "same" is unchanged (6 short-cut), "w" changed in its first and last
        // chunk (4 short-cut).
        const uint64_t perArray = 6;
        QCOMPARE((rows / chunk[0]) * (cols / chunk[1]), perArray);
        QCOMPARE(got.summary.chunksShortCut, uint64_t(2 * perArray - 2));
        QCOMPARE(got.summary.bytesRead, uint64_t(2 * 2 * rows * cols * 4 - (2 * perArray - 2) * 4096));
        const auto j = diffResultJson(got, false);
        QVERIFY(j["summary"]["chunks_short_cut"] == 2 * perArray - 2);
    }
};

QTEST_GUILESS_MAIN(TestDiffChunks)
#include "tst_diff_chunks.moc"
