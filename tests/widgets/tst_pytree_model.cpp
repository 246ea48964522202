#include "model_helpers.h"
#include "pytree_model.h"
#include "tree_builders.h"

#include "ops/edit/edit.h"

#include <QFont>
#include <QMimeData>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

using namespace testtree;

class TestPytreeModel : public QObject {
    Q_OBJECT
private slots:
    void dumpsSampleTree()
    {
        PytreeModel model;
        model.setRoot(sample());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.fetchAll({}, 1000);
        const QStringList expected = {
            QStringLiteral("params | dict |  | 2 items | 52 B | 13 | 3 leaves"),
            QStringLiteral("  Dense_0 | dict |  | 2 items | 36 B | 9 | 2 leaves"),
            QStringLiteral("    bias | array | float32 | (3,) | 12 B | 3"),
            QStringLiteral("    kernel | array | float32 | (2, 3) | 24 B | 6"),
            QStringLiteral("  Dense_1 | dict |  | 1 item | 16 B | 4 | 1 leaf"),
            QStringLiteral("    kernel | array | int32 | (4,) | 16 B | 4"),
            QStringLiteral("step | scalar | int |  |  |  | 4"),
            QStringLiteral("name | string |  |  |  |  | 'run'"),
            QStringLiteral("opt_state | list |  | 2 items |  |  | 2 leaves"),
            QStringLiteral("  0 | none |  |  |  |  | None"),
            QStringLiteral("  1 | empty_dict"),
        };
        QCOMPARE(printModel(&model), expected);
    }

    void rolesGivePathsAndNodes()
    {
        PytreeModel model;
        model.setRoot(sample());
        const QModelIndex kernel = model.indexForPath(ckpt::parsePath("params/Dense_0/kernel"));
        QVERIFY(kernel.isValid());
        QCOMPARE(kernel.data(PytreeModel::PathRole).toString(), QStringLiteral("params/Dense_0/kernel"));
        QCOMPARE(
            kernel.data(PytreeModel::PythonPathRole).toString(), QStringLiteral("['params']['Dense_0']['kernel']"));
        QCOMPARE(kernel.data(PytreeModel::DTypeNameRole).toString(), QStringLiteral("float32"));
        QCOMPARE(kernel.data(PytreeModel::NodeRole).value<ckpt::NodePtr>(), model.nodeAt(kernel));
        QCOMPARE(model.nodeAt(kernel)->arrayInfo().shape, (std::vector<uint64_t>{2, 3}));
        QCOMPARE(QString::fromStdString(ckpt::joinPath(model.pathAt(kernel))), QStringLiteral("params/Dense_0/kernel"));
        const QModelIndex none = model.indexForPath({ckpt::Key::name("opt_state"), ckpt::Key::name("0")});
        QCOMPARE(none.data(PytreeModel::PythonPathRole).toString(), QStringLiteral("['opt_state'][0]"));
        QVERIFY(!model.indexForPath(ckpt::parsePath("params/missing")).isValid());
        QCOMPARE(
            model.index(0, PytreeModel::SizeColumn, kernel.parent()).data(PytreeModel::SortRole).toULongLong(), 12ull);
        QCOMPARE(model.index(0, PytreeModel::SizeColumn, kernel.parent()).data(Qt::TextAlignmentRole).toInt(),
            int(Qt::AlignRight | Qt::AlignVCenter));
    }

