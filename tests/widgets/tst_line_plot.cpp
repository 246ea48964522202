#include "line_plot.h"

#include <QSignalSpy>
#include <QtTest>

#include <cmath>

namespace {

bool near(const QPointF &a, const QPointF &b, double eps = 1e-6)
{
    return std::abs(a.x() - b.x()) < eps && std::abs(a.y() - b.y()) < eps;
}

bool sameTicks(const std::vector<double> &got, const std::vector<double> &want)
{
    if (got.size() != want.size())
        return false;
    for (size_t i = 0; i < got.size(); ++i)
        if (std::abs(got[i] - want[i]) > 1e-12 * std::max(1.0, std::abs(want[i])))
            return false;
    return true;
}

} // namespace

class TestLinePlot : public QObject {
    Q_OBJECT
private slots:
    void ticks()
    {
        QVERIFY(sameTicks(LinePlot::niceTicks(0, 10, 5), {0, 2, 4, 6, 8, 10}));
        QVERIFY(sameTicks(LinePlot::niceTicks(0.13, 0.61, 5), {0.2, 0.3, 0.4, 0.5, 0.6}));
        QVERIFY(sameTicks(LinePlot::niceTicks(-3, 3, 3), {-2, 0, 2}));
        QVERIFY(sameTicks(LinePlot::niceTicks(1e-5, 3.5e-5, 3), {1e-5, 2e-5, 3e-5}));
        QVERIFY(sameTicks(LinePlot::niceTicks(1.9, 3.1, 5), {2, 2.5, 3}));
        QVERIFY(sameTicks(LinePlot::niceTicks(1.9, 3.1, 6, true), {2, 3})); // integer steps
        QVERIFY(sameTicks(LinePlot::niceTicks(0, 1000, 4, true), {0, 500, 1000}));
        const auto many = LinePlot::niceTicks(1, 1000, 4);
        QVERIFY(many.size() <= 5 && many.size() >= 2);
        QCOMPARE(LinePlot::niceTicks(5, 5, 4), (std::vector<double>{5}));
        QVERIFY(LinePlot::niceTicks(NAN, 1, 4).empty());
        QVERIFY(LinePlot::seriesColour(0) != LinePlot::seriesColour(1));
        QCOMPARE(LinePlot::seriesColour(10), LinePlot::seriesColour(0));
    }

    void mapping()
    {
        LinePlot plot;
        plot.resize(600, 300);
        QVERIFY(plot.series().empty());
        plot.setSeries({{QStringLiteral("a"), {{0, 0}, {10, 1}, {20, 4}}, {}},
            {QStringLiteral("b"), {{5, 2}, {15, NAN}, {25, 3}}, Qt::black}});
        const QRectF r = plot.plotRect();
        QVERIFY(!r.isEmpty());
        QVERIFY(r.right() < 600 - 20); // legend room on the right
        const LinePlot::Range range = plot.dataRange();
        QVERIFY(range.xlo < 0 && range.xhi > 25);
        QVERIFY(range.ylo < 0 && range.yhi > 4);
        // Data <-> pixel round trip; larger x is further right, larger y is higher.
        const auto p0 = plot.toPixel({0, 0}), p1 = plot.toPixel({20, 4});
        QVERIFY(p0 && p1);
        QVERIFY(p1->x() > p0->x());
        QVERIFY(p1->y() < p0->y());
        QVERIFY(r.contains(*p0) && r.contains(*p1));
        const auto back = plot.toData(*p1);
        QVERIFY(back && near(*back, {20, 4}));
        QVERIFY(!plot.toData({1, 1})); // outside the plot area
        QVERIFY(!plot.toPixel({15, NAN}));
        // The range's corners are the plot's corners.
        QVERIFY(near(*plot.toPixel({range.xlo, range.ylo}), r.bottomLeft()));
        QVERIFY(near(*plot.toPixel({range.xhi, range.yhi}), r.topRight()));
    }

    void logScale()
    {
        LinePlot plot;
        plot.resize(500, 300);
        plot.setSeries({{QStringLiteral("u"), {{1, 1e-4}, {2, 1e-2}, {3, 0}, {4, 1}}, {}}});
        QVERIFY(plot.toPixel({3, 0})); // linear: zero is a point
        plot.setLogY(true);
        QVERIFY(plot.logY());
        QVERIFY(!plot.toPixel({3, 0})); // log: zero cannot be shown
        const LinePlot::Range range = plot.dataRange();
        QVERIFY(range.ylo < -4 && range.ylo > -4.5); // log10 units
        QVERIFY(range.yhi > 0 && range.yhi < 0.5);
        // Equal ratios are equal distances.
        const double d1 = plot.toPixel({1, 1e-4})->y() - plot.toPixel({2, 1e-2})->y();
        const double d2 = plot.toPixel({2, 1e-2})->y() - plot.toPixel({4, 1})->y();
        QVERIFY(std::abs(d1 - d2) < 1e-6);
        const auto back = plot.toData(*plot.toPixel({2, 1e-2}));
        QVERIFY(back && std::abs(back->y() / 1e-2 - 1) < 1e-9);
    }

    void hover()
    {
        LinePlot plot;
        plot.resize(600, 300);
        plot.setAxisTitles(QStringLiteral("step"), QStringLiteral("update"));
        plot.setSeries({{QStringLiteral("w"), {{1, 1}, {2, 2}}, {}}, {QStringLiteral("b"), {{1, 2}, {2, 1}}, {}}});
        const QPointF target = *plot.toPixel({2, 1});
        const auto hit = plot.pointAt(target + QPointF(3, -2));
        QVERIFY(hit);
        QCOMPARE(hit->series, 1);
        QCOMPARE(hit->point, 1);
        QCOMPARE(plot.pointText(*hit), QStringLiteral("b: step = 2, update = 1"));
        QVERIFY(!plot.pointAt(target + QPointF(30, 30)));
        QVERIFY(plot.pointText({5, 0}).isEmpty());

        // Moving the mouse there hovers it and reports it.
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        QSignalSpy spy(&plot, &LinePlot::pointHovered);
        QTest::mouseMove(&plot, target.toPoint());
        QTRY_COMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 1);
        QCOMPARE(spy.at(0).at(1).toInt(), 1);
        QCOMPARE(plot.hoverText(), QStringLiteral("b: step = 2, update = 1"));
        const QImage shown = plot.grab().toImage();
        QVERIFY(!shown.isNull());
        // The hovered point is drawn in its series' colour.
        const QColor at = shown.pixelColor(target.toPoint());
        QCOMPARE(at, LinePlot::seriesColour(1));
        QTest::mouseMove(&plot, QPoint(2, 2));
        QTRY_COMPARE(spy.count(), 2);
        QCOMPARE(spy.at(1).at(0).toInt(), -1);
        QVERIFY(plot.hoverText().isEmpty());
    }
};

QTEST_MAIN(TestLinePlot)
#include "tst_line_plot.moc"
