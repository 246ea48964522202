// Copying a box of array cells as TSV: exact element text, transposed planes, fixed indices, limits.
#include "plane_tsv.h"

#include "base/error.h"

#include <QTest>

#include <cstring>

namespace {

/// int32 array of shape `shape` holding 0, 1, 2, ... in C order.
ckpt::ArraySourcePtr iota(std::vector<uint64_t> shape)
{
    ckpt::ArrayInfo info{ckpt::DType::Int32, std::move(shape), {}};
    std::vector<std::byte> bytes(info.numBytes());
    for (uint64_t i = 0; i < info.numElements(); ++i) {
        const int32_t v = int32_t(i);
        std::memcpy(bytes.data() + 4 * i, &v, 4);
    }
    return std::make_shared<ckpt::MemoryArraySource>(info, bytes);
}

} // namespace

class TestPlaneTsv : public QObject {
    Q_OBJECT
private slots:
    void boxOfAMatrix()
    {
        auto src = iota({3, 4});
        const ckpt::PlaneSpec spec = ckpt::PlaneSpec::defaultFor({3, 4});
        QCOMPARE(planeRangeToTsv(*src, spec, 1, 2, 1, 3), QStringLiteral("5\t6\t7\n9\t10\t11\n"));
        QCOMPARE(planeRangeToTsv(*src, spec, 0, 0, 0, 3), QString());
    }

    void transposedPlaneWithAFixedIndex()
    {
        // shape (2, 3, 4): rows along dim 2, columns along dim 1, dim 0 fixed at 1.
        auto src = iota({2, 3, 4});
        ckpt::PlaneSpec spec;
        spec.rowDim = 2;
        spec.colDim = 1;
        spec.fixed = {1, 0, 0};
        QVERIFY(spec.isValidFor({2, 3, 4}));
        // plane cell (r, c) = element [1, c, r] = 12 + 4c + r
        QCOMPARE(planeRangeToTsv(*src, spec, 0, 2, 0, 3), QStringLiteral("12\t16\t20\n13\t17\t21\n"));
    }

    void exactTextOfSmallFloats()
    {
        ckpt::ArrayInfo info{ckpt::DType::BFloat16, {1, 2}, {}};
        const std::vector<std::byte> bytes{std::byte(0x80), std::byte(0x3f), std::byte(0xc0), std::byte(0xbf)};
        auto src = std::make_shared<ckpt::MemoryArraySource>(info, bytes);
        QCOMPARE(planeRangeToTsv(*src, ckpt::PlaneSpec::defaultFor({1, 2}), 0, 1, 0, 2), QStringLiteral("1.0\t-1.5\n"));
    }

    void refusesHugeSelections()
    {
        auto src = iota({100, 100});
        try {
            planeRangeToTsv(*src, ckpt::PlaneSpec::defaultFor({100, 100}), 0, 100, 0, 100, 50);
            QFAIL("copied more than the limit");
        } catch (const ckpt::Exception &e) {
            QCOMPARE(e.error().category, ckpt::ErrorCategory::InvalidArgument);
        }
    }
};

QTEST_GUILESS_MAIN(TestPlaneTsv)
#include "tst_plane_tsv.moc"
