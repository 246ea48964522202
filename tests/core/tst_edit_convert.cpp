// Element conversion (core/ops/edit_convert): round-to-nearest-even and ml_dtypes overflow/NaN rules.
#include "ops/edit/edit_convert.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace ckpt;

namespace {

uint8_t enc8(DType t, double v)
{
    std::byte b{};
    encodeDouble(t, v, &b);
    return uint8_t(b);
}

double dec8(DType t, uint8_t code)
{
    const std::byte b{code};
    return toDouble(t, &b);
}

const DType kSmallFloats[] = {DType::Float8_e4m3fn, DType::Float8_e5m2, DType::Float8_e4m3fnuz, DType::Float8_e5m2fnuz,
    DType::Float8_e4m3b11fnuz, DType::Float8_e3m4, DType::Float8_e4m3, DType::Float6_e2m3fn, DType::Float6_e3m2fn,
    DType::Float4_e2m1fn};

} // namespace

class TestEditConvert : public QObject {
    Q_OBJECT
private slots:
    void everyCodeRoundTrips()
    {
        // decode(code) encodes back to the same code for every finite, non-zero-ambiguous encoding.
        for (DType t : kSmallFloats) {
            const int codes = 1 << bitWidth(t);
            for (int c = 0; c < codes; ++c) {
                const double v = dec8(t, uint8_t(c));
                if (std::isnan(v))
                    continue;
                QCOMPARE(int(enc8(t, v)), c);
            }
        }
    }

    void tiesGoToEven()
    {
        // Midway between two neighbouring positive codes goes to the one with an even mantissa
        // (the even code); a hair above goes up.
        for (DType t : kSmallFloats) {
            const int half = 1 << (bitWidth(t) - 1);
            for (int c = 0; c + 1 < half; ++c) {
                const double a = dec8(t, uint8_t(c)), b = dec8(t, uint8_t(c + 1));
                if (std::isnan(a) || std::isnan(b) || std::isinf(b))
                    continue;
                const double mid = (a + b) / 2;
                QCOMPARE(int(enc8(t, mid)), (c % 2 == 0) ? c : c + 1);
                QCOMPARE(int(enc8(t, std::nextafter(mid, 1e9))), c + 1);
                QCOMPARE(int(enc8(t, std::nextafter(mid, -1e9))), c);
            }
        }
    }

    void overflowNanAndZeroFollowMlDtypes()
    {
        const double inf = std::numeric_limits<double>::infinity();
        const double nan = std::numeric_limits<double>::quiet_NaN();
        // Values observed from ml_dtypes 0.6 `np.float32(...).astype(t)`.
        QCOMPARE(int(enc8(DType::Float8_e4m3fn, 1e6)), 0x7f);
        QCOMPARE(int(enc8(DType::Float8_e4m3fn, -1e6)), 0xff);
        QCOMPARE(int(enc8(DType::Float8_e4m3fn, 464)), 0x7e); // the tie below NaN rounds to 448
        QCOMPARE(int(enc8(DType::Float8_e4m3fn, 465)), 0x7f);
        QCOMPARE(int(enc8(DType::Float8_e4m3fn, inf)), 0x7f);
        QCOMPARE(int(enc8(DType::Float8_e4m3fn, -nan)), 0xff);
        QCOMPARE(int(enc8(DType::Float8_e5m2, 1e6)), 0x7c);
        QCOMPARE(int(enc8(DType::Float8_e5m2, -1e6)), 0xfc);
        QCOMPARE(int(enc8(DType::Float8_e5m2, nan)), 0x7e);
        QCOMPARE(int(enc8(DType::Float8_e4m3fnuz, -1e6)), 0x80);
        QCOMPARE(int(enc8(DType::Float8_e4m3fnuz, nan)), 0x80);
        QCOMPARE(int(enc8(DType::Float8_e4m3fnuz, -0.0)), 0x00);
        QCOMPARE(int(enc8(DType::Float8_e4m3fnuz, -1e-30)), 0x00);
        QCOMPARE(int(enc8(DType::Float8_e4m3b11fnuz, inf)), 0x80);
        QCOMPARE(int(enc8(DType::Float4_e2m1fn, 1e6)), 0x7);
        QCOMPARE(int(enc8(DType::Float4_e2m1fn, -inf)), 0xf);
        QCOMPARE(int(enc8(DType::Float4_e2m1fn, nan)), 0x8);
        QCOMPARE(int(enc8(DType::Float4_e2m1fn, -nan)), 0x0);
        QCOMPARE(int(enc8(DType::Float4_e2m1fn, 0.75)), 0x2);
        QCOMPARE(int(enc8(DType::Float6_e2m3fn, 1e6)), 31);
        QCOMPARE(int(enc8(DType::Float4_e2m1fn, -0.0)), 0x8);
        // e8m0: powers of two, ties up, no zero/negatives.
        QCOMPARE(int(enc8(DType::Float8_e8m0fnu, 1.5)), 128);
        QCOMPARE(int(enc8(DType::Float8_e8m0fnu, 3.0)), 129);
        QCOMPARE(int(enc8(DType::Float8_e8m0fnu, 0.75)), 127);
        QCOMPARE(int(enc8(DType::Float8_e8m0fnu, 0.0)), 255);
        QCOMPARE(int(enc8(DType::Float8_e8m0fnu, -1.0)), 255);
        QCOMPARE(int(enc8(DType::Float8_e8m0fnu, 1e-39)), 0);
        QCOMPARE(int(enc8(DType::Float8_e8m0fnu, 3e38)), 255);
    }

