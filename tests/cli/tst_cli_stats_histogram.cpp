// ckpt stats --histogram: the histogram the GUI's inspector shows (ops/array_summary.h), checked
// against counts computed here from the values, for a small array (every element) and for one
// over the whole-array limit (a sampled plane).
#include "cli_test_helpers.h"

#include "formats/flax_msgpack/msgpack_writer.h"
#include "tree/array_source.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>

using namespace clitest;

namespace {

/// A float32 array of `shape` holding `values` in C order.
ckpt::NodePtr floatArray(std::vector<uint64_t> shape, const std::vector<float> &values)
{
    std::vector<std::byte> bytes(values.size() * 4);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return ckpt::Node::makeArray(std::make_shared<ckpt::MemoryArraySource>(
        ckpt::ArrayInfo{ckpt::DType::Float32, std::move(shape), {}}, std::move(bytes)));
}

/// The bin of `v` among `bins` equal bins over [lo, hi], clamped like ckpt::histogram.
int binOf(double v, double lo, double hi, int bins)
{
    const int b = int(std::floor((v - lo) / (hi - lo) * bins));
    return std::clamp(b, 0, bins - 1);
}

} // namespace

class TestCliStatsHistogram : public QObject {
    Q_OBJECT
private slots:
    void histogramOverEveryElement()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("small.msgpack"));
        // 0..99 as float32, plus NaN and Inf that the histogram must leave out.
        std::vector<float> v(100);
        for (size_t i = 0; i < v.size(); ++i)
            v[i] = float(i);
        v[3] = std::nanf("");
        v[7] = INFINITY;
        ckpt::flaxmsgpack::writeFile(dict({{"w", floatArray({10, 10}, v)}}), file.toStdString());

        const Run r = runCkpt({QStringLiteral("stats"), file, QStringLiteral("--histogram"), QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        const QJsonObject row = json(r.out)[QStringLiteral("stats")].toArray().at(0).toObject();
        const QJsonObject h = row[QStringLiteral("histogram")].toObject();
        QCOMPARE(h[QStringLiteral("whole_array")].toBool(), true);
        QCOMPARE(h[QStringLiteral("lo")].toDouble(), 0.0);
        QCOMPARE(h[QStringLiteral("hi")].toDouble(), 99.0);
        const QJsonArray counts = h[QStringLiteral("counts")].toArray();
        QCOMPARE(counts.size(), 64);
        std::vector<qint64> expected(64, 0);
        for (float x : v)
            if (std::isfinite(x))
                ++expected[size_t(binOf(x, 0, 99, 64))];
        qint64 total = 0;
        for (int i = 0; i < 64; ++i) {
            QCOMPARE(counts[i].toInteger(), expected[size_t(i)]);
            total += counts[i].toInteger();
        }
        QCOMPARE(total, qint64(98));

        // The text form prints the same counts after the row.
        const Run text = runCkpt({QStringLiteral("stats"), file, QStringLiteral("--histogram")});
        QCOMPARE(text.code, 0);
        QVERIFY2(text.out.contains("histogram over [0, 99], every element:"), text.out.constData());
        // Without --histogram, no histogram.
        const Run plain = runCkpt({QStringLiteral("stats"), file, QStringLiteral("--json")});
        QVERIFY(
            !json(plain.out)[QStringLiteral("stats")].toArray().at(0).toObject().contains(QStringLiteral("histogram")));
    }

    void largeArrayHistogramCoversTheDefaultPlane()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("large.msgpack"));
        // 3 x 2400 x 2400 float32 = 69 MB, over the 64 MiB whole-array limit: the histogram covers
        // plane [0, :, :] (the default plane), i.e. values 0 .. 2400*2400-1, with the bins spread
        // over the whole array's [min, max].
        const uint64_t plane = 2400ull * 2400ull;
        ckpt::flaxmsgpack::writeFile(dict({{"big", f32({3, 2400, 2400}, 0.0f)}}), file.toStdString());
        const Run r
            = runCkpt({QStringLiteral("stats"), file, QStringLiteral("--histogram"), QStringLiteral("--json")}, 300000);
        QCOMPARE(r.code, 0);
        const QJsonObject h
            = json(r.out)[QStringLiteral("stats")].toArray().at(0).toObject()[QStringLiteral("histogram")].toObject();
        QCOMPARE(h[QStringLiteral("whole_array")].toBool(), false);
        const double lo = h[QStringLiteral("lo")].toDouble(), hi = h[QStringLiteral("hi")].toDouble();
        QCOMPARE(lo, 0.0);
        QCOMPARE(hi, double(float(3 * plane - 1)));
        const QJsonArray counts = h[QStringLiteral("counts")].toArray();
        qint64 total = 0;
        for (const auto &c : counts)
            total += c.toInteger();
        // The plane has more cells than the 4 Mi sample limit, so it is sampled every k-th row and
        // column: the total is what is sampled, and every sampled value lies in the first third.
        QVERIFY(total > 0 && total <= qint64(1) << 22);
        qint64 upperTwoThirds = 0;
        for (int i = 64 / 3 + 1; i < 64; ++i)
            upperTwoThirds += counts[i].toInteger();
        QCOMPARE(upperTwoThirds, qint64(0));
    }
};

QTEST_MAIN(TestCliStatsHistogram)
#include "tst_cli_stats_histogram.moc"
