// The GUI opens checkpoints behind URLs like local ones: a dropped or typed URL, a remote run with
// its steps (re-listed by polling, since there is no file system to watch). The server is real:
// Python's http.server on 127.0.0.1 (it ignores Range, so small objects are fetched whole).
#include "app_test_helpers.h"

#include "main_window.h"
#include "run_watcher.h"
#include "step_list_model.h"
#include "steps_dock.h"

#include <QMimeData>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QUrl>
#include <QtTest>

class TestOpenUrl : public QObject {
    Q_OBJECT
private slots:
    void dropsOfPathsAndUrls()
    {
        QMimeData local;
        local.setUrls({QUrl::fromLocalFile(QStringLiteral("/tmp/run"))});
        QCOMPARE(MainWindow::droppedLocation(&local), QStringLiteral("/tmp/run"));

        QMimeData web;
        web.setUrls({QUrl(QStringLiteral("https://example.org/models/flax_model.msgpack"))});
        QCOMPARE(MainWindow::droppedLocation(&web), QStringLiteral("https://example.org/models/flax_model.msgpack"));

        QMimeData text; // a terminal drops text
        text.setText(QStringLiteral("  gs://bucket/run/checkpoints\nsecond line"));
        QCOMPARE(MainWindow::droppedLocation(&text), QStringLiteral("gs://bucket/run/checkpoints"));

        QMimeData s3;
        s3.setText(QStringLiteral("s3://b/run/4"));
        QCOMPARE(MainWindow::droppedLocation(&s3), QStringLiteral("s3://b/run/4"));

        QMimeData junk;
        junk.setText(QStringLiteral("not a location"));
        QVERIFY(MainWindow::droppedLocation(&junk).isEmpty());
        QMimeData ftp;
        ftp.setUrls({QUrl(QStringLiteral("ftp://host/x"))});
        QVERIFY(MainWindow::droppedLocation(&ftp).isEmpty());
    }

    void remoteRunOpensWithItsSteps()
    {
        const QString run = demoRun();
        if (run.isEmpty())
            QSKIP("the demo run is not generated");
        const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
        if (python.isEmpty())
            QSKIP("python3 is missing");
        QProcess server;
        server.setProcessChannelMode(QProcess::MergedChannels);
        server.start(python,
            {QStringLiteral("-u"), QStringLiteral("-m"), QStringLiteral("http.server"), QStringLiteral("--bind"),
                QStringLiteral("127.0.0.1"), QStringLiteral("--directory"), run + QStringLiteral("/.."),
                QStringLiteral("0")});
        QVERIFY(server.waitForStarted(10000));
        QString banner;
        const QRegularExpression portRe(QStringLiteral("port (\\d+)"));
        QTRY_VERIFY_WITH_TIMEOUT(
            (banner += QString::fromUtf8(server.readAll()), portRe.match(banner).hasMatch()), 10000);
        const QString url = QStringLiteral("http://127.0.0.1:%1/run").arg(portRe.match(banner).captured(1));

        TestSettings s;
        MainWindow w(s.settings.get());
        w.resize(1400, 900);
        w.show();
        QVERIFY2(openAndWait(w, url, 30000), qPrintable(url));
        const CheckpointPtr c = w.document()->current();
        QVERIFY(c->step.has_value());
        QCOMPARE(c->step->text, std::string("3")); // the latest complete step, as for the local run
        QCOMPARE(w.stepsDock()->model()->rowCount(), 3);
        QVERIFY(w.stepsDock()->runWatcher()->isPolling()); // no file system watcher for a URL
        QVERIFY(w.stepsDock()->runWatcher()->watchedPaths().isEmpty());
        QVERIFY(w.waitUntilIdle(20000));
        QVERIFY(saveScreenshot(&w, QStringLiteral("remote_run")));
        server.kill();
        server.waitForFinished(5000);
    }
};

QTEST_MAIN(TestOpenUrl)
#include "tst_open_url.moc"