    void leafRootIsOneRow()
    {
        PytreeModel model;
        model.setRoot(floats({2}, {1.f, 2.f}));
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.fetchAll({}, 10);
        QCOMPARE(printModel(&model), QStringList{QStringLiteral("(root) | array | float32 | (2,) | 8 B | 2")});
        QVERIFY(model.pathAt(model.index(0, 0)).empty());
        model.setRoot(nullptr);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.canFetchMore({}));
    }

    void statsFillTheSummaryColumn()
    {
        PytreeModel model;
        model.setRoot(sample());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.fetchAll({}, 100);
        const QModelIndex bias = model.indexForPath(ckpt::parsePath("params/Dense_0/bias"), PytreeModel::SummaryColumn);
        QVERIFY(bias.data().toString().isEmpty());
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        ckpt::ArrayStats s;
        s.count = 3;
        s.finite = 3;
        s.min = -1;
        s.max = 2;
        s.mean = 0.5;
        s.std = 1.22474;
        model.setStats(model.nodeAt(bias).get(), s);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>(), bias);
        QCOMPARE(bias.data().toString(), QStringLiteral("0.5 ± 1.225  [-1, 2]"));
        s.nanCount = 2;
        QCOMPARE(PytreeModel::statsSummary(s), QStringLiteral("0.5 ± 1.225  [-1, 2]  NaN×2"));
        s.finite = 0;
        QCOMPARE(PytreeModel::statsSummary(s), QStringLiteral("NaN×2"));
    }

    // The tester is attached after setRoot(): its checks fetch rows, and Qt 6.4's tester rejects rows
    // inserted while the reset that triggered them is still being announced.
    // 100 blocks x 1000 leaves = 100,000 leaves; only what is fetched becomes rows.
    void fetchesLazilyInBatches()
    {
        std::vector<ckpt::NodePtr> leaves;
        const ckpt::NodePtr leaf = floats({1}, {1.f});
        std::vector<ckpt::Child> blocks;
        for (int b = 0; b < 100; ++b) {
            std::vector<ckpt::Child> ls;
            for (int l = 0; l < 1000; ++l)
                ls.push_back(child("leaf_" + std::to_string(l), leaf));
            blocks.push_back(child("block_" + std::to_string(b), ckpt::Node::makeDict(std::move(ls))));
        }
        const auto root = ckpt::Node::makeDict({child("a", ckpt::Node::makeDict(std::move(blocks)))});
        QCOMPARE(root->leafCount(), 100000ull);

        PytreeModel model;
        model.setRoot(root);
        QCOMPARE(model.materialisedCount(), 0);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(model.hasChildren());
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.fetchCount(), 1);
        const QModelIndex a = model.index(0, 0);
        QVERIFY(model.hasChildren(a));
        QCOMPARE(model.rowCount(a), 0);
        model.fetchMore(a);
        QCOMPARE(model.rowCount(a), 100);
        QVERIFY(!model.canFetchMore(a));
        const QModelIndex b57 = model.index(57, 0, a);
        model.fetchMore(b57);
        QCOMPARE(model.rowCount(b57), 256);
        QCOMPARE(model.materialisedCount(), 1 + 100 + 256);
        QCOMPARE(model.fetchCount(), 3);

        const QModelIndex last = model.indexForPath(ckpt::parsePath("a/block_57/leaf_999"));
        QVERIFY(last.isValid());
        QCOMPARE(last.data().toString(), QStringLiteral("leaf_999"));
        QCOMPARE(last.data(PytreeModel::PathRole).toString(), QStringLiteral("a/block_57/leaf_999"));
        QCOMPARE(model.rowCount(b57), 1000);
        QCOMPARE(model.fetchCount(), 3 + 3); // 256 + 256 + 256 + 232
        QCOMPARE(model.materialisedCount(), 1 + 100 + 1000);
        // Stable ids: an index made before more rows were fetched still names the same row.
        QCOMPARE(model.index(0, 0, b57).data(PytreeModel::PathRole).toString(), QStringLiteral("a/block_57/leaf_0"));
        QCOMPARE(model.index(57, 0, a).internalId(), b57.internalId());

        // A model tester walking the tree fetches a bounded number of batches, not the whole tree.
        PytreeModel tested;
        tested.setBatchSize(64);
        tested.setRoot(root);
        QAbstractItemModelTester tester(&tested, QAbstractItemModelTester::FailureReportingMode::QtTest);
        qDebug() << "rows materialised by the model tester:" << tested.materialisedCount();
        QVERIFY(tested.materialisedCount() < 100000 / 20);
        QVERIFY(tested.materialisedCount() > 0);
    }
    void marksRowsAgainstTheBaseline()
    {
        const ckpt::NodePtr base = sample();
        ckpt::edit::Context ctx;
        ckpt::NodePtr edited = ckpt::edit::apply(base, ckpt::edit::Rename{"params/Dense_1", "params/head"}, ctx);
        edited = ckpt::edit::apply(edited, ckpt::edit::Cast{"params/Dense_0/kernel", "bfloat16"}, ctx);
        PytreeModel model;
        model.setRoot(
            edited, base, {{QStringLiteral("params/head"), QStringLiteral("rename params/Dense_1 -> params/head")}});
        // A tester of its own: resetting a lazy model under a live tester trips the tester itself.
        auto tester = std::make_unique<QAbstractItemModelTester>(
            &model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto markOf = [&model](const char *path) {
            return model.indexForPath(ckpt::parsePath(path)).data(PytreeModel::EditMarkRole).toInt();
        };
        QCOMPARE(markOf("params"), int(PytreeModel::ContainsChanges));
        QCOMPARE(markOf("params/Dense_0"), int(PytreeModel::ContainsChanges));
        QCOMPARE(markOf("params/Dense_0/kernel"), int(PytreeModel::Changed));
        QCOMPARE(markOf("params/Dense_0/bias"), int(PytreeModel::Unchanged));
        QCOMPARE(markOf("params/head"), int(PytreeModel::Added));
        QCOMPARE(markOf("params/head/kernel"), int(PytreeModel::Added));
        QCOMPARE(markOf("step"), int(PytreeModel::Unchanged));
        QCOMPARE(markOf("opt_state/1"), int(PytreeModel::Unchanged));
        const QModelIndex head = model.indexForPath(ckpt::parsePath("params/head"));
        QCOMPARE(
            head.data(Qt::ToolTipRole).toString(), QStringLiteral("params/head\nrename params/Dense_1 -> params/head"));
        QVERIFY(head.data(Qt::FontRole).value<QFont>().italic());
        QVERIFY(head.data(Qt::ForegroundRole).isValid());
        const QModelIndex kernel = model.indexForPath(ckpt::parsePath("params/Dense_0/kernel"));
        QCOMPARE(kernel.data(Qt::ToolTipRole).toString(), QStringLiteral("params/Dense_0/kernel\nChanged by an edit"));
        QCOMPARE(kernel.siblingAtColumn(PytreeModel::DTypeColumn).data().toString(), QStringLiteral("bfloat16"));
        const QModelIndex bias = model.indexForPath(ckpt::parsePath("params/Dense_0/bias"));
        QVERIFY(!bias.data(Qt::ForegroundRole).isValid());
        QCOMPARE(bias.data(Qt::ToolTipRole).toString(), QStringLiteral("params/Dense_0/bias"));

        // Statistics of shared nodes survive an edit shown with keepStats; a plain setRoot drops them.
        tester.reset();
        const ckpt::Node *biasNode = model.nodeAt(bias).get();
        const ckpt::Node *kernelNode = model.nodeAt(kernel).get();
        ckpt::ArrayStats stats;
        stats.count = 3;
        stats.finite = 3;
        stats.mean = 1.5;
        model.setStats(biasNode, stats);
        model.setStats(kernelNode, stats);
        const ckpt::NodePtr again
            = ckpt::edit::apply(edited, ckpt::edit::Cast{"params/Dense_0/kernel", "float16"}, ctx);
        model.setRoot(again, base, {}, true);
        QVERIFY(model.hasStats(biasNode));
        QVERIFY(!model.hasStats(model.nodeAt(model.indexForPath(ckpt::parsePath("params/Dense_0/kernel"))).get()));
        QVERIFY(model.indexForPath(ckpt::parsePath("params/Dense_0/bias"))
                    .siblingAtColumn(PytreeModel::SummaryColumn)
                    .data()
                    .toString()
                    .startsWith(QStringLiteral("1.5")));

        // Without a baseline nothing is marked.
        model.setRoot(edited);
        QVERIFY(!model.hasStats(biasNode));
        QCOMPARE(markOf("params/head"), int(PytreeModel::Unchanged));
        QVERIFY(!model.baseline());
    }

    void editingIsOffByDefaultAndRequestsRenames()
    {
        PytreeModel model;
        model.setRoot(sample());
        const QModelIndex dense = model.indexForPath(ckpt::parsePath("params/Dense_0"));
        QVERIFY(!(model.flags(dense) & Qt::ItemIsEditable));
        QVERIFY(!model.setData(dense, QStringLiteral("x")));
        QVERIFY(!model.mimeTypes().isEmpty());

        model.setEditable(true);
        QSignalSpy renames(&model, &PytreeModel::renameRequested);
        QVERIFY(model.flags(dense) & Qt::ItemIsEditable);
        QVERIFY(model.flags(dense) & Qt::ItemIsDragEnabled);
        QVERIFY(model.flags(dense) & Qt::ItemIsDropEnabled);
        QVERIFY(!(model.flags(dense.siblingAtColumn(PytreeModel::ShapeColumn)) & Qt::ItemIsEditable));
        const QModelIndex step = model.indexForPath(ckpt::parsePath("step"));
        QVERIFY(!(model.flags(step) & Qt::ItemIsDropEnabled)); // nothing goes into a leaf
        QVERIFY(model.flags({}) & Qt::ItemIsDropEnabled);
        QCOMPARE(dense.data(Qt::EditRole).toString(), QStringLiteral("Dense_0"));
        QVERIFY(model.setData(dense, QStringLiteral("dense")));
        QVERIFY(model.setData(dense, QStringLiteral("model/dense")));
        QVERIFY(!model.setData(dense, QStringLiteral("Dense_0"))); // unchanged
        QVERIFY(!model.setData(dense, QStringLiteral("  "))); // empty
        QCOMPARE(renames.count(), 2);
        QCOMPARE(renames.at(0), (QVariantList{QStringLiteral("params/Dense_0"), QStringLiteral("params/dense")}));
        QCOMPARE(renames.at(1), (QVariantList{QStringLiteral("params/Dense_0"), QStringLiteral("model/dense")}));
        // The snapshot itself does not change: the owner applies the edit.
        QVERIFY(model.indexForPath(ckpt::parsePath("params/Dense_0")).isValid());
    }

    void dragsAndDropsNodes()
    {
        PytreeModel a, b;
        a.setRoot(sample());
        b.setRoot(sample());
        a.setEditable(true);
        b.setEditable(true);
        a.setSourceRef(QStringLiteral("/ckpt/run"), QStringLiteral("3"), QStringLiteral("state"));
        const QModelIndex dense1 = a.indexForPath(ckpt::parsePath("params/Dense_1"));
        std::unique_ptr<QMimeData> mime(a.mimeData({dense1}));
        QVERIFY(mime);
        const auto drag = decodeNodeDrag(mime->data(QString::fromLatin1(kNodeMimeType)));
        QVERIFY(drag);
        QCOMPARE(*drag,
            (NodeDrag{QStringLiteral("/ckpt/run"), QStringLiteral("3"), QStringLiteral("state"),
                QStringLiteral("params/Dense_1"), a.dragOrigin()}));
        QVERIFY(a.dragOrigin() != b.dragOrigin());

        // Inside one model: a move into the drop container; never into itself or its own subtree.
        QSignalSpy moves(&a, &PytreeModel::moveRequested);
        QSignalSpy grafts(&b, &PytreeModel::graftRequested);
        QVERIFY(!a.canDropMimeData(mime.get(), Qt::MoveAction, -1, -1, dense1));
        QVERIFY(!a.canDropMimeData(mime.get(), Qt::MoveAction, -1, -1, a.indexForPath(ckpt::parsePath("params"))));
        QVERIFY(!a.canDropMimeData(mime.get(), Qt::MoveAction, -1, -1, a.indexForPath(ckpt::parsePath("step"))));
        const QModelIndex opt = a.indexForPath(ckpt::parsePath("opt_state/1"));
        QVERIFY(a.dropMimeData(mime.get(), Qt::MoveAction, -1, -1, opt));
        QCOMPARE(moves.count(), 1);
        QCOMPARE(moves.at(0), (QVariantList{QStringLiteral("params/Dense_1"), QStringLiteral("opt_state/1/Dense_1")}));
        QVERIFY(a.dropMimeData(mime.get(), Qt::MoveAction, -1, -1, {}));
        QCOMPARE(moves.at(1).at(1).toString(), QStringLiteral("Dense_1"));

        // From another model: a graft at the drop container.
        QVERIFY(b.dropMimeData(mime.get(), Qt::CopyAction, -1, -1, b.indexForPath(ckpt::parsePath("params/Dense_0"))));
        QCOMPARE(grafts.count(), 1);
        QCOMPARE(grafts.at(0).at(0).value<NodeDrag>().keyPath, QStringLiteral("params/Dense_1"));
        QCOMPARE(grafts.at(0).at(1).toString(), QStringLiteral("params/Dense_0/Dense_1"));

        // Foreign or malformed payloads are refused.
        QMimeData text;
        text.setText(QStringLiteral("params"));
        QVERIFY(!b.canDropMimeData(&text, Qt::CopyAction, -1, -1, {}));
        QMimeData bad;
        bad.setData(QString::fromLatin1(kNodeMimeType), "{\"keyPath\": \"a\"}");
        QVERIFY(!b.canDropMimeData(&bad, Qt::CopyAction, -1, -1, {}));
        QVERIFY(!b.dropMimeData(&bad, Qt::CopyAction, -1, -1, {}));
        QVERIFY(!decodeNodeDrag("not json"));
        b.setEditable(false);
        QVERIFY(!b.canDropMimeData(mime.get(), Qt::CopyAction, -1, -1, {}));
        QCOMPARE(grafts.count(), 1);
    }
};

QTEST_MAIN(TestPytreeModel)
#include "tst_pytree_model.moc"
