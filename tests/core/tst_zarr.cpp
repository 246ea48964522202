// zarr v2 arrays over a KvStore: dtypes, orders, compressors, fill values, slabs, damage.
#include "expect_error.h"
#include "orbax_test_helpers.h"

#include "base/error.h"
#include "formats/zarr/chunked_array_source.h"
#include "formats/zarr/zarr2_array.h"
#include "formats/zarr/zarr_dtype.h"
#include "io/codecs/zstd_codec.h"
#include "io/kvstore/directory_kvstore.h"

#include <QtTest>

#include <atomic>
#include <cmath>
#include <random>

using namespace ckpt;
using namespace ckpt::testing;

namespace {

std::string zarray(const std::string &dtype, const std::string &shape, const std::string &chunks,
    const std::string &compressor = "null", const std::string &fill = "null", const std::string &order = "C",
    const std::string &sep = ".")
{
    return "{\"chunks\":" + chunks + ",\"compressor\":" + compressor + ",\"dimension_separator\":\"" + sep
        + "\",\"dtype\":\"" + dtype + "\",\"fill_value\":" + fill + ",\"filters\":null,\"order\":\"" + order
        + "\",\"shape\":" + shape + ",\"zarr_format\":2}";
}

/// C-order chunk [ci*cs, ...) of a 2-D int32 array v(i,j) = i*100+j, padded to full chunk size with -1.
std::vector<int32_t> chunk2d(
    uint64_t rows, uint64_t cols, uint64_t cr, uint64_t cc, uint64_t ci, uint64_t cj, bool fortran)
{
    std::vector<int32_t> out(cr * cc, -1);
    for (uint64_t a = 0; a < cr; ++a)
        for (uint64_t b = 0; b < cc; ++b) {
            const uint64_t i = ci * cr + a, j = cj * cc + b;
            if (i < rows && j < cols)
                out[fortran ? b * cr + a : a * cc + b] = int32_t(i * 100 + j);
        }
    return out;
}

} // namespace

