// The export dialog writes to a gs:// URL: a real fake-gcs-server on 127.0.0.1, started through
// tests/storage/servers.py, receives the checkpoint, which then reads back digest for digest; a
// cancelled export leaves no object in the bucket. Skips when the server's program is missing
// (packaging/install-deps.sh installs it).

#include "app_test_helpers.h"

#include "document_controller.h"
#include "export_dialog.h"
#include "main_window.h"

#include "io/storage/http_client.h"
#include "io/storage/storage_url.h"
#include "layout/checkpoint.h"

#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>

namespace {

constexpr int kWaitMs = 60000;
constexpr const char *kBucket = "ckpt-gui-export";

/// Objects below `prefix` of the test bucket, asked of the server afresh.
size_t objectsBelow(const std::string &prefix)
{
    const ckpt::StoragePtr store = ckpt::storageFor(ckpt::parseStorageUrl(std::string("gs://") + kBucket + "/"));
    store->refresh("");
    return store->list(prefix, false).objects.size();
}

} // namespace

class TestExportUrl : public QObject {
    Q_OBJECT
    QProcess m_server;

private slots:
    void initTestCase()
    {
        const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
        if (python.isEmpty())
            QSKIP("python3 is missing");
        m_server.start(python,
            {QStringLiteral("-u"), QStringLiteral(CKPT_SOURCE_DIR "/tests/storage/servers.py"),
                QStringLiteral("--fake-gcs")});
        QVERIFY(m_server.waitForStarted(10000));
        // servers.py prints the client's environment (NAME=value lines), then serves until killed.
        QString host;
        while (host.isEmpty() && m_server.state() == QProcess::Running) {
            if (!m_server.canReadLine() && !m_server.waitForReadyRead(60000))
                break;
            while (m_server.canReadLine()) {
                const QString line = QString::fromUtf8(m_server.readLine()).trimmed();
                if (line.startsWith(QStringLiteral("STORAGE_EMULATOR_HOST=")))
                    host = line.section(QLatin1Char('='), 1);
            }
        }
        if (host.isEmpty()) {
            const QString err = QString::fromUtf8(m_server.readAllStandardError());
            if (err.contains(QStringLiteral("SKIPPED")))
                QSKIP(qPrintable(err.trimmed()));
            QFAIL(qPrintable(QStringLiteral("servers.py did not start fake-gcs-server: ") + err));
        }
        qputenv("STORAGE_EMULATOR_HOST", host.toUtf8());
        ckpt::HttpRequest create;
        create.method = "POST";
        create.url = host.toStdString() + "/storage/v1/b?project=test";
        create.headers.push_back({"Content-Type", "application/json"});
        create.body = std::string(R"({"name": ")") + kBucket + "\"}";
        QCOMPARE(ckpt::HttpClient::shared()->send(create).status, 200L);
    }

    void cleanupTestCase()
    {
        if (m_server.state() == QProcess::Running) {
            m_server.terminate(); // servers.py stops fake-gcs-server by PID on SIGTERM
            if (!m_server.waitForFinished(10000))
                m_server.kill();
        }
    }

    void exportsToBucket()
    {
        const QString src = corpusFile(QStringLiteral("orbax_ocdbt_zarr2/sar2652_polynomial_expansion"));
        if (src.isEmpty())
            QSKIP("corpus sar2652_polynomial_expansion missing");
        TestSettings s;
        MainWindow w(s.settings.get());
        QVERIFY(openAndWait(w, src, kWaitMs));
        const auto expected = leafDigests(w.document()->current()->root);
        QVERIFY(expected.size() > 100);

        ExportDialog *dialog = w.showExportDialog();
        QVERIFY(dialog);
        dialog->setFormat(ckpt::ExportFormat::Orbax);
        const QString url = QStringLiteral("gs://%1/gui/ckpt").arg(QLatin1String(kBucket));
        dialog->setDestination(url);
        QSignalSpy done(dialog, &ExportDialog::exported);
        QVERIFY(dialog->startExport());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWaitMs);
        QVERIFY2(done.count() == 1, qPrintable(dialog->statusText()));
        QCOMPARE(done.first().first().toString(), url);
        QCOMPARE(dialog->statusText(), QStringLiteral("Exported to %1").arg(url));
        QVERIFY(objectsBelow("gui/ckpt/") >= 5);
        const ckpt::Checkpoint back = ckpt::openCheckpoint(url.toStdString());
        QVERIFY(leafDigests(back.root) == expected);

        // The same destination again: refused, and the dialog says how to allow it.
        QSignalSpy failed(dialog, &ExportDialog::failed);
        QVERIFY(dialog->startExport());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWaitMs);
        QCOMPARE(failed.count(), 1);
        QVERIFY2(dialog->statusText().contains(QStringLiteral("destination exists")), qPrintable(dialog->statusText()));
    }

    void cancelledExportWritesNothing()
    {
        const QString src = corpusFile(QStringLiteral("orbax_ocdbt_zarr2/sar2652_polynomial_expansion"));
        if (src.isEmpty())
            QSKIP("corpus sar2652_polynomial_expansion missing");
        TestSettings s;
        MainWindow w(s.settings.get());
        QVERIFY(openAndWait(w, src, kWaitMs));
        ExportDialog *dialog = w.showExportDialog();
        QVERIFY(dialog);
        dialog->setFormat(ckpt::ExportFormat::Orbax);
        dialog->setDestination(QStringLiteral("gs://%1/cancelled/ckpt").arg(QLatin1String(kBucket)));
        QSignalSpy failed(dialog, &ExportDialog::failed);
        // Cancelled before the worker reaches its first upload, which checks the flag first.
        QVERIFY(dialog->startExport());
        dialog->cancel();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWaitMs);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(dialog->statusText(), QStringLiteral("Export cancelled; nothing was written."));
        QCOMPARE(objectsBelow("cancelled/"), size_t(0));
    }
};

QTEST_MAIN(TestExportUrl)
#include "tst_export_url.moc"
