// zarr v3 arrays: zarr.json, codecs (bytes, transpose, zstd, gzip, blosc, crc32c), sharding_indexed.
#include "expect_error.h"
#include "orbax_test_helpers.h"

#include "base/error.h"
#include "formats/zarr/zarr2_array.h"
#include "formats/zarr/zarr3_array.h"
#include "io/codecs/crc32c.h"
#include "io/codecs/zstd_codec.h"
#include "io/kvstore/directory_kvstore.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace ckpt;
using namespace ckpt::testing;
using nlohmann::json;

namespace {

json arrayMeta(const std::string &dtype, json shape, json chunks, json codecs, json fill = 0,
    json keyEncoding = json{{"name", "default"}})
{
    return json{{"zarr_format", 3}, {"node_type", "array"}, {"data_type", dtype}, {"shape", shape},
        {"chunk_grid", {{"name", "regular"}, {"configuration", {{"chunk_shape", chunks}}}}},
        {"chunk_key_encoding", keyEncoding}, {"fill_value", fill}, {"codecs", codecs}};
}

json bytesCodec(const std::string &endian = "little")
{
    return json{{"name", "bytes"}, {"configuration", {{"endian", endian}}}};
}

void appendU64(std::vector<std::byte> &out, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        out.push_back(std::byte((v >> (8 * i)) & 0xff));
}

/// A shard of int32 values: inner chunks in C order of the inner grid, each zstd-compressed,
/// `missing` inner chunks left out; index (bytes little + crc32c) at the end or start.
std::vector<std::byte> makeShard(
    const std::vector<std::vector<int32_t>> &inner, const std::vector<bool> &missing, bool indexAtEnd)
{
    std::vector<std::byte> data, index;
    const uint64_t indexBytes = inner.size() * 16 + 4;
    const uint64_t base = indexAtEnd ? 0 : indexBytes;
    for (size_t i = 0; i < inner.size(); ++i) {
        if (missing[i]) {
            appendU64(index, ~uint64_t(0));
            appendU64(index, ~uint64_t(0));
            continue;
        }
        auto enc = zstdCompress(rawBytes(inner[i]), 3);
        appendU64(index, base + data.size());
        appendU64(index, enc.size());
        data.insert(data.end(), enc.begin(), enc.end());
    }
    const uint32_t crc = crc32c(index);
    for (int i = 0; i < 4; ++i)
        index.push_back(std::byte((crc >> (8 * i)) & 0xff));
    std::vector<std::byte> out;
    if (indexAtEnd) {
        out = data;
        out.insert(out.end(), index.begin(), index.end());
    } else {
        out = index;
        out.insert(out.end(), data.begin(), data.end());
    }
    return out;
}

json shardingCodec(json innerShape, bool indexAtEnd)
{
    return json{{"name", "sharding_indexed"},
        {"configuration",
            {{"chunk_shape", innerShape},
                {"codecs", json::array({bytesCodec(), {{"name", "zstd"}, {"configuration", {{"level", 3}}}}})},
                {"index_codecs", json::array({bytesCodec(), {{"name", "crc32c"}}})},
                {"index_location", indexAtEnd ? "end" : "start"}}}};
}

} // namespace

class TestZarr3 : public QObject {
    Q_OBJECT

private slots:
    void corpusNeuroglancer()
    {
        const QString dir = QStringLiteral(CKPT_CORPUS_DIR "/tensorstore_zarr3/neuroglancer_single_res");
        if (!QFileInfo::exists(dir))
            QSKIP("corpus folder tensorstore_zarr3 is missing");
        auto store = DirectoryKvStore::open(dir.toStdString());
        auto arr = zarr::openZarrArray(store, "");
        QCOMPARE(arr->info().dtype, DType::UInt16);
        QCOMPARE(arr->info().shape, (std::vector<uint64_t>{6, 7}));
        QCOMPARE(arr->info().chunkShape, (std::vector<uint64_t>{4, 5}));
        auto v = fromBytes<uint16_t>(arr->readAll());
        QCOMPARE(v.size(), size_t(42));
        for (size_t i = 0; i < v.size(); ++i)
            QCOMPARE(int(v[i]), int(i));
        std::vector<std::byte> out(2 * 3 * 2);
        arr->readSlab(Slab{{3, 4}, {2, 3}}, out);
        QCOMPARE(fromBytes<uint16_t>(out), (std::vector<uint16_t>{25, 26, 27, 32, 33, 34}));
    }

