#include "app_test_helpers.h"

#include "array_inspector.h"
#include "command_line.h"
#include "main_window.h"
#include "pytree_browser.h"
#include "pytree_filter_proxy.h"

#include <QDir>
#include <QImage>
#include <QLineEdit>
#include <QProcess>
#include <QTabWidget>
#include <QtTest>

/// Renders the main views into ${CKPT_BINARY_DIR}/screenshots/ for people to look at (README,
/// reviews). Asserts that each image was written at the window's size; never compares pixels.
class TestScreenshots : public QObject {
    Q_OBJECT
private:
    QString m_dir = QStringLiteral(CKPT_BINARY_DIR "/screenshots");

    void shoot(MainWindow &w, const QString &name)
    {
        QVERIFY(w.waitUntilIdle(20000));
        const QString file = m_dir + QLatin1Char('/') + name + QStringLiteral(".png");
        QVERIFY(w.saveScreenshot(file));
        const QImage image(file);
        QVERIFY2(!image.isNull(), qPrintable(file));
        QCOMPARE(image.size(), w.size() * w.devicePixelRatio());
    }

private slots:
    void initTestCase() { QVERIFY(QDir().mkpath(m_dir)); }

    void startPage()
    {
        TestSettings s;
        MainWindow w(s.settings.get());
        w.show();
        shoot(w, QStringLiteral("start_page"));
    }

    void arrayViews()
    {
        const QString file = corpusFile(QStringLiteral("flax_msgpack/scico_dncnn6L.mpk"));
        if (file.isEmpty())
            QSKIP("corpus not available");
        TestSettings s;
        MainWindow w(s.settings.get());
        w.show();
        w.openPath(file);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, 20000);
        QVERIFY(w.selectKeyPath(QStringLiteral("params/ConvBNBlock_1/Conv_0/kernel")));
        shoot(w, QStringLiteral("array_table"));
        w.inspector()->tabs()->setCurrentIndex(ArrayInspector::HeatmapTab);
        shoot(w, QStringLiteral("array_heatmap"));
        w.inspector()->tabs()->setCurrentIndex(ArrayInspector::HistogramTab);
        shoot(w, QStringLiteral("array_histogram"));
        w.computeAllStats();
        w.browser()->filterEdit()->setText(QStringLiteral("BatchNorm"));
        QTRY_COMPARE(w.browser()->proxy()->pathFilter(), QStringLiteral("BatchNorm"));
        shoot(w, QStringLiteral("tree_filter_stats"));
    }

    void complexArray()
    {
        const QString file = corpusFile(QStringLiteral("flax_msgpack/netket_qns_RBM_complex128.mpack"));
        if (file.isEmpty())
            QSKIP("corpus not available");
        TestSettings s;
        MainWindow w(s.settings.get());
        w.show();
        w.openPath(file);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, 20000);
        QVERIFY(w.selectKeyPath(QStringLiteral("params/Dense/kernel")));
        shoot(w, QStringLiteral("complex_table"));
    }

    void orbaxRunWithSteps()
    {
        const QString run = demoRun();
        if (run.isEmpty())
            QSKIP("demo run not generated");
        TestSettings s;
        MainWindow w(s.settings.get());
        w.show();
        w.openPath(run);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, 20000);
        w.computeAllStats();
        QVERIFY(w.waitUntilIdle(20000));
        QVERIFY(w.selectKeyPath(QStringLiteral("state/params/hidden/kernel")));
        w.inspector()->tabs()->setCurrentIndex(ArrayInspector::HeatmapTab);
        shoot(w, QStringLiteral("orbax_run_steps"));
    }

    void errorBanner()
    {
        QTemporaryDir dir;
        const QString garbage = dir.filePath(QStringLiteral("broken.msgpack"));
        QFile f(garbage);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("\x01\x02garbage");
        f.close();
        TestSettings s;
        MainWindow w(s.settings.get());
        w.show();
        w.openPath(garbage);
        QTRY_VERIFY_WITH_TIMEOUT(!w.errorText().isEmpty(), 20000);
        shoot(w, QStringLiteral("error_banner"));
    }

    void commandLineScreenshot()
    {
        const QString exe = QStringLiteral(CKPT_BINARY_DIR "/app/gui/checkpoint-studio");
        const QString file = corpusFile(QStringLiteral("flax_msgpack/transformer_mpc_depth/checkpoint_0"));
        if (file.isEmpty())
            QSKIP("corpus not available");
        if (!QFileInfo(exe).isExecutable())
            QSKIP("checkpoint-studio is not built");
        const QString out = m_dir + QStringLiteral("/cli_transformer.png");
        QFile::remove(out);
        QTemporaryDir config;
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path());
        p.setProcessEnvironment(env);
        p.start(exe,
            {file, QStringLiteral("--select"), QStringLiteral("params/posembed_input/pos_embedding"),
                QStringLiteral("--screenshot"), out});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        const QImage image(out);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 1000 && image.height() >= 600);
    }
};

QTEST_MAIN(TestScreenshots)
#include "tst_screenshots.moc"
