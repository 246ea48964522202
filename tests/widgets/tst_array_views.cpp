#include "colour_map.h"
#include "heatmap_widget.h"
#include "histogram_widget.h"
#include "ops/plane/array_plane.h"
#include "ops/plane/plane_pooling.h"
#include "stats_panel.h"
#include "tree_builders.h"

#include <QtTest>

#include <QImage>

#include <cmath>
#include <limits>

class TestArrayViews : public QObject {
    Q_OBJECT
private slots:
    void scaleChoice()
    {
        const std::vector<double> signedVals{-1, 0.5, 3};
        ColourScale s = chooseScale(signedVals, true);
        QVERIFY(s.diverging);
        QCOMPARE(s.lo, -3.0);
        QCOMPARE(s.hi, 3.0);
        QCOMPARE(*normalise(s, 0), 0.5);
        // Unsigned data, or signed data that does not cross zero, is sequential over [min, max].
        s = chooseScale(signedVals, false);
        QVERIFY(!s.diverging);
        QCOMPARE(s.lo, -1.0);
        const std::vector<double> positive{
            2, 4, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()};
        s = chooseScale(positive, true);
        QVERIFY(!s.diverging);
        QCOMPARE(s.lo, 2.0);
        QCOMPARE(s.hi, 4.0);
        QCOMPARE(*normalise(s, 3), 0.5);
        QCOMPARE(*normalise(s, 100), 1.0);
        QCOMPARE(*normalise(s, -100), 0.0);
        QVERIFY(!normalise(s, std::nan("")));
        // Constant data still gets a range.
        const std::vector<double> constant{5, 5};
        s = chooseScale(constant, true);
        QVERIFY(s.lo < 5 && s.hi > 5);
        const std::vector<double> nothing;
        s = chooseScale(nothing, true);
        QVERIFY(s.hi > s.lo);
    }

    void paletteEnds()
    {
        QCOMPARE(paletteColour(0.5, true), QColor(247, 247, 247)); // zero is near-white
        QVERIFY(paletteColour(0, true).blue() > paletteColour(0, true).red());
        QVERIFY(paletteColour(1, true).red() > paletteColour(1, true).blue());
        QVERIFY(paletteColour(1, false).lightness() > paletteColour(0, false).lightness());
        QCOMPARE(paletteColour(-5, false), paletteColour(0, false));
        const ColourScale s{-1, 1, true};
        QCOMPARE(colourFor(s, std::nan("")), nanColour());
        QCOMPARE(colourFor(s, 1), paletteColour(1, true));
    }

    void geometry()
    {
        const QRectF plot(10, 20, 100, 50);
        QCOMPARE(cellAt(plot, 5, 10, QPointF(10, 20)), (std::optional<std::pair<int, int>>{{0, 0}}));
        QCOMPARE(cellAt(plot, 5, 10, QPointF(109.9, 69.9)), (std::optional<std::pair<int, int>>{{4, 9}}));
        QCOMPARE(cellAt(plot, 5, 10, QPointF(35, 31)), (std::optional<std::pair<int, int>>{{1, 2}}));
        QVERIFY(!cellAt(plot, 5, 10, QPointF(9, 30)));
        QVERIFY(!cellAt(plot, 0, 10, QPointF(30, 30)));
        QCOMPARE(barHeight(50, 100, 200, false), 100.0);
        QCOMPARE(barHeight(0, 100, 200, true), 0.0);
        QCOMPARE(barHeight(100, 100, 200, true), 200.0);
        QVERIFY(barHeight(9, 999, 300, true) > barHeight(9, 999, 300, false) * 5);
        QCOMPARE(HistogramWidget::binAt(15, 10, 100, 10), 0);
        QCOMPARE(HistogramWidget::binAt(109, 10, 100, 10), 9);
        QCOMPARE(HistogramWidget::binAt(5, 10, 100, 10), -1);
        // Square cells for a square plane, centred in the widget; large planes keep a moderate aspect
        // ratio and fill the area when it is extreme.
        const QRectF r = HeatmapWidget::plotRect(QSizeF(600, 400), 10, 10);
        QCOMPARE(r.width(), r.height());
        QVERIFY(r.left() > 8);
        const QRectF big = HeatmapWidget::plotRect(QSizeF(600, 400), 1000, 2000);
        QCOMPARE(big.width(), 2 * big.height());
        const QRectF strip = HeatmapWidget::plotRect(QSizeF(600, 400), 2, 5000);
        QVERIFY(strip.height() > 300);
        // Plane cells under the mouse, for planes far larger than the plot.
        const QRectF area(0, 0, 100, 100);
        using Cell = std::optional<std::pair<uint64_t, uint64_t>>;
        QCOMPARE(HeatmapWidget::planeCellAt(area, 1000, 5000, QPointF(0, 0)), (Cell{{0, 0}}));
        QCOMPARE(HeatmapWidget::planeCellAt(area, 1000, 5000, QPointF(50, 10.05)), (Cell{{100, 2500}}));
        QCOMPARE(HeatmapWidget::planeCellAt(area, 1000, 5000, QPointF(99.999, 99.999)), (Cell{{999, 4999}}));
        QVERIFY(!HeatmapWidget::planeCellAt(area, 1000, 5000, QPointF(101, 5)));
        QVERIFY(!HeatmapWidget::planeCellAt(area, 0, 5, QPointF(1, 1)));
    }

