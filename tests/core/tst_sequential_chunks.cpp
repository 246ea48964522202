// Chunks larger than a read decode front to back (SequentialChunkReader): any sequence of reads
// gives exactly the array's bytes, a sequential pass decodes every chunk once, and diff, digest and
// streaming use it. Edge chunks (padding), missing chunks (fill), ranks 1 to 3, damage.
#include "base/error.h"
#include "formats/zarr/chunked_array_source.h"
#include "formats/zarr/zarr2_array.h"
#include "io/codecs/zstd_codec.h"
#include "io/kvstore/directory_kvstore.h"
#include "layout/checkpoint.h"
#include "ops/diff/diff_array.h"
#include "ops/digest.h"
#include "ops/export.h"
#include "ops/stats.h"
#include "tree/sequential_chunk_reader.h"

#include "expect_error.h"
#include "test_files.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace ckpt;
namespace fs = std::filesystem;

using testfiles::writeFile;

namespace {

std::string list(const std::vector<uint64_t> &d)
{
    std::string t;
    for (uint64_t x : d)
        t += (t.empty() ? "" : ", ") + std::to_string(x);
    return "[" + t + "]";
}

/// values[i] for flat index i of the array (distinct, so a misplaced element shows).
float valueAt(uint64_t i, float seed)
{
    return seed + float(i % 10007) * 0.5f - float(i / 10007);
}

/// A float32 zarr v2 array written by hand: every chunk stored (edge chunks padded with -1) except
/// those listed in `missing` (fill 7.5); compressor "zstd", "raw" or big-endian raw ("be").
ArraySourcePtr writeArray(const fs::path &dir, const std::vector<uint64_t> &shape, const std::vector<uint64_t> &chunks,
    const std::string &codec, float seed, const std::vector<std::string> &missing = {})
{
    const std::string compressor = codec == "zstd" ? "{\"id\": \"zstd\", \"level\": 1}" : "null";
    const std::string meta = "{\"zarr_format\": 2, \"shape\": " + list(shape) + ", \"chunks\": " + list(chunks)
        + ", \"dtype\": \"" + (codec == "be" ? ">f4" : "<f4") + "\", \"compressor\": " + compressor
        + ", \"fill_value\": 7.5, \"order\": \"C\", \"filters\": null}";
    writeFile(dir / ".zarray", std::span(reinterpret_cast<const std::byte *>(meta.data()), meta.size()));
    const size_t rank = shape.size();
    std::vector<uint64_t> grid(rank), strides(rank, 1);
    uint64_t count = 1, chunkElems = 1;
    for (size_t i = 0; i < rank; ++i) {
        grid[i] = (shape[i] + chunks[i] - 1) / chunks[i];
        count *= grid[i];
        chunkElems *= chunks[i];
    }
    for (size_t i = rank; i-- > 1;)
        strides[i - 1] = strides[i] * shape[i];
    for (uint64_t c = 0; c < count; ++c) {
        std::vector<uint64_t> index(rank);
        std::string name;
        for (size_t i = rank, rest = c; i-- > 0; rest /= grid[i])
            index[i] = rest % grid[i];
        for (size_t i = 0; i < rank; ++i)
            name += (i ? "." : "") + std::to_string(index[i]);
        if (std::find(missing.begin(), missing.end(), name) != missing.end())
            continue;
        std::vector<float> chunk(chunkElems);
        for (uint64_t e = 0; e < chunkElems; ++e) {
            uint64_t flat = 0, rest = e;
            bool inside = true;
            for (size_t i = rank; i-- > 0;) {
                const uint64_t g = index[i] * chunks[i] + rest % chunks[i];
                rest /= chunks[i];
                inside = inside && g < shape[i];
                flat += g * strides[i];
            }
            chunk[e] = inside ? valueAt(flat, seed) : -1.0f;
        }
        std::vector<std::byte> raw(chunk.size() * 4);
        std::memcpy(raw.data(), chunk.data(), raw.size());
        if (codec == "be")
            for (size_t e = 0; e < raw.size(); e += 4)
                std::reverse(raw.begin() + long(e), raw.begin() + long(e) + 4);
        writeFile(dir / name, codec == "zstd" ? zstdCompress(raw, 1) : raw);
    }
    return zarr::openV2Array(DirectoryKvStore::open(dir.string()), "");
}

std::vector<std::byte> readRange(SequentialChunkReader &r, uint64_t first, uint64_t n)
{
    std::vector<std::byte> out(n * 4);
    r.read(first, n, out);
    return out;
}

std::vector<std::byte> slice(const std::vector<std::byte> &all, uint64_t first, uint64_t n)
{
    return {all.begin() + long(first * 4), all.begin() + long((first + n) * 4)};
}

} // namespace

