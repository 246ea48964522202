// DType names, sizes and exact element decoding, incl. the ml_dtypes small floats and ints.
#include "tree/dtype.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace ckpt;

namespace {
double dec(DType t, uint32_t bits)
{
    std::byte b[4];
    for (int i = 0; i < 4; ++i)
        b[i] = std::byte(uint8_t(bits >> (8 * i)));
    return toDouble(t, b);
}
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
} // namespace

Q_DECLARE_METATYPE(ckpt::DType)

class TestDType : public QObject {
    Q_OBJECT
private slots:
    void namesRoundTrip()
    {
        for (int i = 0; i < kDTypeCount; ++i) {
            const DType t = DType(i);
            QCOMPARE(dtypeFromName(dtypeName(t)), std::optional<DType>(t));
        }
        QCOMPARE(dtypeFromName("bool_"), std::optional<DType>(DType::Bool));
        QVERIFY(!dtypeFromName("object"));
        QVERIFY(!dtypeFromName(""));
        QVERIFY(!dtypeFromName("float32 "));
    }

    void sizes()
    {
        QCOMPARE(itemSize(DType::Bool), size_t(1));
        QCOMPARE(itemSize(DType::BFloat16), size_t(2));
        QCOMPARE(itemSize(DType::Complex64), size_t(8));
        QCOMPARE(itemSize(DType::Complex128), size_t(16));
        QCOMPARE(itemSize(DType::Int4), size_t(1)); // ml_dtypes keeps one element per byte
        QCOMPARE(bitWidth(DType::Int4), 4);
        QCOMPARE(bitWidth(DType::Float4_e2m1fn), 4);
        QCOMPARE(itemSize(DType::Float8_e8m0fnu), size_t(1));
    }