    void windowsOfPlanes()
    {
        // (2, 3, 4) float32 holding 0..23; plane rows = dim 0, cols = dim 2 at dim 1 = 2.
        std::vector<float> v(24);
        for (int i = 0; i < 24; ++i)
            v[size_t(i)] = float(i) - 10;
        auto node = testtree::floats({2, 3, 4}, v);
        ckpt::PlaneSpec s{0, 2, {0, 2, 0}};
        QVERIFY(s.isValidFor(node->arrayInfo().shape));
        ckpt::PlaneWindow w = ckpt::readPlaneWindow(*node->array(), s, 100, 3);
        QCOMPARE(w.rows, 2ull);
        QCOMPARE(w.cols, 3ull);
        QCOMPARE(w.planeCols, 4ull);
        QVERIFY(w.truncated());
        QVERIFY(w.isSigned);
        QCOMPARE(w.values, (std::vector<double>{-2, -1, 0, 10, 11, 12})); // [0,2,0..2] and [1,2,0..2]
        s = ckpt::PlaneSpec{2, 0, {0, 1, 0}}; // transposed: rows = dim 2
        w = ckpt::readPlaneWindow(*node->array(), s, 100, 100);
        QCOMPARE(w.rows, 4ull);
        QCOMPARE(w.values[0 * 2 + 1], double(16 - 10)); // [1, 1, 0]
        QCOMPARE(w.values[3 * 2 + 0], double(7 - 10)); // [0, 1, 3]

        HeatmapWidget heat;
        heat.setWindow(w);
        QVERIFY(heat.scale().diverging);
        QCOMPARE(heat.readout(3, 0), QStringLiteral("[3, 0] = -3.0"));
        QVERIFY(heat.readout(4, 0).isEmpty());
    }

    void pooling()
    {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const double inf = std::numeric_limits<double>::infinity();
        // 4 x 4 -> 2 x 2: each output cell is one 2 x 2 block.
        const std::vector<double> grid{1, 2, -8, 0, //
            3, 4, 1, 1, //
            nan, nan, 5, inf, //
            nan, 7, -6, 6};
        QCOMPARE(ckpt::poolGrid(grid, 4, 4, 2, 2, ckpt::Pooling::Mean), (std::vector<double>{2.5, -1.5, 7, 5.0 / 3}));
        QCOMPARE(ckpt::poolGrid(grid, 4, 4, 2, 2, ckpt::Pooling::MaxAbs), (std::vector<double>{4, -8, 7, inf}));
        // Same size is the identity; larger targets are clamped to the input.
        QCOMPARE(ckpt::poolGrid(grid, 4, 4, 4, 4, ckpt::Pooling::Mean).size(), 16u);
        QCOMPARE(ckpt::poolGrid(grid, 4, 4, 9, 1, ckpt::Pooling::Mean).size(), 4u);
        // Blocks of NaN only stay NaN; of infinities only, Mean keeps the infinity.
        const std::vector<double> special{nan, nan, inf, inf};
        const auto m = ckpt::poolGrid(special, 1, 4, 1, 2, ckpt::Pooling::Mean);
        QVERIFY(std::isnan(m[0]));
        QCOMPARE(m[1], inf);
        // Uneven blocks (5 x 3 -> 2 x 2) still cover every input cell exactly once.
        std::vector<double> ones(15, 1.0);
        ones[14] = 100; // bottom-right cell
        const auto uneven = ckpt::poolGrid(ones, 5, 3, 2, 2, ckpt::Pooling::MaxAbs);
        QCOMPARE(uneven, (std::vector<double>{1, 1, 1, 100}));
        QVERIFY(ckpt::poolGrid(ones, 4, 3, 2, 2, ckpt::Pooling::Mean).empty()); // size mismatch
        QVERIFY(ckpt::poolGrid({}, 0, 0, 1, 1, ckpt::Pooling::Mean).empty());
    }

