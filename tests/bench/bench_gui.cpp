// Benchmark of checkpoint-studio (not a test): time from launch to a painted tree, time to show a
// slice heatmap, and peak memory while browsing, measured in-process on the offscreen platform.
//
// Built with -DCKPT_BUILD_BENCH=ON (target bench_gui). Inputs come from bench_gui_data.py:
//   QT_QPA_PLATFORM=offscreen bench_gui PATH [--select KEYPATH] [--browse N]
// Prints one JSON object: launch_to_tree_ms (main() entry to the first paint of the tree view
// after the open finished), open_ms (the worker's open alone), heatmap_ms (selecting KEYPATH on
// the heatmap tab to its first paint with data), browse_leaves, peak_rss_mib (ru_maxrss after
// opening, showing the heatmap and selecting N leaves one after another, each waited for).
#include "array_inspector.h"
#include "heatmap_widget.h"
#include "main_window.h"
#include "pytree_model.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QTreeView>

#include <sys/resource.h>

#include <cstdio>

namespace {

/// Records the time of the first paint of a widget after arm().
class PaintProbe : public QObject {
public:
    PaintProbe(QWidget *target, const QElapsedTimer &clock)
        : m_clock(clock)
    {
        target->installEventFilter(this);
    }
    void arm() { m_paintedAt = -1, m_armed = true; }
    qint64 paintedAt() const { return m_paintedAt; }
    bool eventFilter(QObject *, QEvent *e) override
    {
        if (m_armed && e->type() == QEvent::Paint) {
            m_paintedAt = m_clock.elapsed();
            m_armed = false;
        }
        return false;
    }

private:
    const QElapsedTimer &m_clock;
    qint64 m_paintedAt = -1;
    bool m_armed = false;
};

bool waitFor(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    QTimer wake; // wakes the blocking wait below so that `done` is checked; never spins
    wake.start(2);
    while (!done() && t.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    return done();
}

double peakRssMiB()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0;
}

} // namespace

int main(int argc, char **argv)
{
    QElapsedTimer clock;
    clock.start();
    QApplication app(argc, argv);
    const QStringList args = QApplication::arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: bench_gui PATH [--select KEYPATH] [--browse N]\n");
        return 2;
    }
    const QString path = args.at(1);
    const qsizetype selectAt = args.indexOf(QStringLiteral("--select"));
    const QString select = selectAt > 0 && selectAt + 1 < args.size() ? args.at(selectAt + 1) : QString();
    const qsizetype browseAt = args.indexOf(QStringLiteral("--browse"));
    const int browse = browseAt > 0 && browseAt + 1 < args.size() ? args.at(browseAt + 1).toInt() : 200;

    QTemporaryDir config;
    QSettings settings(config.filePath(QStringLiteral("bench.ini")), QSettings::IniFormat);
    MainWindow w(&settings);
    PaintProbe treePaint(w.treeView()->viewport(), clock);
    PaintProbe heatPaint(w.inspector()->heatmap(), clock);
    w.show();
    qint64 openStart = 0, openEnd = -1;
    QObject::connect(w.document(), &DocumentController::opened, &w, [&] {
        openEnd = clock.elapsed();
        treePaint.arm();
    });
    openStart = clock.elapsed();
    w.openPath(path);
    if (!waitFor([&] { return openEnd >= 0 || !w.errorText().isEmpty(); }, 600000) || openEnd < 0) {
        std::fprintf(stderr, "bench_gui: open failed: %s\n", qPrintable(w.errorText()));
        return 1;
    }
    if (!waitFor([&] { return treePaint.paintedAt() >= 0; }, 10000)) {
        std::fprintf(stderr, "bench_gui: the tree was never painted\n");
        return 1;
    }
    const qint64 treeAt = treePaint.paintedAt();
    const double rssAfterOpen = peakRssMiB();

    qint64 heatmapMs = -1;
    if (!select.isEmpty()) {
        w.inspector()->tabs()->setCurrentIndex(ArrayInspector::HeatmapTab);
        waitFor([&] { return !w.isBusy(); }, 1000);
        const qint64 t0 = clock.elapsed();
        heatPaint.arm();
        if (!w.selectKeyPath(select)) {
            std::fprintf(stderr, "bench_gui: no node at %s\n", qPrintable(select));
            return 1;
        }
        // The first paint shows "Loading…"; wait for the one that has the plane.
        waitFor([&] { return !w.inspector()->heatmap()->window().values.empty(); }, 60000);
        heatPaint.arm();
        w.inspector()->heatmap()->update();
        waitFor([&] { return heatPaint.paintedAt() >= 0; }, 10000);
        heatmapMs = heatPaint.paintedAt() - t0;
    }

    // Browse: expand everything (bounded) and select leaves one after another, as a user clicking down.
    w.expandAll();
    int selected = 0;
    QTreeView *tree = w.treeView();
    for (QModelIndex ix = tree->model()->index(0, 0); ix.isValid() && selected < browse; ix = tree->indexBelow(ix)) {
        if (tree->model()->hasChildren(ix))
            continue;
        tree->setCurrentIndex(ix);
        waitFor([&] { return !w.isBusy(); }, 60000);
        ++selected;
    }
    std::printf("{\"path\": \"%s\", \"leaves\": %llu, \"open_ms\": %lld, \"launch_to_tree_ms\": %lld, "
                "\"heatmap_ms\": %lld, \"rss_after_open_mib\": %.1f, \"browse_leaves\": %d, \"peak_rss_mib\": %.1f}\n",
        qPrintable(path), static_cast<unsigned long long>(w.document()->current()->root->leafCount()),
        static_cast<long long>(openEnd - openStart), static_cast<long long>(treeAt), static_cast<long long>(heatmapMs),
        rssAfterOpen, selected, peakRssMiB());
    return 0;
}
