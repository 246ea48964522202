#include "array_table_model.h"
#include "model_helpers.h"
#include "tree_builders.h"

#include "base/error.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include <atomic>
#include <cstring>
#include <mutex>

using testtree::ComputedSource;

namespace {

/// A 4 x 4 float32 array whose every read fails like a truncated chunk.
ckpt::ArraySourcePtr truncatedArray()
{
    return std::make_shared<testtree::FailingSource>(ckpt::ArrayInfo{ckpt::DType::Float32, {4, 4}, {}},
        ckpt::Error{ckpt::ErrorCategory::Corrupt, "chunk 0 is truncated", "w.zarr/0", 17, {}}, "w.zarr");
}

ckpt::ArraySourcePtr memory(ckpt::DType dt, std::vector<uint64_t> shape, std::vector<std::byte> bytes)
{
    return std::make_shared<ckpt::MemoryArraySource>(ckpt::ArrayInfo{dt, std::move(shape), {}}, std::move(bytes));
}

} // namespace

class TestArrayTableModel : public QObject {
    Q_OBJECT
private slots:
    void smallMatrixDump()
    {
        ArrayTableModel model;
        model.setAsynchronous(false);
        model.setSource(testtree::floats({2, 3}, {1, 2.5f, -3, 4, 5, 6})->array());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(
            printTable(&model), (QStringList{QStringLiteral("1.0 | 2.5 | -3.0"), QStringLiteral("4.0 | 5.0 | 6.0")}));
        ckpt::PlaneSpec t = model.slice();
        std::swap(t.rowDim, t.colDim);
        QVERIFY(model.setSlice(t));
        QCOMPARE(printTable(&model),
            (QStringList{QStringLiteral("1.0 | 4.0"), QStringLiteral("2.5 | 5.0"), QStringLiteral("-3.0 | 6.0")}));
        QCOMPARE(model.index(2, 0).data(Qt::ToolTipRole).toString(), QStringLiteral("[0, 2] = -3.0"));
        QCOMPARE(model.index(2, 0).data(ArrayTableModel::ValueRole).toDouble(), -3.0);
        QCOMPARE(model.index(0, 0).data(Qt::TextAlignmentRole).toInt(), int(Qt::AlignRight | Qt::AlignVCenter));
        ckpt::PlaneSpec bad = t;
        bad.colDim = bad.rowDim;
        QVERIFY(!model.setSlice(bad));
    }