    void planeSampling()
    {
        QCOMPARE(ckpt::planeSteps(1000, 1000, 1u << 22), (std::pair<uint64_t, uint64_t>{1, 1}));
        QCOMPARE(ckpt::planeSteps(10000, 10000, 1000000), (std::pair<uint64_t, uint64_t>{10, 10}));
        QCOMPARE(
            ckpt::planeSteps(3, 100000000, 1000000), (std::pair<uint64_t, uint64_t>{1, 301})); // 300 gives 1,000,002
        QCOMPARE(ckpt::planeSteps(100000000, 2, 1000000), (std::pair<uint64_t, uint64_t>{200, 1}));
        for (const auto &[r, c, m] : std::vector<std::tuple<uint64_t, uint64_t, uint64_t>>{
                 {7, 9, 20}, {1ull << 40, 1ull << 40, 1u << 22}, {12345, 678, 1000}, {5, 5, 1}, {1, 1000, 7}}) {
            const auto [rs, cs] = ckpt::planeSteps(r, c, m);
            QVERIFY(rs >= 1 && cs >= 1);
            QVERIFY2(((r + rs - 1) / rs) * ((c + cs - 1) / cs) <= m, qPrintable(QStringLiteral("%1x%2").arg(r).arg(c)));
        }

        // A 7 x 9 plane of a (2, 7, 9) array, sampled to at most 20 cells, read in tiny bands and pieces.
        auto src = std::make_shared<testtree::ComputedSource>(std::vector<uint64_t>{2, 7, 9});
        const ckpt::PlaneSpec spec{1, 2, {1, 0, 0}};
        ckpt::PlaneWindow w = ckpt::readPlaneSample(*src, spec, 20, {}, 4 * 4);
        QCOMPARE(w.planeRows, 7ull);
        QCOMPARE(w.planeCols, 9ull);
        QVERIFY(w.sampled());
        QVERIFY(!w.truncated());
        QCOMPARE(w.rows, (7 + w.rowStep - 1) / w.rowStep);
        QCOMPARE(w.cols, (9 + w.colStep - 1) / w.colStep);
        QVERIFY(w.rows * w.cols <= 20);
        for (uint64_t r = 0; r < w.rows; ++r) {
            for (uint64_t c = 0; c < w.cols; ++c) {
                const uint64_t linear = 63 + r * w.rowStep * 9 + c * w.colStep;
                QCOMPARE(w.values[r * w.cols + c], double(float(linear) * 0.5f));
            }
        }
        QCOMPARE(w.cellOf(w.rowStep, 0), (std::optional<std::pair<uint64_t, uint64_t>>{{1, 0}}));
        QVERIFY(!w.cellOf(1, 1) || w.rowStep == 1);
        QVERIFY(!w.cellOf(7, 0));
        for (const ckpt::Slab &slab : src->slabs())
            QVERIFY(slab.numElements() <= 4); // every read stayed within the band

        // Whole planes: transposed, and a 1000 x 1000 plane with its far corner.
        w = ckpt::readPlaneSample(*src, ckpt::PlaneSpec{2, 1, {0, 0, 0}}, 1000);
        QVERIFY(!w.sampled());
        QCOMPARE(w.rows, 9ull);
        QCOMPARE(w.values[8 * 7 + 6], double(float(6 * 9 + 8) * 0.5f)); // [0, 6, 8]
        auto big = std::make_shared<testtree::ComputedSource>(std::vector<uint64_t>{1000, 1000});
        w = ckpt::readPlaneSample(*big, ckpt::PlaneSpec::defaultFor({1000, 1000}), 1u << 22);
        QCOMPARE(w.rows * w.cols, 1000000ull);
        QVERIFY(!w.sampled() && !w.truncated());
        QCOMPARE(w.values.back(), double(float(999999) * 0.5f));

        // Cancellation between bands.
        ckpt::Progress cancelled;
        cancelled.isCancelled = [] { return true; };
        try {
            ckpt::readPlaneSample(*big, ckpt::PlaneSpec::defaultFor({1000, 1000}), 1u << 22, cancelled);
            QFAIL("expected Cancelled");
        } catch (const ckpt::Exception &e) {
            QCOMPARE(e.error().category, ckpt::ErrorCategory::Cancelled);
        }
    }