    void halfAndBfloat16()
    {
        auto enc16 = [](DType t, double v) {
            std::byte b[2];
            encodeDouble(t, v, b);
            return int(uint8_t(b[0])) | int(uint8_t(b[1])) << 8;
        };
        QCOMPARE(enc16(DType::BFloat16, 1.5), 0x3fc0);
        QCOMPARE(enc16(DType::BFloat16, 3e38), 32610);
        QCOMPARE(enc16(DType::BFloat16, -std::numeric_limits<double>::quiet_NaN()), 0xffc0);
        QCOMPARE(enc16(DType::BFloat16, 1e-39), 11); // subnormal
        QCOMPARE(enc16(DType::Float16, 65520), 0x7c00); // the tie above 65504 overflows to inf
        QCOMPARE(enc16(DType::Float16, 65519), 0x7bff);
        QCOMPARE(enc16(DType::Float16, std::ldexp(1.0, -24)), 1);
        QCOMPARE(enc16(DType::Float16, std::ldexp(1.0, -25)), 0); // tie to even: 0
        QCOMPARE(enc16(DType::Float16, std::ldexp(3.0, -25)), 2);
    }

    void integersWrapAndTruncate()
    {
        auto conv = [](DType from, double v, DType to) {
            std::byte in[16] = {}, out[16] = {};
            encodeDouble(from, v, in);
            convertElements(from, in, to, out, 1);
            return toDouble(to, out);
        };
        QCOMPARE(conv(DType::Int64, 300, DType::Int8), 44.0);
        QCOMPARE(conv(DType::Int64, -1, DType::UInt8), 255.0);
        QCOMPARE(conv(DType::Int32, 8, DType::Int4), -8.0);
        QCOMPARE(conv(DType::Int32, -9, DType::Int4), 7.0);
        QCOMPARE(conv(DType::Int32, 5, DType::UInt2), 1.0);
        QCOMPARE(conv(DType::Float32, 1.9, DType::Int32), 1.0);
        QCOMPARE(conv(DType::Float32, -1.9, DType::Int32), -1.0);
        QCOMPARE(conv(DType::Float32, std::nan(""), DType::Int32), -2147483648.0);
        QCOMPARE(conv(DType::Float32, 1e20, DType::Int64), -9223372036854775808.0);
        QCOMPARE(conv(DType::Float32, 0.5, DType::Bool), 1.0);
        QCOMPARE(conv(DType::Bool, 1, DType::Float8_e5m2), 1.0);
        QCOMPARE(conv(DType::Complex64, 2.5, DType::Float32), 2.5);
        // ml_dtypes keeps int4/int2 as the low bits of the byte: -1 is 0x0f, not 0xff.
        std::byte nib{};
        encodeInt(DType::Int4, -1, &nib);
        QCOMPARE(int(nib), 0x0f);
        encodeInt(DType::Int2, -2, &nib);
        QCOMPARE(int(nib), 0x02);
        // An exact int64 survives a round trip through the integer path.
        std::byte in[8], out[8];
        encodeInt(DType::Int64, INT64_MAX - 1, in);
        convertElements(DType::Int64, in, DType::UInt64, out, 1);
        QCOMPARE(toUInt64(DType::UInt64, out), uint64_t(INT64_MAX - 1));
    }
};

QTEST_APPLESS_MAIN(TestEditConvert)
#include "tst_edit_convert.moc"