class TestSequentialChunks : public QObject {
    Q_OBJECT

private slots:
    void readsEqualTheArray_data()
    {
        QTest::addColumn<QString>("codec");
        QTest::addColumn<std::vector<uint64_t>>("shape");
        QTest::addColumn<std::vector<uint64_t>>("chunks");
        QTest::addColumn<std::vector<std::string>>("missing");
        using V = std::vector<uint64_t>;
        using S = std::vector<std::string>;
        QTest::newRow("2-d, chunked rows and columns, edges") << "zstd" << V{1500, 1100} << V{1024, 1024} << S{"1.0"};
        QTest::newRow("2-d raw") << "raw" << V{1500, 1100} << V{1024, 1024} << S{};
        QTest::newRow("1-d, edge chunk") << "zstd" << V{3000000} << V{1100000} << S{};
        QTest::newRow("3-d, chunks span the later dims") << "zstd" << V{5, 600, 700} << V{3, 600, 700} << S{"1.0.0"};
        QTest::newRow("3-d, middle dim chunked") << "raw" << V{4, 900, 1000} << V{3, 500, 1000} << S{};
    }

    void readsEqualTheArray()
    {
        QFETCH(QString, codec);
        QFETCH(std::vector<uint64_t>, shape);
        QFETCH(std::vector<uint64_t>, chunks);
        QFETCH(std::vector<std::string>, missing);
        QTemporaryDir tmp;
        const auto src = writeArray(tmp.filePath("a").toStdString(), shape, chunks, codec.toStdString(), 1.0f, missing);
        const auto all = src->readAll();
        const uint64_t n = src->info().numElements();
        for (uint64_t i : {uint64_t(0), n / 3, n - 1}) {
            float v;
            std::memcpy(&v, all.data() + i * 4, 4);
            QVERIFY(v == valueAt(i, 1.0f) || (v == 7.5f && !missing.empty()));
        }
        auto reader = SequentialChunkReader::make(*src);
        QVERIFY(reader);
        // One pass in pieces that cut rows and chunks anywhere: every chunk opens once.
        const uint64_t piece = 333331;
        for (uint64_t first = 0; first < n; first += piece) {
            const uint64_t k = std::min(piece, n - first);
            QCOMPARE(readRange(*reader, first, k), slice(all, first, k));
        }
        uint64_t chunkCount = 1;
        for (size_t i = 0; i < shape.size(); ++i)
            chunkCount *= (shape[i] + chunks[i] - 1) / chunks[i];
        QCOMPARE(reader->streamsOpened(), chunkCount);
        // Jumps back and forth restart the chunks they need and still read right.
        for (auto [first, k] : {std::pair<uint64_t, uint64_t>{n / 2, 1000}, {7, 5}, {n - 3, 3}, {n / 5, n / 2}}) {
            QCOMPARE(readRange(*reader, first, k), slice(all, first, k));
        }
    }

    void zarr3ShardsStream_data()
    {
        QTest::addColumn<bool>("compress");
        QTest::addColumn<bool>("ocdbt");
        QTest::newRow("bytes + zstd in OCDBT") << true << true;
        QTest::newRow("bytes in plain files") << false << false;
    }