    void heatmapOfALargeSampledPlane()
    {
        // A 3000 x 2000 plane sampled to at most 100,000 cells, then pooled to the plot's pixels.
        auto src = std::make_shared<testtree::ComputedSource>(std::vector<uint64_t>{3000, 2000});
        const ckpt::PlaneSpec spec = ckpt::PlaneSpec::defaultFor({3000, 2000});
        ckpt::PlaneWindow w = ckpt::readPlaneSample(*src, spec, 100000);
        QVERIFY(w.sampled());
        HeatmapWidget heat;
        heat.resize(600, 400);
        heat.setSource(src, spec);
        heat.setWindow(w);
        QVERIFY(!heat.scale().diverging);
        const QImage shot = heat.grab().toImage();
        QVERIFY(!shot.isNull());
        const QRectF plot = HeatmapWidget::plotRect(heat.size(), 3000, 2000);
        QVERIFY(plot.height() > 300);
        QCOMPARE(plot.width() / plot.height(), 2000.0 / 3000.0);
        QVERIFY(uint64_t(heat.image().height()) < w.rows); // pooled to the plot's pixels
        QVERIFY(heat.image().height() <= int(plot.height()) + 1);

        // A sampled cell reads out at once; a skipped one is read exactly, lazily, off the UI thread.
        QCOMPARE(heat.readout(0, w.colStep),
            QStringLiteral("[0, %1] = ").arg(w.colStep)
                + QString::fromStdString(ckpt::formatDouble(double(w.colStep) * 0.5)));
        QCOMPARE(heat.readout(2999, 1999), QStringLiteral("[2999, 1999] = …"));
        QTRY_VERIFY(!heat.isReading());
        QCOMPARE(heat.readout(2999, 1999),
            QStringLiteral("[2999, 1999] = ")
                + QString::fromStdString(ckpt::formatDouble(double(float(5999999) * 0.5f))));
        QVERIFY(heat.readout(3000, 0).isEmpty());
        const auto last = src->slabs().back();
        QCOMPARE(last.start, (std::vector<uint64_t>{2999, 1999}));
        QCOMPARE(last.numElements(), 1ull);
    }

    void statsPanelShowsNumbers()
    {
        StatsPanel panel;
        ckpt::ArrayStats s;
        s.count = 10;
        s.finite = 9;
        s.nanCount = 1;
        s.min = -0.5;
        s.max = 2;
        s.mean = 0.25;
        s.std = 0.1;
        panel.setStats(s);
        QCOMPARE(panel.valueText(QStringLiteral("count")), QStringLiteral("10"));
        QCOMPARE(panel.valueText(QStringLiteral("nan")), QStringLiteral("1"));
        QCOMPARE(panel.valueText(QStringLiteral("min")), QStringLiteral("-0.5"));
        QCOMPARE(panel.valueText(QStringLiteral("mean")), QStringLiteral("0.25"));
        panel.clear(QStringLiteral("computing"));
        QCOMPARE(panel.valueText(QStringLiteral("count")), QStringLiteral("computing"));
        QVERIFY(panel.valueText(QStringLiteral("min")).isEmpty());
    }
};

QTEST_MAIN(TestArrayViews)
#include "tst_array_views.moc"
