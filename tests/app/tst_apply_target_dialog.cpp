// ApplyTargetDialog offscreen: real checkpoints written to a temporary folder, the report table,
// manual alignment, promotion to a regex rule, both rule directions, and operation() giving what
// `ckpt transform` with the same rules writes, digest for digest.
#include "app_test_helpers.h"
#include "tree_builders.h"

#include "apply_target_dialog.h"
#include "restore_report_model.h"

#include "formats/flax_msgpack/msgpack_writer.h"
#include "layout/checkpoint.h"
#include "ops/digest.h"
#include "tree/key.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <map>
#include <memory>

using namespace ckpt;

namespace {

constexpr int kWaitMs = 60000;

using testtree::dict;
using testtree::f32;

const RestoreLeaf *leafOf(const RestoreReport &r, const std::string &path)
{
    for (const RestoreLeaf &l : r.leaves)
        if (l.path == path)
            return &l;
    return nullptr;
}

bool settle(const ApplyTargetDialog &d)
{
    return QTest::qWaitFor([&] { return !d.isPlanning(); }, kWaitMs);
}

} // namespace

class TestApplyTargetDialog : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_src, m_target;
    NodePtr m_root;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_src = m_dir.filePath(QStringLiteral("src.msgpack"));
        m_target = m_dir.filePath(QStringLiteral("target.msgpack"));
        flaxmsgpack::writeFile(
            dict({{"params",
                      dict({{"Dense_0", dict({{"kernel", f32({2, 3}, 0)}, {"bias", f32({3}, 10)}})},
                          {"Dense_1", dict({{"kernel", f32({3, 2}, 20)}, {"bias", f32({2}, 30)}})},
                          {"Dense_2", dict({{"kernel", f32({2, 1}, 40)}, {"bias", f32({1}, 50)}})}})},
                {"opt", dict({{"count", f32({}, 7)}})}}),
            m_src.toStdString());
        NodePtr layers = dict({{"0", dict({{"kernel", f32({2, 3}, -1)}, {"bias", f32({3}, -1)}})},
            {"1", dict({{"kernel", f32({3, 2}, -1)}, {"bias", f32({2}, -1)}})},
            {"2", dict({{"kernel", f32({2, 1}, -1)}, {"bias", f32({1}, -1)}})}});
        flaxmsgpack::writeFile(dict({{"model", dict({{"layers", layers}})}, {"meta", dict({{"count", f32({}, 0)}})}}),
            m_target.toStdString());
        m_root = openCheckpoint(m_src.toStdString()).root;
    }

    void reportAlignPromote()
    {
        ApplyTargetDialog d(m_root);
        QSignalSpy ready(&d, &ApplyTargetDialog::reportReady);
        QVERIFY(!d.okButton()->isEnabled()); // nothing planned yet
        d.setTarget({m_target.toStdString(), {}, {}});
        QVERIFY(settle(d));
        QCOMPARE(ready.count(), 1);
        QVERIFY(d.hasReport());
        // Nothing lines up yet: every target leaf is filled, every checkpoint leaf dropped.
        QCOMPARE(d.report().count(RestoreLeaf::Fate::Filled), size_t(7));
        QCOMPARE(d.unmatchedCheckpointLeaves().size(), 7);
        QCOMPARE(d.checkpointLeafCombo()->count(), 7);
        QCOMPARE(d.reportModel()->rowCount(), 14);
        QVERIFY(d.summaryText().startsWith(QStringLiteral("0 taken, 0 renamed, 7 filled")));
        QVERIFY(d.summaryText().endsWith(QStringLiteral("would restore: no")));
        QVERIFY(d.okButton()->isEnabled()); // the user decides
        QCOMPARE(d.okButton()->text(), QStringLiteral("Apply with problems"));
        QVERIFY(d.statusText().contains(QStringLiteral("OK applies it anyway")));

        // Problems only: every row needs attention here; later the aligned ones disappear.
        d.problemsOnlyBox()->setChecked(true);
        QCOMPARE(d.reportModel()->rowCount(), 14);

        // Manual alignment by the UI: select the missing target row, pick a checkpoint leaf.
        const int row = d.reportModel()->rowOf(QStringLiteral("model/layers/0/kernel"));
        QVERIFY(row >= 0);
        d.reportView()->selectRow(row);
        QVERIFY(d.alignButton()->isEnabled());
        QVERIFY(!d.promoteButton()->isEnabled()); // nothing to generalise on a missing row
        d.checkpointLeafCombo()->setCurrentText(QStringLiteral("params/Dense_0/kernel"));
        QTest::mouseClick(d.alignButton(), Qt::LeftButton);
        QVERIFY(settle(d));
        const RestoreLeaf *k0 = leafOf(d.report(), "model/layers/0/kernel");
        QVERIFY(k0);
        QCOMPARE(int(k0->fate), int(RestoreLeaf::Fate::Renamed));
        QCOMPARE(k0->source, std::string("params/Dense_0/kernel"));
        QCOMPARE(d.renames(), QStringList{QStringLiteral("params/Dense_0/kernel=model/layers/0/kernel")});
        QCOMPARE(d.reportModel()->rowOf(QStringLiteral("model/layers/0/kernel")), -1); // fine now: hidden
        d.problemsOnlyBox()->setChecked(false);
        QCOMPARE(d.reportModel()->rowCount(), 7 + 6);

        // Dragging a dropped checkpoint leaf onto a missing target leaf aligns them too.
        {
            const int from = d.reportModel()->rowOf(QStringLiteral("params/Dense_0/bias"));
            const int onto = d.reportModel()->rowOf(QStringLiteral("model/layers/0/bias"));
            std::unique_ptr<QMimeData> drag(d.reportModel()->mimeData({d.reportModel()->index(from, 0)}));
            QVERIFY(drag);
            d.reportModel()->dropMimeData(drag.get(), Qt::CopyAction, -1, -1, d.reportModel()->index(onto, 0));
            QVERIFY(settle(d));
            QCOMPARE(int(leafOf(d.report(), "model/layers/0/bias")->fate), int(RestoreLeaf::Fate::Renamed));
            QCOMPARE(d.ruleCount(), 2);
            d.removeRule(0);
            QVERIFY(settle(d));
            QCOMPARE(d.renames(), QStringList{QStringLiteral("params/Dense_0/kernel=model/layers/0/kernel")});
        }

        // Not leaves: refused with a reason, no rule added.
        QVERIFY(!d.alignManually(QStringLiteral("model/layers/0/bias"), QStringLiteral("params/Dense_0")));
        QVERIFY(d.statusText().contains(QStringLiteral("not a leaf of the checkpoint")));
        QVERIFY(!d.alignManually(QStringLiteral("model/layers"), QStringLiteral("params/Dense_0/bias")));
        QCOMPARE(d.ruleCount(), 1);

        // Promotion: the suggested regex and how many other leaves it lines up.
        const QString general = d.promotionFor(QStringLiteral("model/layers/0/kernel"));
        QCOMPARE(general, QStringLiteral("params/Dense_(\\d+)/(.*)=model/layers/\\1/\\2"));
        QCOMPARE(d.promotionGain(general), 5);
        QCOMPARE(d.promotionGain(QStringLiteral("params/Dense_1/bias=model/layers/1/bias")), 1);
        QCOMPARE(d.promotionGain(QStringLiteral("(broken=x")), 0);
        QVERIFY(d.promotionFor(QStringLiteral("meta/count")).isEmpty());
        // "Promote to rule…" on the selected aligned row shows the rule and its effect before accepting.
        d.reportView()->selectRow(d.reportModel()->rowOf(QStringLiteral("model/layers/0/kernel")));
        QVERIFY(d.promoteButton()->isEnabled());
        QString shown;
        QTimer::singleShot(0, &d, [&] {
            QWidget *ask = QApplication::activeModalWidget();
            if (!ask || ask == &d)
                return;
            for (const QLabel *l : ask->findChildren<QLabel *>())
                shown += l->text() + QLatin1Char('\n');
            QCOMPARE(ask->findChild<QLineEdit *>()->text(), general);
            QMetaObject::invokeMethod(ask, "accept", Qt::QueuedConnection);
        });
        QTimer::singleShot(kWaitMs, &d, [] { // never hang on a modal the test did not find
            if (QWidget *w = QApplication::activeModalWidget())
                w->close();
        });
        QTest::mouseClick(d.promoteButton(), Qt::LeftButton);
        QVERIFY2(shown.contains(QStringLiteral("Would align 5 other target leaves.")), qPrintable(shown));
        QVERIFY(settle(d));
        QCOMPARE(d.ruleCount(), 1);
        QCOMPARE(d.renames(), QStringList{general});
        QCOMPARE(d.report().count(RestoreLeaf::Fate::Renamed), size_t(6));

        // The other direction, as Orbax writes it: target regex <= checkpoint template.
        d.addRule(ApplyTargetDialog::Direction::OriginalKey, QStringLiteral("meta/(count)=opt/\\1"));
        QVERIFY(settle(d));
        const RestoreLeaf *count = leafOf(d.report(), "meta/count");
        QCOMPARE(int(count->fate), int(RestoreLeaf::Fate::Renamed));
        QCOMPARE(int(count->ruleKind), int(RestoreLeaf::RuleKind::OriginalKey));
        QCOMPARE(d.summaryText(), QStringLiteral("0 taken, 7 renamed, 0 filled, 0 problems \u2014 would restore: yes"));
        QCOMPARE(d.okButton()->text(), QStringLiteral("Apply"));
        QVERIFY(d.statusText().isEmpty());
        QCOMPARE(d.originalKeys(), QStringList{QStringLiteral("meta/(count)=opt/\\1")});

        // A bad rule keeps the last report and says why; removing it plans again.
        d.addRule(ApplyTargetDialog::Direction::Rename, QStringLiteral("(bad=x"));
        QVERIFY(settle(d));
        QVERIFY(d.statusText().startsWith(QStringLiteral("Rule 3: ")));
        QVERIFY(d.report().restorable());
        d.removeRule(2);
        QVERIFY(settle(d));
        QCOMPARE(d.ruleCount(), 2);

        const edit::Operation operation = d.operation();
        const auto *op = std::get_if<edit::ApplyTarget>(&operation);
        QVERIFY(op);
        QCOMPARE(op->target.path, m_target.toStdString());
        QCOMPARE(op->renames, std::vector<std::string>{general.toStdString()});
        QCOMPARE(op->originalKeys, std::vector<std::string>{"meta/(count)=opt/\\1"});

        if (const QString shot = qEnvironmentVariable("CKPT_APPLY_TARGET_SCREENSHOT"); !shot.isEmpty()) {
            d.alignManually(QStringLiteral("model/layers/2/bias"), QStringLiteral("params/Dense_1/bias"));
            QVERIFY(settle(d));
            d.show();
            QVERIFY(QTest::qWaitForWindowExposed(&d));
            d.reportView()->selectRow(1);
            QVERIFY(d.grab().save(shot));
        }
    }

    void operationEqualsCkptTransform()
    {
        const std::string general = "params/Dense_(\\d+)/(.*)=model/layers/\\1/\\2";
        const std::string original = "meta/(count)=opt/\\1";
        ApplyTargetDialog d(m_root);
        d.setTarget({m_target.toStdString(), {}, {}});
        d.addRule(ApplyTargetDialog::Direction::Rename, QString::fromStdString(general));
        d.addRule(ApplyTargetDialog::Direction::OriginalKey, QString::fromStdString(original));
        QVERIFY(settle(d));
        QVERIFY(d.report().restorable());
        d.accept();
        QCOMPARE(d.result(), int(QDialog::Accepted));
        edit::Context ctx;
        const NodePtr ours = edit::apply(m_root, d.operation(), ctx);

        const QString out = m_dir.filePath(QStringLiteral("cli.msgpack"));
        QProcess p;
        p.start(QStringLiteral(CKPT_CLI),
            {QStringLiteral("transform"), m_src, QStringLiteral("--target"), m_target,
                QStringLiteral("--rename=") + QString::fromStdString(general),
                QStringLiteral("--original-key=") + QString::fromStdString(original), QStringLiteral("-o"), out});
        QVERIFY(p.waitForFinished(kWaitMs));
        QCOMPARE(p.exitCode(), 0);
        const auto want = leafDigests(openCheckpoint(out.toStdString()).root);
        QCOMPARE(want.size(), size_t(7));
        QVERIFY(want == leafDigests(ours));
        QCOMPARE(want.at("model/layers/2/bias"), arrayDigest(*at(m_root, "params/Dense_2/bias")->array()));
    }

    void unreadableTarget()
    {
        ApplyTargetDialog d(m_root);
        QSignalSpy failed(&d, &ApplyTargetDialog::planFailed);
        d.setTarget({m_dir.filePath(QStringLiteral("missing.msgpack")).toStdString(), {}, {}});
        QVERIFY(settle(d));
        QCOMPARE(failed.count(), 1);
        QVERIFY(!d.hasReport());
        QVERIFY(d.statusText().startsWith(QStringLiteral("Could not plan")));
        QVERIFY(!d.okButton()->isEnabled());
    }

private:
    static NodePtr at(const NodePtr &root, const std::string &path) { return findNode(root, parsePath(path)); }
};

QTEST_MAIN(TestApplyTargetDialog)
#include "tst_apply_target_dialog.moc"
