#include "app_test_helpers.h"

#include "document_controller.h"
#include "edit_controller.h"
#include "edit_dialogs.h"
#include "export_dialog.h"
#include "main_window.h"
#include "pytree_browser.h"
#include "pytree_model.h"

#include "formats/flax_msgpack/msgpack_writer.h"
#include "ops/digest.h"
#include "tree/key.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

#include <map>

namespace {

constexpr int kWaitMs = 60000;

/// Path -> digest of every array leaf, or kind and value text of every other leaf.
std::map<std::string, std::string> digests(const ckpt::NodePtr &root)
{
    std::map<std::string, std::string> out;
    ckpt::forEachLeaf(root, [&out](const ckpt::Path &path, const ckpt::NodePtr &n) {
        std::string v;
        switch (n->kind()) {
        case ckpt::NodeKind::Array:
            v = std::string(ckpt::dtypeName(n->arrayInfo().dtype)) + ' ' + ckpt::arrayDigest(*n->array());
            break;
        case ckpt::NodeKind::Scalar: v = n->scalar().repr(); break;
        case ckpt::NodeKind::String:
        case ckpt::NodeKind::Bytes: v = n->text(); break;
        default: break;
        }
        out[ckpt::joinPath(path)] = std::string(n->kindName()) + ':' + v;
    });
    return out;
}

/// A second checkpoint to graft from: {batch_stats: {mean (3,), var (3,)}, params: {head: (2,)}}.
ckpt::NodePtr otherTree()
{
    auto key = [](const char *k) { return ckpt::Key::name(k); };
    auto stats = ckpt::Node::makeDict(
        {{key("mean"), floatArray({3}, {0.25f, 0.5f, 0.75f})}, {key("var"), floatArray({3}, {1.f, 2.f, 3.f})}});
    return ckpt::Node::makeDict({{key("batch_stats"), stats},
        {key("params"), ckpt::Node::makeDict({{key("head"), floatArray({2}, {9.f, -9.f})}})}});
}

/// Writes the synthetic checkpoint and otherTree() as Flax msgpack files.
struct Files {
    QTemporaryDir dir;
    QString main, other;
    Files()
        : main(dir.filePath(QStringLiteral("main.msgpack")))
        , other(dir.filePath(QStringLiteral("other.msgpack")))
    {
        ckpt::flaxmsgpack::writeFile(syntheticCheckpoint("x").root, main.toStdString());
        ckpt::flaxmsgpack::writeFile(otherTree(), other.toStdString());
    }
};

} // namespace

class TestEditController : public QObject {
    Q_OBJECT
private slots:
    void undoRedoRestoresTheExactTree()
    {
        EditController c;
        QSignalSpy changed(&c, &EditController::treeChanged);
        const ckpt::NodePtr original = syntheticCheckpoint("x").root;
        c.reset(original);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(c.currentTree(), original);
        QVERIFY(!c.isModified());
        const auto d0 = digests(original);

        const std::vector<ckpt::edit::Operation> ops{ckpt::edit::Rename{"params/Dense_0", "params/dense"},
            ckpt::edit::Cast{"params", "bfloat16"}, ckpt::edit::Delete{"nothing"}, ckpt::edit::SetValue{"step", 5}};
        std::vector<std::map<std::string, std::string>> after;
        for (const auto &op : ops) {
            c.push(op);
            QVERIFY(!c.isBusy()); // instant operations run on the caller's thread
            after.push_back(digests(c.currentTree()));
        }
        QCOMPARE(c.undoStack()->count(), 4);
        QVERIFY(c.isModified());
        QVERIFY(c.hasUnsavedEdits());
        QCOMPARE(c.operations().size(), size_t(4));
        for (int i = 0; i < 4; ++i)
            QCOMPARE(c.undoStack()->text(i), QString::fromStdString(ckpt::edit::describe(ops[size_t(i)])));
        QVERIFY(after[0].count("params/dense/kernel") && !after[0].count("params/Dense_0/kernel"));
        QVERIFY(after[1]["params/dense/kernel"].find("bfloat16") != std::string::npos);
        QVERIFY(!after[2].count("nothing"));
        QCOMPARE(QString::fromStdString(after[3]["step"]), QStringLiteral("scalar:5"));
        // Untouched nodes are shared, not copied.
        QCOMPARE(ckpt::findNode(c.currentTree(), ckpt::parsePath("blob")),
            ckpt::findNode(original, ckpt::parsePath("blob")));

        for (int i = 3; i >= 0; --i) {
            c.undoStack()->undo();
            QVERIFY(digests(c.currentTree()) == (i == 0 ? d0 : after[size_t(i - 1)]));
        }
        QCOMPARE(c.currentTree(), original); // the very same snapshot
        QVERIFY(!c.isModified());
        QVERIFY(c.operations().empty());
        for (int i = 0; i < 4; ++i) {
            c.undoStack()->redo();
            QVERIFY(digests(c.currentTree()) == after[size_t(i)]);
        }
        QCOMPARE(c.operations().size(), size_t(4));

        // A new edit after an undo drops what could have been redone.
        c.undoStack()->undo();
        c.undoStack()->undo();
        c.push(ckpt::edit::Delete{"blob"});
        QCOMPARE(c.undoStack()->count(), 3);
        QVERIFY(!c.undoStack()->canRedo());
        QCOMPARE(c.operations().size(), size_t(3));
        QVERIFY(!digests(c.currentTree()).count("blob"));
        QVERIFY(digests(c.currentTree()).count("nothing")); // the undone delete stays undone

        QCOMPARE(c.notes().value(QStringLiteral("params/dense")), QString::fromStdString(ckpt::edit::describe(ops[0])));

        c.reset(nullptr);
        QCOMPARE(c.undoStack()->count(), 0);
        QVERIFY(!c.currentTree());
        c.push(ckpt::edit::Delete{"blob"}); // nothing open: ignored
        QCOMPARE(c.undoStack()->count(), 0);
    }

