#include "base/error.h"
#include "expect_error.h"
#include "io/codecs/blosc_codec.h"
#include "io/codecs/crc32c.h"
#include "io/codecs/zlib_codec.h"
#include "io/codecs/zstd_codec.h"

#include <QtTest>

#include <blosc.h>
#include <functional>
#include <string>
#include <vector>
#include <zlib.h>
#include <zstd.h>

using namespace ckpt;

namespace {

std::vector<std::byte> bytesOf(std::string_view s)
{
    std::vector<std::byte> v(s.size());
    for (size_t i = 0; i < s.size(); ++i)
        v[i] = std::byte(uint8_t(s[i]));
    return v;
}

std::vector<std::byte> sampleData(size_t n)
{
    std::vector<std::byte> v(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; ++i) {
        x = x * 1103515245u + 12345u;
        v[i] = std::byte(uint8_t((i % 7 == 0) ? (x >> 16) : i / 13)); // compressible but not trivial
    }
    return v;
}

std::vector<std::byte> zlibCompressBytes(const std::vector<std::byte> &in, bool gzip)
{
    z_stream zs{};
    deflateInit2(&zs, 6, Z_DEFLATED, gzip ? 31 : 15, 8, Z_DEFAULT_STRATEGY);
    std::vector<std::byte> out(deflateBound(&zs, uLong(in.size())) + 32);
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<std::byte *>(in.data()));
    zs.avail_in = uInt(in.size());
    zs.next_out = reinterpret_cast<Bytef *>(out.data());
    zs.avail_out = uInt(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

} // namespace

class TestCodecs : public QObject {
    Q_OBJECT
private slots:
    void crc32cKnownVectors()
    {
        QCOMPARE(crc32c(bytesOf("123456789")), 0xE3069283u);
        QCOMPARE(crc32c({}), 0u);
        // RFC 3720 B.4: 32 bytes of zeros, 32 bytes of 0xff.
        std::vector<std::byte> zeros(32, std::byte{0}), ones(32, std::byte{0xff});
        QCOMPARE(crc32c(zeros), 0x8A9136AAu);
        QCOMPARE(crc32c(ones), 0x62A8AB43u);
        std::vector<std::byte> inc(32);
        for (size_t i = 0; i < 32; ++i)
            inc[i] = std::byte(uint8_t(i));
        QCOMPARE(crc32c(inc), 0x46DD794Eu);
    }

    void crc32cExtendMatchesWhole()
    {
        auto data = sampleData(1000);
        const uint32_t whole = crc32c(data);
        for (size_t split : {size_t(0), size_t(1), size_t(7), size_t(8), size_t(333), size_t(1000)}) {
            const uint32_t a = crc32c(std::span(data).first(split));
            QCOMPARE(crc32cExtend(a, std::span(data).subspan(split)), whole);
        }
        data[500] ^= std::byte{1};
        QVERIFY(crc32c(data) != whole);
    }

    void zstdRoundTrip()
    {
        for (size_t n : {size_t(0), size_t(1), size_t(1000), size_t(300000)}) {
            auto data = sampleData(n);
            auto packed = zstdCompress(data, 3);
            QCOMPARE(zstdDecompress(packed, n, "x"), data);
            std::vector<std::byte> out(n + 10);
            QCOMPARE(zstdDecompressInto(packed, out, "x"), n);
            QVERIFY(std::equal(data.begin(), data.end(), out.begin()));
        }
    }

    void zstdFrameWithoutContentSize()
    {
        // A frame without a content size (as TensorStore writes zarr v2 chunks).
        auto data = sampleData(200000);
        ZSTD_CCtx *cctx = ZSTD_createCCtx();
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
        std::vector<std::byte> packed(ZSTD_compressBound(data.size()));
        ZSTD_outBuffer out{packed.data(), packed.size(), 0};
        ZSTD_inBuffer in{data.data(), data.size(), 0};
        size_t r;
        do {
            r = ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_end);
            QVERIFY(!ZSTD_isError(r));
        } while (r != 0);
        ZSTD_freeCCtx(cctx);
        packed.resize(out.pos);
        QCOMPARE(ZSTD_getFrameContentSize(packed.data(), packed.size()), ZSTD_CONTENTSIZE_UNKNOWN);
        QCOMPARE(zstdDecompress(packed, data.size(), "x"), data);
        // The limit applies although nothing declared the size.
        auto e = expectError([&] { zstdDecompress(packed, data.size() - 1, "chunk", 100); }, ErrorCategory::Corrupt);
        QCOMPARE(QString::fromStdString(e.file), QStringLiteral("chunk"));
        QVERIFY(e.byteOffset && *e.byteOffset >= 100);
        std::vector<std::byte> small(data.size() - 1);
        expectError([&] { zstdDecompressInto(packed, small, "chunk"); }, ErrorCategory::Corrupt);
    }

