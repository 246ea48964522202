// The GUI opens Hugging Face checkpoints like any other: a sharded safetensors folder shows as one
// tree, its __metadata__ and shard count in the details panel, a selected tensor with its values.
#include "app_test_helpers.h"

#include "details_panel.h"
#include "main_window.h"

#include "formats/safetensors/safetensors_writer.h"
#include "tree_builders.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

class TestOpenSafetensors : public QObject {
    Q_OBJECT
private slots:
    void shardedFolderOpensAsOneTree()
    {
        using testtree::dict;
        std::vector<std::pair<std::string, ckpt::NodePtr>> layers;
        for (int i = 0; i < 12; ++i)
            layers.emplace_back(
                std::to_string(i), dict({{"mlp", dict({{"weight", testtree::f32({16, 8}, float(i))}})}}));
        const auto tree = dict({{"model", dict({{"layers", dict(layers)}, {"norm", testtree::f32({8}, 0)}})}});
        QTemporaryDir tmp;
        ckpt::safetensors::WriteOptions o;
        o.maxShardBytes = 2048;
        o.metadata = {{"format", "pt"}, {"source", "tst_open_safetensors"}};
        const auto written = ckpt::safetensors::writeFolder(tree, tmp.path().toStdString(), o);
        QVERIFY(written.files.size() > 3);

        TestSettings s;
        MainWindow w(s.settings.get());
        w.resize(1400, 900);
        w.show();
        w.openPath(tmp.path());
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, 20000);
        const CheckpointPtr c = w.document()->current();
        QCOMPARE(c->format, std::string(ckpt::kFormatSafetensors));
        QCOMPARE(c->root->leafCount(), uint64_t(13));
        QVERIFY(w.selectKeyPath(QStringLiteral("model/layers/10/mlp/weight")));
        const QString details = w.details()->toPlainText();
        QVERIFY2(details.contains(QStringLiteral("tst_open_safetensors")), qPrintable(details));
        QVERIFY2(details.contains(QStringLiteral("safetensors_dtype")), qPrintable(details));
        QVERIFY(w.waitUntilIdle(20000));
        QVERIFY(QDir().mkpath(QStringLiteral(CKPT_BINARY_DIR "/screenshots")));
        QVERIFY(w.saveScreenshot(QStringLiteral(CKPT_BINARY_DIR "/screenshots/safetensors_sharded.png")));
    }
};

QTEST_MAIN(TestOpenSafetensors)
#include "tst_open_safetensors.moc"