    void zarr3ShardsStream()
    {
        // What Orbax writes for zarr3: one shard per chunk holding one inner chunk, index + crc32c.
        QFETCH(bool, compress);
        QFETCH(bool, ocdbt);
        QTemporaryDir tmp;
        const auto mem = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float32, {1500, 1100}, {}},
            writeArray(tmp.filePath("src").toStdString(), {1500, 1100}, {1024, 1024}, "raw", 2.0f)->readAll());
        ExportOptions o;
        o.orbax.useZarr3 = true;
        o.orbax.useOcdbt = ocdbt;
        o.orbax.compress = compress;
        const std::string dst = tmp.filePath("z3").toStdString();
        exportTree(Node::makeDict({{Key::name("emb"), Node::makeArray(mem)}}), dst, o);
        const Checkpoint c = openCheckpoint(dst);
        const ArraySourcePtr src = findNode(c.root, parsePath("emb"))->array();
        auto reader = SequentialChunkReader::make(*src);
        QVERIFY(reader);
        const auto all = mem->readAll();
        const uint64_t n = 1500 * 1100;
        for (uint64_t first = 0; first < n; first += 400000) {
            const uint64_t k = std::min<uint64_t>(400000, n - first);
            QCOMPARE(readRange(*reader, first, k), slice(all, first, k));
        }
        QCOMPARE(reader->streamsOpened(), uint64_t(1));
        if (ocdbt)
            return;
        // A damaged shard index is Corrupt, naming the chunk.
        fs::path shard;
        for (const auto &e : fs::recursive_directory_iterator(dst))
            if (e.is_regular_file() && e.path().string().find("/emb/c/") != std::string::npos)
                shard = e.path();
        QVERIFY(!shard.empty());
        {
            std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(std::streamoff(fs::file_size(shard) - 10));
            f.put(char(0x5a));
        }
        const ArraySourcePtr again = findNode(openCheckpoint(dst).root, parsePath("emb"))->array();
        auto damaged = SequentialChunkReader::make(*again);
        QVERIFY(damaged);
        std::vector<std::byte> out(4);
        const Error e = expectError([&] { damaged->read(0, 1, out); }, ErrorCategory::Corrupt);
        QVERIFY2(e.message.find("crc32c") != std::string::npos, e.message.c_str());
    }

    void planesOfAHugeChunkStream()
    {
        // One 80 MiB chunk of stacked layers: a plane or a run of rows streams out of it (no
        // chunk-sized buffer); other slabs still decode the chunk whole. Both read right.
        QTemporaryDir tmp;
        const std::vector<uint64_t> shape{5, 2048, 2048};
        const auto src = writeArray(tmp.filePath("a").toStdString(), shape, shape, "raw", 0.5f);
        QVERIFY(zarr::ChunkedArraySource::kWholeChunkLimit < src->info().numBytes());
        auto expect = [&](const Slab &slab) {
            std::vector<float> want;
            for (uint64_t i = 0; i < slab.count[0]; ++i)
                for (uint64_t j = 0; j < slab.count[1]; ++j)
                    for (uint64_t k = 0; k < slab.count[2]; ++k)
                        want.push_back(
                            valueAt(((slab.start[0] + i) * 2048 + slab.start[1] + j) * 2048 + slab.start[2] + k, 0.5f));
            std::vector<std::byte> b(want.size() * 4);
            std::memcpy(b.data(), want.data(), b.size());
            return b;
        };
        for (const Slab &slab : {Slab{{3, 0, 0}, {1, 2048, 2048}}, Slab{{1, 0, 0}, {2, 2048, 2048}},
                 Slab{{4, 100, 0}, {1, 7, 2048}}, Slab{{2, 5, 9}, {1, 1, 100}}, Slab{{0, 0, 7}, {5, 3, 1}}}) {
            std::vector<std::byte> out(slab.numElements() * 4);
            src->readSlab(slab, out);
            QCOMPARE(out, expect(slab));
        }
    }

    void onlyLargeStreamingChunks()
    {
        QTemporaryDir tmp;
        // Big-endian chunks decode whole only; small chunks are cheap to decode whole.
        QVERIFY(!SequentialChunkReader::make(
            *writeArray(tmp.filePath("be").toStdString(), {1500, 1100}, {1024, 1024}, "be", 1.0f)));
        QVERIFY(!SequentialChunkReader::make(
            *writeArray(tmp.filePath("small").toStdString(), {1500, 1100}, {100, 1100}, "zstd", 1.0f)));
    }

    void damageNamesTheChunk()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.filePath("a").toStdString();
        const auto src = writeArray(dir, {1500, 1100}, {1024, 1024}, "zstd", 1.0f);
        fs::resize_file(dir / "0.1", fs::file_size(dir / "0.1") / 2);
        auto reader = SequentialChunkReader::make(*src);
        QVERIFY(reader);
        std::vector<std::byte> out(1500 * 1100 * 4);
        // The second half of chunk 0.1 is gone.
        const Error e = expectError([&] { reader->read(0, 1500 * 1100, out); }, ErrorCategory::Corrupt);
        QVERIFY2(e.message.find("\"0.1\"") != std::string::npos, e.message.c_str());
    }

    void diffDigestAndStreamingUseIt()
    {
        QTemporaryDir tmp;
        const auto a = writeArray(tmp.filePath("a").toStdString(), {1500, 1100}, {1024, 1024}, "zstd", 1.0f);
        const auto b = writeArray(tmp.filePath("b").toStdString(), {1500, 1100}, {1024, 1024}, "raw", 1.25f);
        const MemoryArraySource ma(a->info(), a->readAll()), mb(b->info(), b->readAll());
        for (unsigned threads : {1u, 2u}) {
            ArrayCompareOptions o;
            o.pieceThreads = threads;
            o.pieceBytes = 1u << 20;
            const ArrayDiff got = compareArrays(*a, *b, o), want = compareArrays(ma, mb, o);
            QCOMPARE(got.differing, want.differing);
            QVERIFY(got.differing > 0);
            QCOMPARE(got.maxAbsIndex, want.maxAbsIndex);
            QVERIFY(got.maxAbs == want.maxAbs && got.normA == want.normA && got.normB == want.normB);
            QVERIFY(got.normDiff == want.normDiff && got.maxRel == want.maxRel);
        }
        QCOMPARE(arrayDigest(*a), arrayDigest(ma));
        std::vector<std::byte> streamed;
        streamArray(
            *a, [&](std::span<const std::byte> s) { streamed.insert(streamed.end(), s.begin(), s.end()); }, {},
            1u << 20);
        QCOMPARE(streamed, ma.readAll());
    }

    void statsOfAnArrayLargerThanItsSlabs()
    {
        // 36 MB in 16 MiB chunks: statistics read 32 MiB row slabs through the chunk streams.
        QTemporaryDir tmp;
        const auto a = writeArray(tmp.filePath("a").toStdString(), {3000, 3000}, {2048, 2048}, "raw", -3.0f, {"1.1"});
        QVERIFY(SequentialChunkReader::make(*a));
        const MemoryArraySource ma(a->info(), a->readAll());
        const ArrayStats got = computeStats(*a), want = computeStats(ma);
        QCOMPARE(got.count, uint64_t(9000000));
        QCOMPARE(got.zeroCount, want.zeroCount);
        QCOMPARE(got.finite, want.finite);
        QVERIFY(got.min == want.min && got.max == want.max && got.mean == want.mean && got.std == want.std);
    }
};

QTEST_GUILESS_MAIN(TestSequentialChunks)
#include "tst_sequential_chunks.moc"
