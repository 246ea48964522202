// With nothing selected (or a container selected) the right pane shows where the bytes are: totals
// from the tree, subtrees as bars largest first that select their subtree when clicked, and the
// dtype breakdown computed on a worker; the tree has a Parameters column.
#include "app_test_helpers.h"

#include "array_inspector.h"
#include "checkpoint_overview.h"
#include "main_window.h"
#include "pytree_browser.h"
#include "pytree_model.h"
#include "subtree_bars.h"

#include "formats/flax_msgpack/msgpack_writer.h"
#include "tree_builders.h"

#include <QDir>
#include <QLabel>
#include <QTemporaryDir>
#include <QtTest>

class TestCheckpointOverview : public QObject {
    Q_OBJECT
private slots:
    void showsWhereTheBytesAre()
    {
        using testtree::dict;
        // opt_state (2 x 1000 floats) outweighs params (1000 + 10); step holds no array.
        const auto tree = dict({{"params", dict({{"w", testtree::f32({100, 10}, 1)}, {"b", testtree::f32({10}, 0)}})},
            {"opt_state",
                dict({{"mu", testtree::f32({100, 10}, 0)}, {"nu", testtree::array(ckpt::DType::BFloat16, {100, 10})}})},
            {"step", ckpt::Node::makeScalar(ckpt::Scalar::fromInt(3))}});
        QTemporaryDir tmp;
        const QString file = tmp.filePath(QStringLiteral("state.msgpack"));
        ckpt::flaxmsgpack::writeFile(tree, file.toStdString());

        TestSettings s;
        MainWindow w(s.settings.get());
        w.resize(1300, 800);
        w.show();
        QVERIFY(openAndWait(w, file, 20000));
        CheckpointOverview *o = w.inspector()->overview();
        QVERIFY(o->isVisible());
        QVERIFY2(o->summaryText().contains(QStringLiteral("3010 parameters  ·  9.8 KiB in arrays  ·  5 leaves")),
            qPrintable(o->summaryText()));
        const auto &rows = o->bars()->rows();
        QCOMPARE(rows.size(), size_t(3));
        QCOMPARE(rows[0].name, QStringLiteral("opt_state")); // 6000 bytes
        QCOMPARE(rows[0].bytes, uint64_t(6000));
        QCOMPARE(rows[1].name, QStringLiteral("params"));
        QCOMPARE(rows[1].parameters, uint64_t(1010));
        QCOMPARE(rows[2].bytes, uint64_t(0));
        QTRY_VERIFY_WITH_TIMEOUT(!o->isBusy(), 20000);
        QVERIFY2(o->dtypeText().startsWith(QStringLiteral("dtypes: float32")), qPrintable(o->dtypeText()));
        QVERIFY2(o->dtypeText().contains(QStringLiteral("bfloat16")), qPrintable(o->dtypeText()));
        QVERIFY(w.waitUntilIdle(20000));
        QVERIFY(QDir().mkpath(QStringLiteral(CKPT_BINARY_DIR "/screenshots")));
        QVERIFY(w.saveScreenshot(QStringLiteral(CKPT_BINARY_DIR "/screenshots/checkpoint_overview.png")));

        // Parameters column of the tree.
        PytreeModel *m = w.browser()->model();
        const QModelIndex opt = m->index(1, PytreeModel::ParamsColumn);
        QCOMPARE(m->index(1, PytreeModel::NameColumn).data().toString(), QStringLiteral("opt_state"));
        QCOMPARE(opt.data().toString(), QStringLiteral("2000"));
        QCOMPARE(opt.data(PytreeModel::SortRole).toULongLong(), 2000ull);
        QCOMPARE(m->headerData(PytreeModel::ParamsColumn, Qt::Horizontal).toString(), QStringLiteral("Parameters"));

        // Clicking the first bar selects opt_state; its overview lists mu and nu.
        const int rowY = o->bars()->sizeHint().height() / 6;
        QCOMPARE(o->bars()->rowAt(rowY), 0);
        QTest::mouseClick(o->bars(), Qt::LeftButton, {}, QPoint(20, rowY));
        QCOMPARE(w.browser()->currentPath(), QStringLiteral("opt_state"));
        QTRY_COMPARE(o->bars()->rows().size(), size_t(2));
        QCOMPARE(o->bars()->rows()[0].name, QStringLiteral("mu"));
        // A leaf shows its values, not the overview.
        QVERIFY(w.selectKeyPath(QStringLiteral("opt_state/mu")));
        QVERIFY(!o->isVisible());
    }
};

QTEST_MAIN(TestCheckpointOverview)
#include "tst_checkpoint_overview.moc"
