// Large stored chunks are read through file mappings instead of copies. A mapping faults when
// another program shrinks the file meanwhile: that must become an Io error naming the file, never
// a crash, and mapped reads must give exactly what copied reads give.
#include "base/error.h"
#include "formats/zarr/zarr2_array.h"
#include "io/codecs/zstd_codec.h"
#include "io/file.h"
#include "io/guarded_read.h"
#include "io/kvstore/directory_kvstore.h"
#include "ops/diff/diff_array.h"

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

std::vector<std::byte> noise(size_t n, uint32_t seed)
{
    std::vector<std::byte> b(n);
    for (size_t i = 0; i < n; ++i) {
        seed = seed * 1664525u + 1013904223u;
        b[i] = std::byte(seed >> 24);
    }
    return b;
}

/// Float32 values (finite, not too compressible) of `n` elements.
std::vector<float> floats(size_t n, uint32_t seed)
{
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = float(seed >> 8) / float(1u << 24) * 8.0f - 4.0f;
    }
    return v;
}

std::vector<std::byte> bytesOf(const std::vector<float> &v)
{
    std::vector<std::byte> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

constexpr uint64_t kRows = 1024, kCols = 256; // one 1 MiB chunk per array

/// A one-chunk [kRows, kCols] float32 zarr v2 array in `dir`, zstd or raw.
ArraySourcePtr writeArray(const fs::path &dir, const std::vector<float> &v, bool zstd)
{
    const std::string meta = std::string("{\"zarr_format\": 2, \"shape\": [1024, 256], \"chunks\": [1024, 256], "
                                         "\"dtype\": \"<f4\", \"compressor\": ")
        + (zstd ? "{\"id\": \"zstd\", \"level\": 1}" : "null")
        + ", \"fill_value\": 0.0, \"order\": \"C\", \"filters\": null}";
    writeFile(dir / ".zarray", std::span(reinterpret_cast<const std::byte *>(meta.data()), meta.size()));
    const auto raw = bytesOf(v);
    writeFile(dir / "0.0", zstd ? zstdCompress(raw, 1) : raw);
    return zarr::openV2Array(DirectoryKvStore::open(dir.string()), "");
}

} // namespace

class TestMappedReads : public QObject {
    Q_OBJECT

private slots:
    void guardedCallsNestAndPassExceptions()
    {
        int ran = 0;
        QVERIFY(guarded([&] { ++ran; }));
        QVERIFY(guarded([&] { QVERIFY(guarded([&] { ++ran; })); }));
        QCOMPARE(ran, 2);
        expectError([] { guarded([] { fail(ErrorCategory::Corrupt, "inside"); }); }, ErrorCategory::Corrupt);
        QVERIFY(guarded([&] { ++ran; })); // the thread's guard was put back after the throw
        QCOMPARE(ran, 3);
    }

    void fileRangesMapInPlace()
    {
        QTemporaryDir tmp;
        const fs::path path = tmp.filePath("data").toStdString();
        const auto content = noise(1u << 20, 7);
        writeFile(path, content);
        const FilePtr file = File::open(path.string());
        // An unaligned range maps to exactly its bytes.
        const auto m = file->map(4096 + 7, 600u << 10);
        QVERIFY(m);
        QCOMPARE(m->bytes().size(), size_t(600u << 10));
        QVERIFY(guardedEqual(m->bytes(), std::span(content).subspan(4096 + 7, 600u << 10), path.string()));
        // Too small to be worth it, or outside the file: null (readAt still works or reports).
        QVERIFY(!file->map(0, 1000));
        QVERIFY(!file->map(1u << 19, (1u << 19) + 1));
        // A window of the file maps through to the file.
        const SubRange window(file, 100, 900u << 10);
        const auto w = window.map(10, 300u << 10);
        QVERIFY(w);
        QVERIFY(guardedEqual(w->bytes(), std::span(content).subspan(110, 300u << 10), path.string()));
        QVERIFY(!window.map(10, 900u << 10)); // past the window's end
    }