    void vectorsAndScalars()
    {
        ArrayTableModel model;
        model.setAsynchronous(false);
        model.setSource(testtree::floats({3}, {7, 8, 9})->array());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(
            printTable(&model), (QStringList{QStringLiteral("7.0"), QStringLiteral("8.0"), QStringLiteral("9.0")}));
        model.setSource(testtree::floats({}, {42})->array());
        QCOMPARE(printTable(&model), QStringList{QStringLiteral("42.0")});
        model.setSource(testtree::floats({0, 5}, {})->array());
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), 0);
        // Length-1 dimensions are skipped by the default plane.
        model.setSource(testtree::floats({3, 1, 2}, {1, 2, 3, 4, 5, 6})->array());
        QCOMPARE(model.slice().rowDim, 0);
        QCOMPARE(model.slice().colDim, 2);
        QCOMPARE(printTable(&model),
            (QStringList{QStringLiteral("1.0 | 2.0"), QStringLiteral("3.0 | 4.0"), QStringLiteral("5.0 | 6.0")}));
        model.setSource(nullptr);
        QCOMPARE(model.rowCount(), 0);
    }

    void exoticDTypes_data()
    {
        QTest::addColumn<int>("dtype");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QStringList>("expected");
        auto raw = [](std::initializer_list<uint8_t> b) {
            return QByteArray(reinterpret_cast<const char *>(std::data(b)), qsizetype(b.size()));
        };
        // bfloat16 1.5 = 0x3fc0, -2 = 0xc000
        QTest::newRow("bfloat16") << int(ckpt::DType::BFloat16) << raw({0xc0, 0x3f, 0x00, 0xc0})
                                  << QStringList{QStringLiteral("1.5"), QStringLiteral("-2.0")};
        // float8_e4m3fn: 0x38 = 1.0, 0xc4 = -3.0 (sign, exponent 8 - bias 7, mantissa 0b100)
        QTest::newRow("float8_e4m3fn") << int(ckpt::DType::Float8_e4m3fn) << raw({0x38, 0xc4})
                                       << QStringList{QStringLiteral("1.0"), QStringLiteral("-3.0")};
        // int4 one element per byte: 0x0d = -3, 0x07 = 7
        QTest::newRow("int4") << int(ckpt::DType::Int4) << raw({0x0d, 0x07})
                              << QStringList{QStringLiteral("-3"), QStringLiteral("7")};
        QTest::newRow("bool") << int(ckpt::DType::Bool) << raw({0x01, 0x00})
                              << QStringList{QStringLiteral("True"), QStringLiteral("False")};
        // complex64 (1+2j), (-0.5-1j)
        QTest::newRow("complex64") << int(ckpt::DType::Complex64)
                                   << raw({0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0xbf, 0x00,
                                          0x00, 0x80, 0xbf})
                                   << QStringList{QStringLiteral("(1.0+2.0j)"), QStringLiteral("(-0.5-1.0j)")};
    }

    void exoticDTypes()
    {
        QFETCH(int, dtype);
        QFETCH(QByteArray, bytes);
        QFETCH(QStringList, expected);
        std::vector<std::byte> b(size_t(bytes.size()));
        std::memcpy(b.data(), bytes.constData(), b.size());
        ArrayTableModel model;
        model.setAsynchronous(false);
        model.setSource(memory(ckpt::DType(dtype), {2}, std::move(b)));
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(printTable(&model), expected);
    }

    // 10,000 x 10,000 = 100M elements: only the blocks asked for are read, one readSlab each.
    void readsOnlyVisibleBlocks()
    {
        auto src = std::make_shared<ComputedSource>(std::vector<uint64_t>{10000, 10000});
        ArrayTableModel model;
        model.setAsynchronous(false);
        model.setBlockSize(64, 32);
        model.setMaxCachedBlocks(2);
        model.setSource(src);
        QCOMPARE(model.rowCount(), 10000);
        QCOMPARE(model.columnCount(), 10000);
        QVERIFY(src->slabs().empty());

        QCOMPARE(model.index(5000, 7000).data().toString(), QStringLiteral("25003500.0"));
        QCOMPARE(src->slabs().size(), size_t(1));
        QCOMPARE(src->slabs()[0].start, (std::vector<uint64_t>{4992, 6976}));
        QCOMPARE(src->slabs()[0].count, (std::vector<uint64_t>{64, 32}));
        // Same block: cached.
        QCOMPARE(model.index(5055, 7007).data(ArrayTableModel::ValueRole).toDouble(),
            double(float(5055.0 * 10000 + 7007) * 0.5f));
        QCOMPARE(src->slabs().size(), size_t(1));
        // The last block is clipped to the array.
        model.index(9999, 9999).data();
        QCOMPARE(src->slabs().size(), size_t(2));
        QCOMPARE(src->slabs()[1].start, (std::vector<uint64_t>{9984, 9984}));
        QCOMPARE(src->slabs()[1].count, (std::vector<uint64_t>{16, 16}));
        // A third block evicts the least recently used one.
        model.index(0, 0).data();
        model.index(5000, 7000).data();
        QCOMPARE(src->slabs().size(), size_t(4));
        uint64_t elements = 0;
        for (const auto &s : src->slabs())
            elements += s.numElements();
        QCOMPARE(elements, uint64_t(64 * 32 + 16 * 16 + 64 * 32 + 64 * 32));
    }

    // 100 x 1000 x 1000 viewed as (dim 2 rows) x (dim 0 columns) at dim 1 = 7: a transposed plane.
    void slicesNdArrays()
    {
        auto src = std::make_shared<ComputedSource>(std::vector<uint64_t>{100, 1000, 1000});
        ArrayTableModel model;
        model.setAsynchronous(false);
        model.setSource(src);
        QCOMPARE(model.slice().rowDim, 1);
        QCOMPARE(model.slice().colDim, 2);
        ckpt::PlaneSpec s;
        s.rowDim = 2;
        s.colDim = 0;
        s.fixed = {0, 7, 0};
        QVERIFY(model.setSlice(s));
        QCOMPARE(model.rowCount(), 1000);
        QCOMPARE(model.columnCount(), 100);
        const double expected = double(float((42.0 * 1000 + 7) * 1000 + 123) * 0.5f); // element [42, 7, 123]
        QCOMPARE(model.index(123, 42).data(ArrayTableModel::ValueRole).toDouble(), expected);
        QCOMPARE(model.index(123, 42).data(Qt::ToolTipRole).toString(), QStringLiteral("[42, 7, 123] = 21003562.0"));
        QCOMPARE(src->slabs().size(), size_t(1));
        QCOMPARE(src->slabs()[0].start, (std::vector<uint64_t>{32, 7, 64}));
        QCOMPARE(src->slabs()[0].count, (std::vector<uint64_t>{32, 1, 64}));
        s.fixed[1] = 1000;
        QVERIFY(!model.setSlice(s));
    }

    void asynchronousBlocksArrive()
    {
        auto src = std::make_shared<ComputedSource>(std::vector<uint64_t>{300, 300});
        ArrayTableModel model;
        model.setSource(src);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QVERIFY(!model.index(100, 100).data().isValid());
        model.index(101, 101).data(); // same block: one request
        QCOMPARE(model.pendingBlocks(), 1);
        QTRY_COMPARE(model.pendingBlocks(), 0);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.index(100, 100).data().toString(), QStringLiteral("15050.0"));
        QCOMPARE(src->slabs().size(), size_t(1));
    }

    void readErrorsAreReported()
    {
        ArrayTableModel model;
        model.setAsynchronous(false);
        QSignalSpy failed(&model, &ArrayTableModel::readFailed);
        model.setSource(truncatedArray());
        QCOMPARE(model.index(1, 1).data().toString(), QStringLiteral("error"));
        QCOMPARE(failed.count(), 1);
        const QString message = failed.at(0).at(0).toString();
        QVERIFY2(message.contains(QStringLiteral("corrupt")) && message.contains(QStringLiteral("w.zarr/0")),
            qPrintable(message));
    }
};

QTEST_MAIN(TestArrayTableModel)
#include "tst_array_table_model.moc"