    void decodes_data()
    {
        QTest::addColumn<DType>("type");
        QTest::addColumn<uint>("bits");
        QTest::addColumn<double>("value");
        QTest::newRow("f16 one") << DType::Float16 << 0x3c00u << 1.0;
        QTest::newRow("f16 -2") << DType::Float16 << 0xc000u << -2.0;
        QTest::newRow("f16 min subnormal") << DType::Float16 << 0x0001u << std::ldexp(1.0, -24);
        QTest::newRow("f16 max") << DType::Float16 << 0x7bffu << 65504.0;
        QTest::newRow("f16 inf") << DType::Float16 << 0x7c00u << kInf;
        QTest::newRow("f16 nan") << DType::Float16 << 0x7e00u << kNaN;
        QTest::newRow("bf16 one") << DType::BFloat16 << 0x3f80u << 1.0;
        QTest::newRow("bf16 -1.5") << DType::BFloat16 << 0xbfc0u << -1.5;
        QTest::newRow("bf16 inf") << DType::BFloat16 << 0x7f80u << kInf;
        QTest::newRow("e4m3fn one") << DType::Float8_e4m3fn << 0x38u << 1.0;
        QTest::newRow("e4m3fn max") << DType::Float8_e4m3fn << 0x7eu << 448.0;
        QTest::newRow("e4m3fn nan") << DType::Float8_e4m3fn << 0x7fu << kNaN;
        QTest::newRow("e4m3fn -nan") << DType::Float8_e4m3fn << 0xffu << kNaN;
        QTest::newRow("e4m3fn subnormal") << DType::Float8_e4m3fn << 0x01u << std::ldexp(1.0, -9);
        QTest::newRow("e4m3fn -0") << DType::Float8_e4m3fn << 0x80u << -0.0;
        QTest::newRow("e5m2 one") << DType::Float8_e5m2 << 0x3cu << 1.0;
        QTest::newRow("e5m2 max") << DType::Float8_e5m2 << 0x7bu << 57344.0;
        QTest::newRow("e5m2 inf") << DType::Float8_e5m2 << 0x7cu << kInf;
        QTest::newRow("e5m2 -inf") << DType::Float8_e5m2 << 0xfcu << -kInf;
        QTest::newRow("e5m2 nan") << DType::Float8_e5m2 << 0x7du << kNaN;
        QTest::newRow("e4m3fnuz one") << DType::Float8_e4m3fnuz << 0x40u << 1.0;
        QTest::newRow("e4m3fnuz max") << DType::Float8_e4m3fnuz << 0x7fu << 240.0;
        QTest::newRow("e4m3fnuz nan") << DType::Float8_e4m3fnuz << 0x80u << kNaN;
        QTest::newRow("e5m2fnuz one") << DType::Float8_e5m2fnuz << 0x40u << 1.0;
        QTest::newRow("e5m2fnuz max") << DType::Float8_e5m2fnuz << 0x7fu << 57344.0;
        QTest::newRow("e5m2fnuz nan") << DType::Float8_e5m2fnuz << 0x80u << kNaN;
        QTest::newRow("e4m3b11fnuz one") << DType::Float8_e4m3b11fnuz << 0x58u << 1.0;
        QTest::newRow("e4m3b11fnuz max") << DType::Float8_e4m3b11fnuz << 0x7fu << 30.0;
        QTest::newRow("e3m4 one") << DType::Float8_e3m4 << 0x30u << 1.0;
        QTest::newRow("e3m4 max") << DType::Float8_e3m4 << 0x6fu << 15.5;
        QTest::newRow("e3m4 inf") << DType::Float8_e3m4 << 0x70u << kInf;
        QTest::newRow("e4m3 one") << DType::Float8_e4m3 << 0x38u << 1.0;
        QTest::newRow("e4m3 max") << DType::Float8_e4m3 << 0x77u << 240.0;
        QTest::newRow("e4m3 inf") << DType::Float8_e4m3 << 0x78u << kInf;
        QTest::newRow("e8m0 one") << DType::Float8_e8m0fnu << 127u << 1.0;
        QTest::newRow("e8m0 two") << DType::Float8_e8m0fnu << 128u << 2.0;
        QTest::newRow("e8m0 smallest") << DType::Float8_e8m0fnu << 0u << std::ldexp(1.0, -127);
        QTest::newRow("e8m0 nan") << DType::Float8_e8m0fnu << 0xffu << kNaN;
        QTest::newRow("e2m1 half") << DType::Float4_e2m1fn << 0x1u << 0.5;
        QTest::newRow("e2m1 three") << DType::Float4_e2m1fn << 0x5u << 3.0;
        QTest::newRow("e2m1 max") << DType::Float4_e2m1fn << 0x7u << 6.0;
        QTest::newRow("e2m1 -max") << DType::Float4_e2m1fn << 0xfu << -6.0;
        QTest::newRow("e2m3 max") << DType::Float6_e2m3fn << 0x1fu << 7.5;
        QTest::newRow("e3m2 max") << DType::Float6_e3m2fn << 0x1fu << 28.0;
        QTest::newRow("int4 -1") << DType::Int4 << 0x0fu << -1.0;
        QTest::newRow("int4 -8") << DType::Int4 << 0x08u << -8.0;
        QTest::newRow("int4 7") << DType::Int4 << 0x07u << 7.0;
        QTest::newRow("int4 sign-extended byte") << DType::Int4 << 0xffu << -1.0;
        QTest::newRow("uint4 15") << DType::UInt4 << 0x0fu << 15.0;
        QTest::newRow("int2 -2") << DType::Int2 << 0x02u << -2.0;
        QTest::newRow("uint2 3") << DType::UInt2 << 0x03u << 3.0;
        QTest::newRow("bool") << DType::Bool << 0x01u << 1.0;
        QTest::newRow("int16 -2") << DType::Int16 << 0xfffeu << -2.0;
        QTest::newRow("uint32") << DType::UInt32 << 0xffffffffu << 4294967295.0;
        QTest::newRow("f32 1.5") << DType::Float32 << 0x3fc00000u << 1.5;
    }
    void decodes()
    {
        QFETCH(DType, type);
        QFETCH(uint, bits);
        QFETCH(double, value);
        const double got = dec(type, bits);
        if (std::isnan(value)) {
            QVERIFY2(std::isnan(got), qPrintable(QString::number(got)));
        } else {
            QCOMPARE(got, value);
            QCOMPARE(std::signbit(got), std::signbit(value));
        }
    }

    void exactIntegers()
    {
        std::byte b[8];
        const uint64_t big = 0xfffffffffffffff1ull;
        for (int i = 0; i < 8; ++i)
            b[i] = std::byte(uint8_t(big >> (8 * i)));
        QCOMPARE(toUInt64(DType::UInt64, b), big);
        QCOMPARE(toInt64(DType::Int64, b), int64_t(-15));
        QCOMPARE(formatElement(DType::UInt64, b), std::string("18446744073709551601"));
        QCOMPARE(formatElement(DType::Int64, b), std::string("-15"));
    }

    void complexAndFormatting()
    {
        float parts[2] = {1.5f, -2.0f};
        std::byte b[8];
        std::memcpy(b, parts, 8);
        QCOMPARE(toComplex(DType::Complex64, b), std::complex<double>(1.5, -2.0));
        QCOMPARE(formatElement(DType::Complex64, b), std::string("(1.5-2.0j)"));
        float tenth = 0.1f;
        std::memcpy(b, &tenth, 4);
        QCOMPARE(formatElement(DType::Float32, b), std::string("0.1")); // shortest float32 text, not 0.100000001
        QCOMPARE(formatDouble(1e20), std::string("1e+20"));
        QCOMPARE(formatDouble(3.0), std::string("3.0"));
        QCOMPARE(formatDouble(-kInf), std::string("-inf"));
        QCOMPARE(formatDouble(kNaN), std::string("nan"));
        std::byte t{1};
        QCOMPARE(formatElement(DType::Bool, &t), std::string("True"));
    }
};

QTEST_GUILESS_MAIN(TestDType)
#include "tst_dtype.moc"