    void invalidEditsPushNothing()
    {
        Files f;
        EditController c;
        c.reset(syntheticCheckpoint("x").root);
        c.push(ckpt::edit::Rename{"params/Dense_0/bias", "params/Dense_0/kernel"});
        QSignalSpy errors(&c, &EditController::errorOccurred);
        c.push(ckpt::edit::Rename{"params/Dense_0/bias", "params/Dense_0/kernel"});
        QCOMPARE(c.undoStack()->count(), 0);
        QCOMPARE(errors.count(), 1);
        const QString collision = errors.takeFirst().at(0).toString();
        QVERIFY2(collision.startsWith(QStringLiteral("Could not rename params/Dense_0/bias")), qPrintable(collision));
        QVERIFY2(collision.contains(QStringLiteral("Key path: params/Dense_0/kernel")), qPrintable(collision));

        // Graft onto a leaf: runs on the worker, fails there, pushes nothing.
        ckpt::edit::Graft onLeaf;
        onLeaf.to = "step/stats";
        onLeaf.source.path = f.other.toStdString();
        onLeaf.from = "batch_stats";
        c.push(onLeaf);
        QVERIFY(c.isBusy());
        QVERIFY(c.waitUntilIdle(kWaitMs));
        QCOMPARE(c.undoStack()->count(), 0);
        QCOMPARE(errors.count(), 1);
        const QString leaf = errors.takeFirst().at(0).toString();
        QVERIFY2(leaf.startsWith(QStringLiteral("Could not graft")), qPrintable(leaf));
        QVERIFY2(leaf.contains(QStringLiteral("Key path: step")), qPrintable(leaf));

        // A missing source file names the file.
        ckpt::edit::Graft missing = onLeaf;
        missing.to = "stats";
        missing.source.path = f.dir.filePath(QStringLiteral("absent.msgpack")).toStdString();
        c.push(missing);
        QVERIFY(c.waitUntilIdle(kWaitMs));
        QCOMPARE(c.undoStack()->count(), 0);
        QCOMPARE(errors.count(), 1);
        QVERIFY(errors.takeFirst().at(0).toString().contains(QStringLiteral("absent.msgpack")));

        // A failure drops the operations queued behind it; those before it stay.
        ckpt::edit::Graft good = onLeaf;
        good.to = "batch_stats";
        c.push(good);
        c.push(ckpt::edit::Delete{"no/such/node"});
        c.push(ckpt::edit::Delete{"blob"});
        QVERIFY(c.waitUntilIdle(kWaitMs));
        QCOMPARE(c.undoStack()->count(), 1);
        QCOMPARE(errors.count(), 1);
        QVERIFY(digests(c.currentTree()).count("blob"));
        QCOMPARE(digests(c.currentTree())["batch_stats/mean"], digests(otherTree())["batch_stats/mean"]);
    }