    void zstdDeclaredSizeOverLimit()
    {
        auto packed = zstdCompress(sampleData(5000));
        auto e = expectError([&] { zstdDecompress(packed, 4999, "f", 40); }, ErrorCategory::Corrupt);
        QCOMPARE(*e.byteOffset, uint64_t(40));
    }

    void zstdTruncatedAndGarbage()
    {
        auto packed = zstdCompress(sampleData(3000));
        for (size_t n = 0; n < packed.size(); ++n) {
            auto cut = std::span(packed).first(n);
            auto e = expectError([&] { zstdDecompress(cut, 1 << 20, "t.zst", 7); }, ErrorCategory::Corrupt);
            QCOMPARE(QString::fromStdString(e.file), QStringLiteral("t.zst"));
            QVERIFY(e.byteOffset.has_value());
            QVERIFY(*e.byteOffset >= 7 && *e.byteOffset <= 7 + n);
        }
        auto garbage = bytesOf("this is not a zstd frame at all");
        expectError([&] { zstdDecompress(garbage, 1000, "g"); }, ErrorCategory::Corrupt);
    }

    void zlibAndGzipRoundTrip()
    {
        auto data = sampleData(100000);
        auto z = zlibCompressBytes(data, false);
        auto g = zlibCompressBytes(data, true);
        QCOMPARE(zlibDecompress(z, data.size(), "z"), data);
        QCOMPARE(gzipDecompress(g, data.size(), "g"), data);
        // Two gzip members concatenate.
        auto g2 = g;
        g2.insert(g2.end(), g.begin(), g.end());
        auto twice = gzipDecompress(g2, 2 * data.size(), "g");
        QCOMPARE(twice.size(), 2 * data.size());
        QVERIFY(std::equal(data.begin(), data.end(), twice.begin() + data.size()));
        // Wrong wrapper is refused.
        expectError([&] { zlibDecompress(g, data.size(), "g"); }, ErrorCategory::Corrupt);
        expectError([&] { gzipDecompress(z, data.size(), "z"); }, ErrorCategory::Corrupt);
    }

    void zlibLimitAndTruncation()
    {
        auto data = sampleData(50000);
        auto z = zlibCompressBytes(data, false);
        expectError([&] { zlibDecompress(z, data.size() - 1, "z"); }, ErrorCategory::Corrupt);
        for (size_t n = 0; n < z.size(); n += 1 + n / 8) {
            auto e = expectError(
                [&] { zlibDecompress(std::span(z).first(n), data.size(), "z", 1000); }, ErrorCategory::Corrupt);
            QVERIFY(*e.byteOffset >= 1000 && *e.byteOffset <= 1000 + n);
        }
        auto g = zlibCompressBytes(data, true);
        expectError(
            [&] { gzipDecompress(std::span(g).first(g.size() - 3), data.size(), "g"); }, ErrorCategory::Corrupt);
        auto trailing = z;
        trailing.push_back(std::byte{0});
        expectError([&] { zlibDecompress(trailing, data.size(), "z"); }, ErrorCategory::Corrupt);
    }

    void bloscRoundTripAndHeaderChecks()
    {
        auto data = sampleData(40000);
        std::vector<std::byte> packed(data.size() + BLOSC_MAX_OVERHEAD);
        const int n = blosc_compress_ctx(
            5, BLOSC_SHUFFLE, 4, data.size(), data.data(), packed.data(), packed.size(), "lz4", 0, 1);
        QVERIFY(n > 0);
        packed.resize(size_t(n));
        QCOMPARE(bloscDecompress(packed, data.size(), "b"), data);

        // nbytes over the limit is refused before allocating, naming the nbytes field.
        auto e = expectError([&] { bloscDecompress(packed, data.size() - 1, "b", 10); }, ErrorCategory::Corrupt);
        QCOMPARE(*e.byteOffset, uint64_t(14));
        // A header claiming 4 GiB is refused without allocating.
        auto huge = packed;
        huge[4] = huge[5] = huge[6] = huge[7] = std::byte{0xff};
        expectError([&] { bloscDecompress(huge, 1 << 20, "b"); }, ErrorCategory::Corrupt);
        // Truncated chunks.
        for (size_t cut : {size_t(0), size_t(5), size_t(15), size_t(16), packed.size() / 2, packed.size() - 1})
            expectError(
                [&] { bloscDecompress(std::span(packed).first(cut), data.size(), "b"); }, ErrorCategory::Corrupt);
        // Unknown format version.
        auto v9 = packed;
        v9[0] = std::byte{9};
        expectError([&] { bloscDecompress(v9, data.size(), "b"); }, ErrorCategory::Unsupported);
    }
};

QTEST_GUILESS_MAIN(TestCodecs)
#include "tst_codecs.moc"
