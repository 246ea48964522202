#include "array_slice.h"
#include "colour_map.h"
#include "heatmap_widget.h"
#include "histogram_widget.h"
#include "stats_panel.h"
#include "tree_builders.h"

#include <QtTest>

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
        // Square cells for a square plane, centred in the widget.
        const QRectF r = HeatmapWidget::plotRect(QSizeF(600, 400), 10, 10);
        QCOMPARE(r.width(), r.height());
        QVERIFY(r.left() > 8);
    }

    void windowsOfPlanes()
    {
        // (2, 3, 4) float32 holding 0..23; plane rows = dim 0, cols = dim 2 at dim 1 = 2.
        std::vector<float> v(24);
        for (int i = 0; i < 24; ++i)
            v[size_t(i)] = float(i) - 10;
        auto node = testtree::floats({2, 3, 4}, v);
        SliceSpec s{0, 2, {0, 2, 0}};
        QVERIFY(s.isValidFor(node->arrayInfo().shape));
        SliceWindow w = readSliceWindow(*node->array(), s, 100, 3);
        QCOMPARE(w.rows, 2ull);
        QCOMPARE(w.cols, 3ull);
        QCOMPARE(w.planeCols, 4ull);
        QVERIFY(w.truncated());
        QVERIFY(w.isSigned);
        QCOMPARE(w.values, (std::vector<double>{-2, -1, 0, 10, 11, 12})); // [0,2,0..2] and [1,2,0..2]
        s = SliceSpec{2, 0, {0, 1, 0}}; // transposed: rows = dim 2
        w = readSliceWindow(*node->array(), s, 100, 100);
        QCOMPARE(w.rows, 4ull);
        QCOMPARE(w.values[0 * 2 + 1], double(16 - 10)); // [1, 1, 0]
        QCOMPARE(w.values[3 * 2 + 0], double(7 - 10)); // [0, 1, 3]

        HeatmapWidget heat;
        heat.setWindow(w);
        QVERIFY(heat.scale().diverging);
        QCOMPARE(heat.readout(3, 0), QStringLiteral("[3, 0] = -3.0"));
        QVERIFY(heat.readout(4, 0).isEmpty());
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
