#include "app_test_helpers.h"

#include "document_controller.h"
#include "export_dialog.h"
#include "main_window.h"

#include "ops/digest.h"
#include "tree/key.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <map>

namespace {

constexpr int kWaitMs = 60000;

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// Digest of every array leaf by path (scalars, strings and empty containers left out).
std::map<std::string, std::string> arrayDigests(const ckpt::NodePtr &root)
{
    std::map<std::string, std::string> out;
    ckpt::forEachLeaf(root, [&](const ckpt::Path &p, const ckpt::NodePtr &n) {
        if (n->kind() == ckpt::NodeKind::Array)
            out[ckpt::joinPath(p)] = ckpt::arrayDigest(*n->array());
    });
    return out;
}

} // namespace

class TestExportDialog : public QObject {
    Q_OBJECT
private slots:
    void exportsCorpusFile()
    {
        const QString src = corpusFile(QStringLiteral("flax_msgpack/transformer_mpc_depth/checkpoint_0"));
        if (src.isEmpty())
            QSKIP("corpus transformer_mpc_depth missing");
        const QByteArray before = fileBytes(src);
        TestSettings s;
        MainWindow w(s.settings.get());
        QCOMPARE(w.showExportDialog(), nullptr);
        QVERIFY(!w.errorText().isEmpty());
        w.openPath(src);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        const auto expected = leafDigests(w.document()->current()->root);
        QVERIFY(expected.size() > 100);

        QTemporaryDir tmp;
        struct Case {
            ckpt::ExportFormat format;
            QString name;
            bool zarr3;
        };
        const Case cases[] = {{ckpt::ExportFormat::FlaxMsgpack, QStringLiteral("out.msgpack"), false},
            {ckpt::ExportFormat::Orbax, QStringLiteral("orbax_out"), false},
            {ckpt::ExportFormat::Orbax, QStringLiteral("orbax_zarr3"), true},
            {ckpt::ExportFormat::Hdf5, QStringLiteral("out.h5"), false}};
        for (const Case &c : cases) {
            ExportDialog *dialog = w.showExportDialog();
            QVERIFY(dialog);
            dialog->setFormat(c.format);
            QCOMPARE(dialog->zarr3Box()->isEnabled(), c.format == ckpt::ExportFormat::Orbax);
            QCOMPARE(dialog->widenBox()->isEnabled(), c.format == ckpt::ExportFormat::Hdf5);
            dialog->zarr3Box()->setChecked(c.zarr3);
            const QString dst = tmp.filePath(c.name);
            dialog->setDestination(dst);
            QCOMPARE(dialog->options().format, c.format);
            QCOMPARE(dialog->options().orbax.useZarr3, c.zarr3);
            QSignalSpy done(dialog, &ExportDialog::exported);
            QVERIFY(dialog->startExport());
            QVERIFY(!dialog->startExport()); // one at a time
            QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWaitMs);
            QVERIFY2(done.count() == 1, qPrintable(dialog->statusText()));
            QVERIFY(w.statusText().startsWith(QStringLiteral("Exported to")));
            const ckpt::Checkpoint back = ckpt::openCheckpoint(dst.toStdString());
            QVERIFY2(leafDigests(back.root) == expected, qPrintable(c.name));
        }