    void bigEndianTransposeGzip()
    {
        // 3x4 float32, one chunk, stored transposed (order [1,0]) big-endian and gzip-compressed.
        auto store = std::make_shared<MemoryKvStore>();
        json codecs = json::array({{{"name", "transpose"}, {"configuration", {{"order", {1, 0}}}}}, bytesCodec("big"),
            {{"name", "gzip"}, {"configuration", {{"level", 5}}}}});
        store->put("t/zarr.json", arrayMeta("float32", {3, 4}, {3, 4}, codecs).dump());
        std::vector<float> enc; // encoded shape 4x3: enc[j][i] = v[i][j]
        for (int j = 0; j < 4; ++j)
            for (int i = 0; i < 3; ++i)
                enc.push_back(float(i * 10 + j));
        auto raw = rawBytes(enc);
        for (size_t i = 0; i < raw.size(); i += 4)
            std::reverse(raw.begin() + i, raw.begin() + i + 4);
        store->put("t/c/0/0", zlibCompress(raw, true));
        auto v = fromBytes<float>(zarr::openV3Array(store, "t")->readAll());
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 4; ++j)
                QCOMPARE(v[i * 4 + j], float(i * 10 + j));
    }

    void keyEncodings()
    {
        auto store = std::make_shared<MemoryKvStore>();
        json codecs = json::array({bytesCodec()});
        store->put("d/zarr.json",
            arrayMeta("int16", {4}, {2}, codecs, 9, {{"name", "default"}, {"configuration", {{"separator", "."}}}})
                .dump());
        store->put("d/c.1", rawBytes(std::vector<int16_t>{3, 4}));
        QCOMPARE(fromBytes<int16_t>(zarr::openZarrArray(store, "d")->readAll()), (std::vector<int16_t>{9, 9, 3, 4}));
        store->put("v/zarr.json", arrayMeta("int16", {2, 2}, {1, 2}, codecs, 0, {{"name", "v2"}}).dump());
        store->put("v/1.0", rawBytes(std::vector<int16_t>{5, 6}));
        QCOMPARE(fromBytes<int16_t>(zarr::openZarrArray(store, "v")->readAll()), (std::vector<int16_t>{0, 0, 5, 6}));
        // Rank 0: default key "c".
        store->put("s/zarr.json", arrayMeta("float64", json::array(), json::array(), codecs, "NaN").dump());
        QVERIFY(std::isnan(fromBytes<double>(zarr::openZarrArray(store, "s")->readAll())[0]));
        store->put("s/c", rawBytes(std::vector<double>{4.25}));
        QCOMPARE(fromBytes<double>(zarr::openZarrArray(store, "s")->readAll())[0], 4.25);
    }

    void fillValueForms()
    {
        auto store = std::make_shared<MemoryKvStore>();
        json codecs = json::array({bytesCodec()});
        store->put("h/zarr.json", arrayMeta("float32", {2}, {2}, codecs, "0x3fc00000").dump());
        QCOMPARE(fromBytes<float>(zarr::openV3Array(store, "h")->readAll()), (std::vector<float>{1.5f, 1.5f}));
        store->put("i/zarr.json", arrayMeta("float64", {1}, {1}, codecs, "-Infinity").dump());
        QCOMPARE(
            fromBytes<double>(zarr::openV3Array(store, "i")->readAll())[0], -std::numeric_limits<double>::infinity());
        store->put("b/zarr.json", arrayMeta("bfloat16", {1}, {1}, codecs, 2.0).dump());
        QCOMPARE(fromBytes<uint16_t>(zarr::openV3Array(store, "b")->readAll())[0], uint16_t(0x4000));
    }

    void shardingIndexEndAndStart_data()
    {
        QTest::addColumn<bool>("atEnd");
        QTest::newRow("end") << true;
        QTest::newRow("start") << false;
    }
    void shardingIndexEndAndStart()
    {
        QFETCH(bool, atEnd);
        // int32 6x4 array, shards 4x4 (2 shards along dim 0; the second ragged), inner chunks 2x2.
        auto store = std::make_shared<MemoryKvStore>();
        store->put(
            "s/zarr.json", arrayMeta("int32", {6, 4}, {4, 4}, json::array({shardingCodec({2, 2}, atEnd)}), -1).dump());
        auto value = [](uint64_t i, uint64_t j) { return int32_t(i * 4 + j); };
        for (uint64_t shard = 0; shard < 2; ++shard) {
            std::vector<std::vector<int32_t>> inner;
            std::vector<bool> missing;
            for (uint64_t a = 0; a < 2; ++a)
                for (uint64_t b = 0; b < 2; ++b) {
                    std::vector<int32_t> c;
                    for (uint64_t x = 0; x < 2; ++x)
                        for (uint64_t y = 0; y < 2; ++y)
                            c.push_back(value(shard * 4 + a * 2 + x, b * 2 + y));
                    inner.push_back(c);
                    // Shard 0: inner chunk (1,1) missing. Shard 1: rows 6..7 lie outside the array.
                    missing.push_back((shard == 0 && a == 1 && b == 1) || (shard == 1 && a == 1));
                }
            store->put("s/c/" + std::to_string(shard) + "/0", makeShard(inner, missing, atEnd));
        }
        auto arr = zarr::openV3Array(store, "s");
        auto v = fromBytes<int32_t>(arr->readAll());
        for (uint64_t i = 0; i < 6; ++i)
            for (uint64_t j = 0; j < 4; ++j) {
                const bool fill = i >= 2 && i < 4 && j >= 2;
                QCOMPARE(v[i * 4 + j], fill ? -1 : value(i, j));
            }
        std::vector<std::byte> out(4 * 2);
        arr->readSlab(Slab{{4, 1}, {2, 1}}, out);
        QCOMPARE(fromBytes<int32_t>(out), (std::vector<int32_t>{17, 21}));

        // A missing shard reads as the fill value.
        store->erase("s/c/1/0");
        v = fromBytes<int32_t>(zarr::openV3Array(store, "s")->readAll());
        QCOMPARE(v[5 * 4 + 3], -1);
        QCOMPARE(v[0], 0);
    }

    void shardDamage()
    {
        auto store = std::make_shared<MemoryKvStore>();
        store->put("s/zarr.json", arrayMeta("int32", {4}, {4}, json::array({shardingCodec({2}, true)})).dump());
        const auto good = makeShard({{1, 2}, {3, 4}}, {false, false}, true);
        store->put("s/c/0", good);
        QCOMPARE(fromBytes<int32_t>(zarr::openV3Array(store, "s")->readAll()), (std::vector<int32_t>{1, 2, 3, 4}));
        auto expectCorrupt = [&](std::vector<std::byte> bytes) {
            store->put("s/c/0", std::move(bytes));
            auto e = captureError([&] { zarr::openV3Array(store, "s")->readAll(); });
            QCOMPARE(e.category, ErrorCategory::Corrupt);
            QVERIFY2(e.message.find("\"s/c/0\"") != std::string::npos, e.message.c_str());
        };
        for (size_t n = 0; n < good.size(); ++n)
            expectCorrupt(std::vector<std::byte>(good.begin(), good.begin() + n));
        // Every single bit flip in the index or its crc is detected.
        const size_t indexStart = good.size() - 36;
        for (size_t pos = indexStart; pos < good.size(); ++pos) {
            auto bad = good;
            bad[pos] ^= std::byte(0x01);
            expectCorrupt(bad);
        }
        // Index pointing outside the shard (with a valid crc).
        std::vector<std::byte> idx;
        appendU64(idx, 1000);
        appendU64(idx, 10);
        appendU64(idx, ~uint64_t(0));
        appendU64(idx, ~uint64_t(0));
        const uint32_t crc = crc32c(idx);
        for (int i = 0; i < 4; ++i)
            idx.push_back(std::byte((crc >> (8 * i)) & 0xff));
        expectCorrupt(idx);
        // Flipped zstd magic in an inner chunk.
        auto bad = good;
        bad[0] ^= std::byte(0x10);
        expectCorrupt(bad);
    }

    void rankZeroShard()
    {
        // Orbax writes scalars with use_zarr3 as rank-0 arrays whose one shard key is "c".
        auto store = std::make_shared<MemoryKvStore>();
        store->put("s/zarr.json",
            arrayMeta("int64", json::array(), json::array(), json::array({shardingCodec(json::array(), true)})).dump());
        store->put("s/c", makeShard({{int32_t(1 << 30), 3}}, {false}, true)); // 8 bytes = int64 2^30 + 3*2^32
        auto v = fromBytes<int64_t>(zarr::openV3Array(store, "s")->readAll());
        QCOMPARE(v, (std::vector<int64_t>{(int64_t(3) << 32) + (int64_t(1) << 30)}));
        store->put("s/c", makeShard({{0, 0}}, {true}, true));
        QCOMPARE(fromBytes<int64_t>(zarr::openV3Array(store, "s")->readAll()), (std::vector<int64_t>{0}));
    }

    void crc32cCodecOnChunks()
    {
        auto store = std::make_shared<MemoryKvStore>();
        store->put(
            "k/zarr.json", arrayMeta("uint8", {3}, {3}, json::array({bytesCodec(), {{"name", "crc32c"}}})).dump());
        std::vector<std::byte> raw{std::byte(7), std::byte(8), std::byte(9)};
        const uint32_t crc = crc32c(raw);
        for (int i = 0; i < 4; ++i)
            raw.push_back(std::byte((crc >> (8 * i)) & 0xff));
        store->put("k/c/0", raw);
        QCOMPARE(fromBytes<uint8_t>(zarr::openV3Array(store, "k")->readAll()), (std::vector<uint8_t>{7, 8, 9}));
        raw[1] = std::byte(0);
        store->put("k/c/0", raw);
        auto e = captureError([&] { zarr::openV3Array(store, "k")->readAll(); });
        QCOMPARE(e.category, ErrorCategory::Corrupt);
    }

    void bloscInner()
    {
        auto store = std::make_shared<MemoryKvStore>();
        store->put("b/zarr.json",
            arrayMeta("int64", {5}, {5},
                json::array({bytesCodec(), {{"name", "blosc"}, {"configuration", {{"cname", "lz4"}}}}}))
                .dump());
        std::vector<int64_t> v{5, -4, 3, -2, 1};
        store->put("b/c/0", bloscCompress(rawBytes(v), 8));
        QCOMPARE(fromBytes<int64_t>(zarr::openV3Array(store, "b")->readAll()), v);
    }

    void slabsEqualSlicesOfWholeRead()
    {
        // 5x7 int32, shards 4x4 with inner 2x2 chunks; slabs cross shard and inner chunk edges.
        auto store = std::make_shared<MemoryKvStore>();
        store->put(
            "r/zarr.json", arrayMeta("int32", {5, 7}, {4, 4}, json::array({shardingCodec({2, 2}, true)})).dump());
        for (uint64_t si = 0; si < 2; ++si)
            for (uint64_t sj = 0; sj < 2; ++sj) {
                std::vector<std::vector<int32_t>> inner;
                for (uint64_t a = 0; a < 2; ++a)
                    for (uint64_t b = 0; b < 2; ++b) {
                        std::vector<int32_t> c;
                        for (uint64_t x = 0; x < 2; ++x)
                            for (uint64_t y = 0; y < 2; ++y)
                                c.push_back(int32_t((si * 4 + a * 2 + x) * 7 + sj * 4 + b * 2 + y));
                        inner.push_back(c);
                    }
                store->put("r/c/" + std::to_string(si) + "/" + std::to_string(sj),
                    makeShard(inner, std::vector<bool>(4, false), true));
            }
        auto arr = zarr::openV3Array(store, "r");
        auto whole = arr->readAll();
        auto wv = fromBytes<int32_t>(whole);
        for (size_t i = 0; i < wv.size(); ++i)
            QCOMPARE(wv[i], int32_t(i));
        std::mt19937 rng(7);
        for (int t = 0; t < 40; ++t) {
            Slab s;
            for (uint64_t d : {5u, 7u}) {
                const uint64_t start = rng() % d;
                s.start.push_back(start);
                s.count.push_back(rng() % (d - start + 1));
            }
            std::vector<std::byte> got(s.numElements() * 4), want(s.numElements() * 4);
            arr->readSlab(s, got);
            copySlab(whole, {5, 7}, 4, s, want);
            QCOMPARE(got, want);
        }
    }

    void badMetadata()
    {
        auto store = std::make_shared<MemoryKvStore>();
        auto check = [&](const json &meta, ErrorCategory want) {
            store->put("m/zarr.json", meta.dump());
            auto e = captureError([&] { zarr::openV3Array(store, "m"); });
            QCOMPARE(e.category, want);
        };
        json ok = arrayMeta("int32", {4}, {2}, json::array({bytesCodec()}));
        check(ok, ErrorCategory::InvalidArgument); // sentinel: no error
        auto m = ok;
        m["data_type"] = "string";
        check(m, ErrorCategory::Unsupported);
        m = ok;
        m["codecs"] = json::array({{{"name", "lzma"}}});
        check(m, ErrorCategory::Unsupported);
        m = ok;
        m["codecs"] = json::array({{{"name", "zstd"}}});
        check(m, ErrorCategory::Corrupt);
        m = ok;
        m["codecs"] = json::array({shardingCodec({3}, true)});
        check(m, ErrorCategory::Corrupt); // 3 does not tile 2
        m = ok;
        m["codecs"] = json::array({{{"name", "transpose"}, {"configuration", {{"order", {0, 0}}}}}, bytesCodec()});
        check(m, ErrorCategory::Corrupt);
        m = ok;
        m["chunk_grid"]["name"] = "rectilinear";
        check(m, ErrorCategory::Unsupported);
        m = ok;
        m["node_type"] = "group";
        check(m, ErrorCategory::NotACheckpoint);
        m = ok;
        m["shape"] = {-1};
        check(m, ErrorCategory::Corrupt);
        store->put("m/zarr.json", "{");
        QCOMPARE(captureError([&] { zarr::openV3Array(store, "m"); }).category, ErrorCategory::Corrupt);
    }
};

QTEST_GUILESS_MAIN(TestZarr3)
#include "tst_zarr3.moc"