    void shrunkFileIsAnIoError()
    {
        QTemporaryDir tmp;
        const fs::path path = tmp.filePath("data").toStdString();
        writeFile(path, noise(1u << 20, 9));
        const auto m = File::open(path.string())->map(0, 1u << 20);
        QVERIFY(m);
        std::vector<std::byte> copy(1u << 20);
        guardedCopy(m->bytes(), copy.data(), path.string(), 0); // faults nothing: all there
        fs::resize_file(path, 0); // another program truncates the file under the mapping
        const std::string message
            = expectError([&] { guardedCopy(m->bytes(), copy.data(), path.string(), 0); }, ErrorCategory::Io)
                  .describe();
        QVERIFY2(message.find("shrank") != std::string::npos && message.find(path.string()) != std::string::npos,
            message.c_str());
        expectError([&] { guardedEqual(m->bytes(), copy, path.string()); }, ErrorCategory::Io);
        expectError([&] { zstdDecompressInto(m->bytes(), copy, path.string(), 0); }, ErrorCategory::Io);
    }

    void mappedChunksDecodeLikeCopies_data()
    {
        QTest::addColumn<bool>("zstd");
        QTest::newRow("zstd, decoded from the mapping") << true;
        QTest::newRow("raw, copied from the mapping") << false;
    }

    void mappedChunksDecodeLikeCopies()
    {
        QFETCH(bool, zstd);
        QTemporaryDir tmp;
        const auto va = floats(kRows * kCols, 1);
        auto vb = va;
        for (size_t i = 0; i < vb.size(); i += 3)
            vb[i] += 0.001f * float(i % 7);
        const auto a = writeArray(fs::path(tmp.filePath("a").toStdString()), va, zstd);
        const auto b = writeArray(fs::path(tmp.filePath("b").toStdString()), vb, zstd);
        const auto c = writeArray(fs::path(tmp.filePath("c").toStdString()), va, zstd); // same bytes as a

        StoredChunk stored;
        QVERIFY(a->chunkedStorage()->readStoredChunk({0, 0}, stored));
        QVERIFY(stored.isMapped());
        std::vector<std::byte> out(kRows * kCols * 4);
        a->chunkedStorage()->decodeChunk({0, 0}, &stored, out);
        QCOMPARE(out, bytesOf(va));
        QCOMPARE(a->readAll(), bytesOf(va));

        // The diff reads both sides mapped; numbers equal those of the same values in memory.
        const MemoryArraySource ma(a->info(), bytesOf(va)), mb(b->info(), bytesOf(vb));
        const ArrayDiff got = compareArrays(*a, *b, {}), want = compareArrays(ma, mb, {});
        QCOMPARE(got.differing, want.differing);
        QVERIFY(got.differing > 0);
        QCOMPARE(got.maxAbsIndex, want.maxAbsIndex);
        QVERIFY(got.maxAbs == want.maxAbs && got.normDiff == want.normDiff && got.normA == want.normA);
        // Equal stored bytes in two files: compared in place, decoded once.
        const ArrayDiff twin = compareArrays(*a, *c, {});
        QCOMPARE(twin.chunksShortCut, uint64_t(1));
        QCOMPARE(twin.differing, uint64_t(0));

        // The chunk file shrinks between reading and decoding: an Io error naming the chunk.
        QVERIFY(b->chunkedStorage()->readStoredChunk({0, 0}, stored));
        QVERIFY(stored.isMapped());
        fs::resize_file(fs::path(tmp.filePath("b").toStdString()) / "0.0", 100);
        const std::string message = expectError(
            [&] {
                b->chunkedStorage()->decodeChunk({0, 0}, &stored, out);
            },
            ErrorCategory::Io)
                                        .describe();
        QVERIFY2(
            message.find("0.0") != std::string::npos && message.find("shrank") != std::string::npos, message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestMappedReads)
#include "tst_mapped_reads.moc"