class TestZarr : public QObject {
    Q_OBJECT

private slots:
    void dtypeStrings_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("big");
        QTest::newRow("<f4") << "<f4"
                             << "float32" << false;
        QTest::newRow(">f8") << ">f8"
                             << "float64" << true;
        QTest::newRow("|b1") << "|b1"
                             << "bool" << false;
        QTest::newRow("<i8") << "<i8"
                             << "int64" << false;
        QTest::newRow("|u1") << "|u1"
                             << "uint8" << false;
        QTest::newRow("|i1") << "|i1"
                             << "int8" << false;
        QTest::newRow(">u2") << ">u2"
                             << "uint16" << true;
        QTest::newRow("<c8") << "<c8"
                             << "complex64" << false;
        QTest::newRow(">c16") << ">c16"
                              << "complex128" << true;
        QTest::newRow("<f2") << "<f2"
                             << "float16" << false;
        QTest::newRow("bfloat16") << "bfloat16"
                                  << "bfloat16" << false;
        QTest::newRow("float8_e4m3fn") << "float8_e4m3fn"
                                       << "float8_e4m3fn" << false;
        QTest::newRow("float8_e5m2") << "float8_e5m2"
                                     << "float8_e5m2" << false;
        QTest::newRow("int4") << "int4"
                              << "int4" << false;
        QTest::newRow("float4_e2m1fn") << "float4_e2m1fn"
                                       << "float4_e2m1fn" << false;
    }
    void dtypeStrings()
    {
        QFETCH(QString, text);
        QFETCH(QString, name);
        QFETCH(bool, big);
        auto t = zarr::parseV2DType(nlohmann::json(text.toStdString()), "x");
        QCOMPARE(QString::fromUtf8(dtypeName(t.dtype).data()), name);
        QCOMPARE(t.bigEndian, big);
    }

    void unsupportedDtypes()
    {
        for (const char *s : {"<U8", "|S4", "<M8[ns]", "|O", "<f3", "nonsense"}) {
            auto e = captureError([&] { zarr::parseV2DType(nlohmann::json(s), "x"); });
            QCOMPARE(e.category, ErrorCategory::Unsupported);
        }
        auto e = captureError([&] { zarr::parseV2DType(nlohmann::json::parse("[[\"a\",\"<f4\"]]"), "x"); });
        QCOMPARE(e.category, ErrorCategory::Unsupported);
    }

    void fillValues()
    {
        using nlohmann::json;
        auto f32
            = [](const json &j) { return fromBytes<float>(zarr::parseFillValue(j, DType::Float32, false, "x"))[0]; };
        QVERIFY(std::isnan(f32(json("NaN"))));
        QCOMPARE(f32(json("Infinity")), std::numeric_limits<float>::infinity());
        QCOMPARE(f32(json("-Infinity")), -std::numeric_limits<float>::infinity());
        QCOMPARE(f32(json(1.5)), 1.5f);
        QCOMPARE(f32(json()), 0.0f);
        QCOMPARE(f32(json("0x3fc00000")), 1.5f);
        // base64 of the stored little-endian bytes of 1.5f.
        QCOMPARE(f32(json("AADAPw==")), 1.5f);
        // base64 of big-endian stored bytes.
        QCOMPARE(fromBytes<float>(zarr::parseFillValue(json("P8AAAA=="), DType::Float32, true, "x"))[0], 1.5f);
        QCOMPARE(fromBytes<int64_t>(zarr::parseFillValue(json(-7), DType::Int64, false, "x"))[0], int64_t(-7));
        QCOMPARE(fromBytes<uint16_t>(zarr::parseFillValue(json(65535), DType::UInt16, false, "x"))[0], uint16_t(65535));
        QCOMPARE(int(zarr::parseFillValue(json(true), DType::Bool, false, "x")[0]), 1);
        auto c = fromBytes<float>(zarr::parseFillValue(json::parse("[1.0, \"NaN\"]"), DType::Complex64, false, "x"));
        QCOMPARE(c[0], 1.0f);
        QVERIFY(std::isnan(c[1]));
        // bfloat16 1.5 = 0x3fc0; float16 1.5 = 0x3e00; float8_e4m3fn 1.5 = 0x3c.
        QCOMPARE(
            fromBytes<uint16_t>(zarr::parseFillValue(json(1.5), DType::BFloat16, false, "x"))[0], uint16_t(0x3fc0));
        QCOMPARE(fromBytes<uint16_t>(zarr::parseFillValue(json(1.5), DType::Float16, false, "x"))[0], uint16_t(0x3e00));
        QCOMPARE(int(zarr::parseFillValue(json(1.5), DType::Float8_e4m3fn, false, "x")[0]), 0x3c);
        QCOMPARE(int(zarr::parseFillValue(json(-3), DType::Int4, false, "x")[0]), 0xfd);
        for (const json &bad : {json("abc"), json(true), json::array()}) {
            auto e = captureError([&] { zarr::parseFillValue(bad, DType::Float32, false, "x"); });
            QCOMPARE(e.category, ErrorCategory::Corrupt);
        }
        auto e = captureError([&] { zarr::parseFillValue(json(1.5), DType::Int32, false, "x"); });
        QCOMPARE(e.category, ErrorCategory::Corrupt);
    }

    void int32ZstdChunksWithEdge()
    {
        auto store = std::make_shared<MemoryKvStore>();
        store->put("w/.zarray", zarray("<i4", "[8]", "[3]", "{\"id\":\"zstd\",\"level\":1}"));
        for (int c = 0; c < 3; ++c) {
            std::vector<int32_t> v(3);
            for (int i = 0; i < 3; ++i)
                v[i] = c * 3 + i < 8 ? c * 3 + i : 99; // edge chunk padded to full size
            store->put("w/" + std::to_string(c), zstdCompress(rawBytes(v), 1));
        }
        auto arr = zarr::openV2Array(store, "w");
        QCOMPARE(arr->info().dtype, DType::Int32);
        QCOMPARE(arr->info().shape, std::vector<uint64_t>{8});
        QCOMPARE(arr->info().chunkShape, std::vector<uint64_t>{3});
        QCOMPARE(fromBytes<int32_t>(arr->readAll()), (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
        std::vector<std::byte> out(3 * 4);
        arr->readSlab(Slab{{4}, {3}}, out);
        QCOMPARE(fromBytes<int32_t>(out), (std::vector<int32_t>{4, 5, 6}));
    }

    void fortranOrderBigEndian()
    {
        // float64 >f8, F order, 5x3 array in 2x2 chunks, no compressor.
        auto store = std::make_shared<MemoryKvStore>();
        store->put("f/.zarray", zarray(">f8", "[5,3]", "[2,2]", "null", "null", "F"));
        for (uint64_t ci = 0; ci < 3; ++ci)
            for (uint64_t cj = 0; cj < 2; ++cj) {
                auto ints = chunk2d(5, 3, 2, 2, ci, cj, true);
                std::vector<double> d(ints.begin(), ints.end());
                auto raw = rawBytes(d);
                zarr::byteSwapElements(raw, DType::Float64);
                store->put("f/" + std::to_string(ci) + "." + std::to_string(cj), raw);
            }
        auto arr = zarr::openV2Array(store, "f");
        QCOMPARE(arr->info().dtype, DType::Float64);
        auto v = fromBytes<double>(arr->readAll());
        QCOMPARE(v.size(), size_t(15));
        for (int i = 0; i < 5; ++i)
            for (int j = 0; j < 3; ++j)
                QCOMPARE(v[i * 3 + j], double(i * 100 + j));
    }

    void bigEndianComplexAndBool()
    {
        auto store = std::make_shared<MemoryKvStore>();
        store->put("c/.zarray", zarray(">c8", "[2]", "[2]"));
        std::vector<float> parts{1.0f, 2.0f, -3.0f, 0.5f};
        auto raw = rawBytes(parts);
        zarr::byteSwapElements(raw, DType::Float32); // each half swapped = complex swap
        store->put("c/0", raw);
        QCOMPARE(fromBytes<float>(zarr::openV2Array(store, "c")->readAll()), parts);

        store->put("b/.zarray", zarray("|b1", "[4]", "[4]", "null", "true"));
        store->put("b/0", std::vector<std::byte>{std::byte(1), std::byte(0), std::byte(1), std::byte(1)});
        auto b = zarr::openV2Array(store, "b")->readAll();
        QCOMPARE(b.size(), size_t(4));
        QCOMPARE(int(b[1]), 0);
        QCOMPARE(int(b[3]), 1);
    }

    void compressors_data()
    {
        QTest::addColumn<QString>("id");
        QTest::newRow("zstd") << "zstd";
        QTest::newRow("zlib") << "zlib";
        QTest::newRow("gzip") << "gzip";
        QTest::newRow("blosc") << "blosc";
        QTest::newRow("null") << "null";
    }
    void compressors()
    {
        QFETCH(QString, id);
        auto store = std::make_shared<MemoryKvStore>();
        const std::string sid = id.toStdString();
        const std::string comp = sid == "null" ? "null" : "{\"id\":\"" + sid + "\"}";
        store->put("x/.zarray", zarray("<u2", "[6,7]", "[4,5]", comp, "0", "C", "/"));
        for (uint64_t ci = 0; ci < 2; ++ci)
            for (uint64_t cj = 0; cj < 2; ++cj) {
                auto ints = chunk2d(6, 7, 4, 5, ci, cj, false);
                std::vector<uint16_t> u(ints.begin(), ints.end());
                auto raw = rawBytes(u);
                std::vector<std::byte> enc;
                if (sid == "zstd")
                    enc = zstdCompress(raw, 3);
                else if (sid == "zlib" || sid == "gzip")
                    enc = zlibCompress(raw, sid == "gzip");
                else if (sid == "blosc")
                    enc = bloscCompress(raw, 2);
                else
                    enc = raw;
                store->put("x/" + std::to_string(ci) + "/" + std::to_string(cj), enc);
            }
        auto v = fromBytes<uint16_t>(zarr::openV2Array(store, "x")->readAll());
        for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 7; ++j)
                QCOMPARE(int(v[i * 7 + j]), i * 100 + j);
    }

    void missingChunksReadAsFill()
    {
        auto store = std::make_shared<MemoryKvStore>();
        store->put(".zarray", zarray("<f4", "[5]", "[2]", "null", "\"NaN\""));
        store->put("1", rawBytes(std::vector<float>{2.0f, 3.0f}));
        auto arr = zarr::openV2Array(store, "");
        auto v = fromBytes<float>(arr->readAll());
        QVERIFY(std::isnan(v[0]) && std::isnan(v[1]) && std::isnan(v[4]));
        QCOMPARE(v[2], 2.0f);
        QCOMPARE(v[3], 3.0f);

        store->put("i/.zarray", zarray("<i8", "[3]", "[3]", "null", "7"));
        QCOMPARE(fromBytes<int64_t>(zarr::openV2Array(store, "i")->readAll()), (std::vector<int64_t>{7, 7, 7}));
        store->put("z/.zarray", zarray("<i8", "[2]", "[2]"));
        QCOMPARE(fromBytes<int64_t>(zarr::openV2Array(store, "z")->readAll()), (std::vector<int64_t>{0, 0}));
    }

    void rankZero()
    {
        auto store = std::make_shared<MemoryKvStore>();
        store->put("s/.zarray", zarray("<f8", "[]", "[]", "{\"id\":\"zstd\"}"));
        store->put("s/0", zstdCompress(rawBytes(std::vector<double>{2.5})));
        auto arr = zarr::openV2Array(store, "s");
        QVERIFY(arr->info().shape.empty());
        QCOMPARE(fromBytes<double>(arr->readAll()), std::vector<double>{2.5});
    }

    void slabsEqualSlicesOfWholeRead()
    {
        // 3-D int32 array 7x5x6 in chunks 3x2x4 with zstd, values = linear index.
        const std::vector<uint64_t> shape{7, 5, 6}, cs{3, 2, 4};
        auto store = std::make_shared<MemoryKvStore>();
        store->put("t/.zarray", zarray("<i4", "[7,5,6]", "[3,2,4]", "{\"id\":\"zstd\",\"level\":1}"));
        for (uint64_t a = 0; a < 3; ++a)
            for (uint64_t b = 0; b < 3; ++b)
                for (uint64_t c = 0; c < 2; ++c) {
                    std::vector<int32_t> chunk(3 * 2 * 4, -5);
                    for (uint64_t x = 0; x < 3; ++x)
                        for (uint64_t y = 0; y < 2; ++y)
                            for (uint64_t z = 0; z < 4; ++z) {
                                const uint64_t i = a * 3 + x, j = b * 2 + y, k = c * 4 + z;
                                if (i < 7 && j < 5 && k < 6)
                                    chunk[(x * 2 + y) * 4 + z] = int32_t((i * 5 + j) * 6 + k);
                            }
                    store->put("t/" + std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c),
                        zstdCompress(rawBytes(chunk), 1));
                }
        auto arr = zarr::openV2Array(store, "t");
        auto whole = arr->readAll();
        auto wv = fromBytes<int32_t>(whole);
        for (size_t i = 0; i < wv.size(); ++i)
            QCOMPARE(wv[i], int32_t(i));
        std::mt19937 rng(42);
        for (int trial = 0; trial < 60; ++trial) {
            Slab s;
            for (size_t d = 0; d < 3; ++d) {
                const uint64_t start = rng() % shape[d];
                const uint64_t count = rng() % (shape[d] - start + 1);
                s.start.push_back(start);
                s.count.push_back(count);
            }
            std::vector<std::byte> got(s.numElements() * 4), want(s.numElements() * 4);
            arr->readSlab(s, got);
            copySlab(whole, shape, 4, s, want);
            QCOMPARE(got, want);
        }
        auto e = captureError([&] {
            std::vector<std::byte> out(4);
            arr->readSlab(Slab{{6, 4, 6}, {1, 1, 1}}, out);
        });
        QCOMPARE(e.category, ErrorCategory::InvalidArgument);
    }

    void slabTouchesOnlyNeededChunks()
    {
        auto store = std::make_shared<MemoryKvStore>();
        store->put("a/.zarray", zarray("<i4", "[6]", "[2]"));
        store->put("a/0", rawBytes(std::vector<int32_t>{0, 1}));
        store->put("a/1", std::vector<std::byte>(3)); // damaged, never read by the slab below
        store->put("a/2", rawBytes(std::vector<int32_t>{4, 5}));
        auto arr = zarr::openV2Array(store, "a");
        std::vector<std::byte> out(8);
        arr->readSlab(Slab{{4}, {2}}, out);
        QCOMPARE(fromBytes<int32_t>(out), (std::vector<int32_t>{4, 5}));
        auto e = captureError([&] { arr->readAll(); });
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        QVERIFY(e.message.find("\"a/1\"") != std::string::npos);
    }

    void truncatedAndBitFlippedChunks()
    {
        auto store = std::make_shared<MemoryKvStore>();
        store->put("p/.zarray", zarray("<i4", "[64]", "[64]", "{\"id\":\"zstd\",\"level\":1}"));
        std::vector<int32_t> v(64);
        for (int i = 0; i < 64; ++i)
            v[i] = i * 7919;
        const auto good = zstdCompress(rawBytes(v), 1);
        store->put("p/0", good);
        QCOMPARE(fromBytes<int32_t>(zarr::openV2Array(store, "p")->readAll()), v);
        // Every proper prefix fails cleanly with Corrupt and names the key.
        for (size_t n = 0; n < good.size(); ++n) {
            store->put("p/0", std::vector<std::byte>(good.begin(), good.begin() + n));
            auto e = captureError([&] { zarr::openV2Array(store, "p")->readAll(); });
            QCOMPARE(e.category, ErrorCategory::Corrupt);
            QVERIFY2(e.message.find("\"p/0\"") != std::string::npos, e.message.c_str());
        }
        // Flipped magic byte.
        auto flipped = good;
        flipped[0] ^= std::byte(0x40);
        store->put("p/0", flipped);
        auto e = captureError([&] { zarr::openV2Array(store, "p")->readAll(); });
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        QVERIFY(e.message.find("\"p/0\"") != std::string::npos);
        // Uncompressed chunk of the wrong length.
        store->put("q/.zarray", zarray("<i4", "[4]", "[4]"));
        store->put("q/0", std::vector<std::byte>(15));
        e = captureError([&] { zarr::openV2Array(store, "q")->readAll(); });
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        QVERIFY(e.message.find("\"q/0\"") != std::string::npos);
        // A chunk that decodes to more bytes than the chunk shape allows.
        store->put("q/0", zstdCompress(std::vector<std::byte>(32)));
        store->put("q/.zarray", zarray("<i4", "[4]", "[4]", "{\"id\":\"zstd\"}"));
        e = captureError([&] { zarr::openV2Array(store, "q")->readAll(); });
        QCOMPARE(e.category, ErrorCategory::Corrupt);
    }

    void badMetadata()
    {
        auto store = std::make_shared<MemoryKvStore>();
        auto check = [&](const std::string &text, ErrorCategory want) {
            store->put("m/.zarray", text);
            auto e = captureError([&] { zarr::openV2Array(store, "m"); });
            QCOMPARE(e.category, want);
        };
        check("not json", ErrorCategory::Corrupt);
        check(zarray("<i4", "[4]", "[4,1]"), ErrorCategory::Corrupt);
        check(zarray("<i4", "[4]", "[0]"), ErrorCategory::Corrupt);
        check(zarray("<i4", "[-4]", "[4]"), ErrorCategory::Corrupt);
        check(zarray("<i4", "[4]", "[4]", "{\"id\":\"lzma\"}"), ErrorCategory::Unsupported);
        check(zarray("<i4", "[4]", "[4]", "null", "null", "K"), ErrorCategory::Corrupt);
        check(zarray("<i4", "[4294967296,4294967296,4294967296]", "[1,1,1]"), ErrorCategory::Corrupt);
        check("{\"chunks\":[4],\"compressor\":null,\"dtype\":\"<i4\",\"fill_value\":0,\"filters\":[{\"id\":\"delta\"}],"
              "\"order\":\"C\",\"shape\":[4],\"zarr_format\":2}",
            ErrorCategory::Unsupported);
        auto e = captureError([&] { zarr::openV2Array(store, "nothing"); });
        QCOMPARE(e.category, ErrorCategory::MissingData);
    }

    void parallelReadWithProgressAndCancel()
    {
        auto store = std::make_shared<MemoryKvStore>();
        store->put("big/.zarray", zarray("<f4", "[64,64]", "[8,8]", "{\"id\":\"zstd\"}"));
        for (int a = 0; a < 8; ++a)
            for (int b = 0; b < 8; ++b) {
                std::vector<float> c(64);
                for (int x = 0; x < 8; ++x)
                    for (int y = 0; y < 8; ++y)
                        c[x * 8 + y] = float((a * 8 + x) * 64 + (b * 8 + y));
                store->put("big/" + std::to_string(a) + "." + std::to_string(b), zstdCompress(rawBytes(c)));
            }
        auto arr = zarr::openV2Array(store, "big");
        std::atomic<uint64_t> last{0}, calls{0};
        Progress p;
        p.report = [&](uint64_t done, uint64_t total) {
            QCOMPARE(total, uint64_t(64));
            ++calls;
            uint64_t prev = last.load();
            while (done > prev && !last.compare_exchange_weak(prev, done)) { }
        };
        auto v = fromBytes<float>(arr->readAll(p));
        for (size_t i = 0; i < v.size(); ++i)
            QCOMPARE(v[i], float(i));
        QCOMPARE(calls.load(), uint64_t(64));
        QCOMPARE(last.load(), uint64_t(64));
        Progress cancel;
        cancel.isCancelled = [] { return true; };
        auto e = captureError([&] { arr->readAll(cancel); });
        QCOMPARE(e.category, ErrorCategory::Cancelled);
    }

    void transposeHelper()
    {
        // 2x3 encoded as its transpose (3x2) with order [1,0].
        std::vector<int32_t> enc{0, 10, 1, 11, 2, 12};
        std::vector<std::byte> out(24);
        zarr::transposeToC(rawBytes(enc), {2, 3}, {1, 0}, 4, out);
        QCOMPARE(fromBytes<int32_t>(out), (std::vector<int32_t>{0, 1, 2, 10, 11, 12}));
    }

    void corpusAggregateZarrDirs()
    {
        const QString dir = QStringLiteral(CKPT_CORPUS_DIR "/orbax_aggregate_zarr2/orbax_aggregate_some.checkpoint");
        if (!QFileInfo::exists(dir))
            QSKIP("corpus folder orbax_aggregate_zarr2 is missing");
        auto store = DirectoryKvStore::open(dir.toStdString());
        auto a = zarr::openV2Array(store, "a");
        QCOMPARE(a->info().dtype, DType::Int64);
        QCOMPARE(fromBytes<int64_t>(a->readAll()), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
        auto b = fromBytes<int64_t>(zarr::openV2Array(store, "b")->readAll());
        QCOMPARE(b.size(), size_t(16));
        int64_t sum = 0;
        for (auto x : b)
            sum += x;
        QCOMPARE(sum, int64_t(240));
    }
};

QTEST_GUILESS_MAIN(TestZarr)
#include "tst_zarr.moc"