        // An existing destination is refused without Overwrite, then replaced with it.
        ExportDialog *dialog = w.showExportDialog();
        dialog->setFormat(ckpt::ExportFormat::FlaxMsgpack);
        dialog->setDestination(tmp.filePath(QStringLiteral("out.msgpack")));
        QSignalSpy failed(dialog, &ExportDialog::failed);
        QVERIFY(dialog->startExport());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWaitMs);
        QCOMPARE(failed.count(), 1);
        QVERIFY(dialog->statusText().startsWith(QStringLiteral("Export failed:")));
        QVERIFY(!w.errorText().isEmpty());
        dialog->forceBox()->setChecked(true);
        QVERIFY(dialog->options().force);
        QSignalSpy done(dialog, &ExportDialog::exported);
        QVERIFY(dialog->startExport());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWaitMs);
        QCOMPARE(done.count(), 1);

        // The source itself is never a destination.
        dialog->setDestination(src);
        QVERIFY(dialog->startExport());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWaitMs);
        QVERIFY(dialog->statusText().startsWith(QStringLiteral("Export failed:")));
        QCOMPARE(fileBytes(src), before);

        dialog->setDestination(QString());
        QVERIFY(!dialog->startExport());
        QCOMPARE(dialog->statusText(), QStringLiteral("Choose a destination first."));
    }

    void safetensorsFolderAndFile()
    {
        const QString src = corpusFile(QStringLiteral("flax_msgpack/transformer_mpc_depth/checkpoint_0"));
        if (src.isEmpty())
            QSKIP("corpus transformer_mpc_depth missing");
        TestSettings s;
        MainWindow w(s.settings.get());
        w.openPath(src);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        const auto arrays = arrayDigests(w.document()->current()->root); // what safetensors holds
        QTemporaryDir tmp;
        ExportDialog *dialog = w.showExportDialog();
        dialog->setFormat(ckpt::ExportFormat::Safetensors);
        QVERIFY(dialog->shardSizeEdit()->isEnabled());
        QVERIFY(dialog->widenBox()->isEnabled());
        QVERIFY(!dialog->zarr3Box()->isEnabled());
        QVERIFY(!dialog->asStepBox()->isEnabled());
        dialog->shardSizeEdit()->setText(QStringLiteral("five gigs"));
        dialog->setDestination(tmp.filePath(QStringLiteral("hf")));
        QVERIFY(!dialog->startExport());
        QVERIFY(dialog->statusText().contains(QStringLiteral("not a size")));
        dialog->shardSizeEdit()->setText(QStringLiteral("64KB"));
        QCOMPARE(dialog->options().safetensors.maxShardBytes, uint64_t(64000));
        QSignalSpy done(dialog, &ExportDialog::exported);
        QVERIFY(dialog->startExport());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWaitMs);
        QVERIFY2(done.count() == 1, qPrintable(dialog->statusText()));
        QVERIFY(QFileInfo::exists(tmp.filePath(QStringLiteral("hf/model.safetensors.index.json"))));
        for (const QString &dst :
            {tmp.filePath(QStringLiteral("hf")), tmp.filePath(QStringLiteral("one.safetensors"))}) {
            if (dst.endsWith(QStringLiteral(".safetensors"))) {
                dialog->setDestination(dst);
                QVERIFY(dialog->startExport());
                QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWaitMs);
                QCOMPARE(done.count(), 2);
            }
            const ckpt::Checkpoint back = ckpt::openCheckpoint(dst.toStdString());
            QCOMPARE(back.format, std::string(ckpt::kFormatSafetensors));
            auto got = arrayDigests(back.root);
            for (const auto &[path, digest] : arrays)
                QVERIFY2(got.count(path) && got[path] == digest, path.c_str());
        }
    }

    void asStepIntoRun()
    {
        const QString src = corpusFile(QStringLiteral("flax_msgpack/transformer_mpc_depth/checkpoint_0"));
        if (src.isEmpty())
            QSKIP("corpus transformer_mpc_depth missing");
        TestSettings s;
        MainWindow w(s.settings.get());
        w.openPath(src);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        QTemporaryDir tmp;
        ExportDialog *dialog = w.showExportDialog();
        dialog->setFormat(ckpt::ExportFormat::FlaxMsgpack);
        dialog->asStepBox()->setChecked(true);
        QVERIFY(dialog->stepSpin()->isEnabled());
        dialog->stepSpin()->setValue(7);
        QCOMPARE(dialog->options().asStep.value_or(""), std::string("7"));
        dialog->setDestination(tmp.path());
        QSignalSpy done(dialog, &ExportDialog::exported);
        QVERIFY(dialog->startExport());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWaitMs);
        QVERIFY2(done.count() == 1, qPrintable(dialog->statusText()));
        QVERIFY(QFileInfo::exists(tmp.filePath(QStringLiteral("checkpoint_7"))));
        dialog = w.showExportDialog(); // a fresh dialog for the picture
        dialog->setFormat(ckpt::ExportFormat::Orbax);
        dialog->zarr3Box()->setChecked(true);
        dialog->setDestination(QStringLiteral("/data/exports/transformer_orbax"));
        dialog->adjustSize();
        QVERIFY(saveScreenshot(dialog, QStringLiteral("export_dialog")));
    }
};

QTEST_MAIN(TestExportDialog)
#include "tst_export_dialog.moc"