    void recipeReplaysInAFreshWindowAndInTheCli()
    {
        Files f;
        TestSettings s;
        MainWindow w(s.settings.get());
        QVERIFY(openAndWait(w, f.main, kWaitMs));
        EditController *c = w.edits();
        ckpt::edit::Graft graft;
        graft.to = "batch_stats";
        graft.source.path = f.other.toStdString();
        graft.from = "batch_stats";
        ckpt::edit::AddLeaf add;
        add.path = "params/Dense_0/scale";
        add.fill = ckpt::edit::AddLeaf::Fill::Ones;
        add.like = "params/Dense_0/bias";
        c->push(ckpt::edit::Rename{"params/Dense_0/kernel", "params/Dense_0/w"});
        c->push(graft);
        c->push(add);
        c->push(ckpt::edit::Cast{"params", "float16"});
        c->push(ckpt::edit::SetValue{"name", "repaired"});
        c->push(ckpt::edit::Delete{"nothing"});
        QVERIFY(w.waitUntilIdle(kWaitMs));
        QVERIFY2(w.errorText().isEmpty(), qPrintable(w.errorText()));
        QCOMPARE(c->undoStack()->count(), 6);
        const auto edited = digests(c->currentTree());
        QVERIFY(edited.count("batch_stats/var") && edited.count("params/Dense_0/scale"));
        QVERIFY(w.isWindowModified());
        QVERIFY(w.document()->isEdited());
        QCOMPARE(w.document()->current()->root, c->currentTree()); // export and details follow
        QCOMPARE(w.document()->original()->root, c->originalTree());

        const QString recipe = f.dir.filePath(QStringLiteral("recipe.json"));
        QVERIFY(c->hasUnsavedEdits());
        QVERIFY(c->saveRecipe(recipe));
        QVERIFY(!c->hasUnsavedEdits());
        const ckpt::Recipe saved = ckpt::loadRecipe(recipe.toStdString());
        QCOMPARE(saved.operations.size(), size_t(6));

        TestSettings s2;
        MainWindow fresh(s2.settings.get());
        QVERIFY(openAndWait(fresh, f.main, kWaitMs));
        QVERIFY(fresh.edits()->loadRecipe(recipe));
        QVERIFY(fresh.waitUntilIdle(kWaitMs));
        QVERIFY2(fresh.errorText().isEmpty(), qPrintable(fresh.errorText()));
        QCOMPARE(fresh.edits()->undoStack()->count(), 6); // one undo command per operation
        QVERIFY(digests(fresh.edits()->currentTree()) == edited);
        QVERIFY(digests(fresh.browser()->model()->root()) == edited);
        fresh.edits()->undoStack()->setIndex(0);
        QVERIFY(digests(fresh.edits()->currentTree()) == digests(fresh.document()->original()->root));

        // `ckpt apply` of the saved recipe writes the same tree.
        const QString out = f.dir.filePath(QStringLiteral("applied.msgpack"));
        QProcess cli;
        cli.start(QStringLiteral(CKPT_CLI),
            {QStringLiteral("apply"), recipe, f.main, QStringLiteral("-o"), out, QStringLiteral("--to"),
                QStringLiteral("flax-msgpack")});
        QVERIFY(cli.waitForFinished(kWaitMs));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        QVERIFY(digests(ckpt::openCheckpoint(out.toStdString()).root) == edited);

        // Unreadable and malformed recipes are refused with the reason and change nothing.
        QSignalSpy errors(fresh.edits(), &EditController::errorOccurred);
        QVERIFY(!fresh.edits()->loadRecipe(f.dir.filePath(QStringLiteral("none.json"))));
        QFile bad(f.dir.filePath(QStringLiteral("bad.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{\"ckpt_recipe\": 1, \"operations\": [{\"op\": \"rename\", \"form\": \"a\"}]}");
        bad.close();
        QVERIFY(!fresh.edits()->loadRecipe(bad.fileName()));
        QCOMPARE(errors.count(), 2);
        QVERIFY(errors.at(1).at(0).toString().contains(QStringLiteral("recipe")));
        QCOMPARE(fresh.edits()->undoStack()->index(), 0);
    }

    void exportWritesTheEditedTree()
    {
        Files f;
        TestSettings s;
        MainWindow w(s.settings.get());
        QVERIFY(openAndWait(w, f.main, kWaitMs));
        w.edits()->push(ckpt::edit::Rename{"params/Dense_0", "params/dense"});
        w.edits()->push(ckpt::edit::Cast{"params/dense/kernel", "bfloat16"});
        const auto edited = digests(w.edits()->currentTree());
        ExportDialog *dialog = w.showExportDialog();
        QVERIFY(dialog);
        dialog->setFormat(ckpt::ExportFormat::FlaxMsgpack);
        const QString dst = f.dir.filePath(QStringLiteral("exported.msgpack"));
        dialog->setDestination(dst);
        QVERIFY(dialog->startExport());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWaitMs);
        QVERIFY2(QFileInfo::exists(dst), qPrintable(dialog->statusText()));
        const auto back = digests(ckpt::openCheckpoint(dst.toStdString()).root);
        QVERIFY(back == edited);
        QVERIFY(back != digests(w.edits()->originalTree()));
        QVERIFY(
            back.count("params/dense/kernel") && back.at("params/dense/kernel").find("bfloat16") != std::string::npos);
    }

    void openingAnotherCheckpointClearsTheStack()
    {
        Files f;
        TestSettings s;
        MainWindow w(s.settings.get());
        QVERIFY(openAndWait(w, f.main, kWaitMs));
        w.edits()->push(ckpt::edit::Delete{"blob"});
        QVERIFY(w.edits()->isModified());
        QStringList asked;
        bool answer = false;
        w.edits()->setDiscardQuestion([&](QWidget *, const QString &text) {
            asked << text;
            return answer;
        });
        w.openPath(f.other); // refused: the edits stay
        QVERIFY(w.waitUntilIdle(kWaitMs));
        QCOMPARE(asked.size(), 1);
        QCOMPARE(w.document()->original()->path, f.main.toStdString());
        QCOMPARE(w.edits()->undoStack()->count(), 1);
        answer = true;
        QVERIFY(openAndWait(w, f.other, kWaitMs));
        QCOMPARE(asked.size(), 2);
        QCOMPARE(w.edits()->undoStack()->count(), 0);
        QVERIFY(!w.edits()->isModified());
        QVERIFY(!w.isWindowModified());
        QCOMPARE(w.edits()->originalTree(), w.document()->current()->root);
        QCOMPARE(w.browser()->model()->root(), w.document()->current()->root);
        // Saved edits are discarded without asking.
        w.edits()->push(ckpt::edit::Delete{"params"});
        QVERIFY(w.edits()->saveRecipe(f.dir.filePath(QStringLiteral("r.json"))));
        QVERIFY(openAndWait(w, f.main, kWaitMs));
        QCOMPARE(asked.size(), 2);
        QCOMPARE(w.edits()->undoStack()->count(), 0);
    }
    void dialogInputParsing()
    {
        QVERIFY(edit_dialogs::parseValue(QStringLiteral("3"), false) == nlohmann::json(3));
        QVERIFY(edit_dialogs::parseValue(QStringLiteral("-2.5"), false) == nlohmann::json(-2.5));
        QVERIFY(edit_dialogs::parseValue(QStringLiteral("true"), false) == nlohmann::json(true));
        QVERIFY(edit_dialogs::parseValue(QStringLiteral("null"), false).is_null());
        QVERIFY(edit_dialogs::parseValue(QStringLiteral("adam"), false) == nlohmann::json("adam"));
        QVERIFY(edit_dialogs::parseValue(QStringLiteral("[1, 2]"), false) == nlohmann::json("[1, 2]"));
        QVERIFY(edit_dialogs::parseValue(QStringLiteral("3"), true) == nlohmann::json("3"));
        QCOMPARE(edit_dialogs::parseShape(QStringLiteral("(2, 3)")), (std::optional<std::vector<uint64_t>>{{2, 3}}));
        QCOMPARE(edit_dialogs::parseShape(QStringLiteral("[4]")), (std::optional<std::vector<uint64_t>>{{4}}));
        QCOMPARE(edit_dialogs::parseShape(QStringLiteral("  ")),
            (std::optional<std::vector<uint64_t>>{std::vector<uint64_t>{}}));
        QVERIFY(!edit_dialogs::parseShape(QStringLiteral("2, x")));
        QVERIFY(!edit_dialogs::parseShape(QStringLiteral("-1")));

        // What the Set value dialog produces applies: a string leaf and a Python scalar.
        EditController c;
        c.reset(syntheticCheckpoint("x").root);
        c.push(ckpt::edit::SetValue{"name", edit_dialogs::parseValue(QStringLiteral("v2"), true)});
        c.push(ckpt::edit::SetValue{"step", edit_dialogs::parseValue(QStringLiteral("12"), false)});
        QCOMPARE(c.undoStack()->count(), 2);
        QCOMPARE(ckpt::findNode(c.currentTree(), ckpt::parsePath("name"))->text(), std::string("v2"));
        QCOMPARE(ckpt::findNode(c.currentTree(), ckpt::parsePath("step"))->scalar().repr(), std::string("12"));
    }
};

QTEST_MAIN(TestEditController)
#include "tst_edit_controller.moc"
