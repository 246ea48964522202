// `ckpt transform` and `ckpt apply` end to end: reports, exit codes, written results, recipe replay.
#include "cli_test_helpers.h"
#include "formats/flax_msgpack/msgpack_writer.h"
#include "tree/node.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

using namespace ckpt;
using namespace clitest;

class TestCliRepair : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_src, m_target, m_partial;

    QString path(const char *name) const { return m_dir.filePath(QString::fromLatin1(name)); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_src = path("src.msgpack");
        m_target = path("target.msgpack");
        m_partial = path("partial.msgpack");
        flaxmsgpack::writeFile(
            dict({{"params", dict({{"Dense_0", dict({{"kernel", f32({2, 3}, 0)}, {"bias", f32({3}, 10)}})}})},
                {"junk", f32({1}, 0)}}),
            m_src.toStdString());
        flaxmsgpack::writeFile(
            dict({{"params", dict({{"dense", dict({{"kernel", f32({2, 3}, -9)}, {"bias", f32({3}, -9)}})}})}}),
            m_target.toStdString());
        flaxmsgpack::writeFile(dict({{"params",
                                   dict({{"dense", dict({{"kernel", f32({2, 3}, -9)}, {"bias", f32({3}, -9)}})},
                                       {"scale", f32({3}, 5)}})}}),
            m_partial.toStdString());
    }

    void reportExitCodes()
    {
        const QString rule = QStringLiteral("--rename=params/Dense_0/(.*)=params/dense/\\1");
        Run r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), m_target, rule});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("renamed"));
        QVERIFY(r.out.contains("restores into the target"));
        QVERIFY(r.out.contains("junk")); // listed as dropped
        // Without the rule nothing lines up: exit 1.
        r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), m_target});
        QCOMPARE(r.code, 1);
        QVERIFY(r.out.contains("would NOT restore"));
        // A leaf only the target has: exit 1, reported as filled/missing in JSON.
        r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), m_partial, rule,
            QStringLiteral("--json")});
        QCOMPARE(r.code, 1);
        const QJsonObject doc = json(r.out);
        QCOMPARE(doc[QStringLiteral("restorable")].toBool(), false);
        QCOMPARE(doc[QStringLiteral("counts")].toObject()[QStringLiteral("filled")].toInt(), 1);
        QCOMPARE(doc[QStringLiteral("counts")].toObject()[QStringLiteral("renamed")].toInt(), 2);
        QCOMPARE(doc[QStringLiteral("extras")].toArray(), (QJsonArray{QStringLiteral("junk")}));
        const QJsonObject scale = doc[QStringLiteral("leaves")].toArray()[2].toObject();
        QCOMPARE(scale[QStringLiteral("path")].toString(), QStringLiteral("params/scale"));
        QCOMPARE(scale[QStringLiteral("problems")].toArray()[0].toObject()[QStringLiteral("kind")].toString(),
            QStringLiteral("missing"));
        // A skeleton from `ckpt tree --json` is a target too.
        r = runCkpt({QStringLiteral("tree"), m_target, QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        QFile skel(path("skeleton.json"));
        QVERIFY(skel.open(QIODevice::WriteOnly));
        skel.write(r.out);
        skel.close();
        r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), skel.fileName(), rule});
        QCOMPARE(r.code, 0);
        // Errors: exit 2 with an error document under --json.
        r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), m_target,
            QStringLiteral("--rename=nothing"), QStringLiteral("--json")});
        QCOMPARE(r.code, 2);
        QVERIFY(json(r.out)[QStringLiteral("error")].toString().startsWith(QStringLiteral("invalid_argument")));
        r = runCkpt({QStringLiteral("transform"), m_src});
        QCOMPARE(r.code, 2);
        r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), path("missing.msgpack")});
        QCOMPARE(r.code, 2);
        r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), m_target, QStringLiteral("--to"),
            QStringLiteral("orbax")});
        QCOMPARE(r.code, 2);
    }

    void writeSaveRecipeAndReplay()
    {
        const QString rule = QStringLiteral("--rename=params/Dense_0/(.*)=params/dense/\\1");
        const QString out = path("out.msgpack"), recipe = path("recipe.json");
        Run r = runCkpt(
            {QStringLiteral("transform"), m_src, QStringLiteral("--target"), m_partial, rule, QStringLiteral("-o"), out,
                QStringLiteral("--to"), QStringLiteral("flax-msgpack"), QStringLiteral("--save-recipe"), recipe});
        QCOMPARE(r.code, 0);
        QVERIFY(r.err.contains("filled")); // the report goes to stderr when writing
        const Run tree = runCkpt({QStringLiteral("tree"), out, QStringLiteral("--json"), QStringLiteral("--digest")});
        QCOMPARE(tree.code, 0);
        const QJsonArray leaves = json(tree.out)[QStringLiteral("leaves")].toArray();
        QCOMPARE(leaves.size(), 3);
        QCOMPARE(leaves[0].toObject()[QStringLiteral("path")].toArray(),
            (QJsonArray{QStringLiteral("params"), QStringLiteral("dense"), QStringLiteral("kernel")}));
        // The kernel is the source's values (0..5), the filled scale the target's (5..7).
        Run show
            = runCkpt({QStringLiteral("show"), out, QStringLiteral("params/dense/kernel"), QStringLiteral("--json")});
        QVERIFY(show.out.contains("5"));
        show = runCkpt({QStringLiteral("show"), out, QStringLiteral("params/scale")});
        QVERIFY(show.out.contains("5.") && show.out.contains("7."));

        // The saved recipe replays to the same digests; the destination is not overwritten without --force.
        const QString out2 = path("out2.msgpack");
        r = runCkpt({QStringLiteral("apply"), recipe, m_src, QStringLiteral("-o"), out2});
        QCOMPARE(r.code, 0);
        const Run tree2 = runCkpt({QStringLiteral("tree"), out2, QStringLiteral("--json"), QStringLiteral("--digest")});
        QCOMPARE(json(tree2.out)[QStringLiteral("leaves")], json(tree.out)[QStringLiteral("leaves")]);
        r = runCkpt({QStringLiteral("apply"), recipe, m_src, QStringLiteral("-o"), out2});
        QCOMPARE(r.code, 2);
        r = runCkpt({QStringLiteral("apply"), recipe, m_src, QStringLiteral("-o"), out2, QStringLiteral("--force"),
            QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        QCOMPARE(json(r.out)[QStringLiteral("operations")].toInt(), 1);

        // Orbax output opens again with the same digests.
        const QString orbax = path("out_orbax");
        r = runCkpt({QStringLiteral("apply"), recipe, m_src, QStringLiteral("-o"), orbax, QStringLiteral("--to"),
            QStringLiteral("orbax")});
        QCOMPARE(r.code, 0);
        const Run tree3
            = runCkpt({QStringLiteral("tree"), orbax, QStringLiteral("--json"), QStringLiteral("--digest")});
        QCOMPARE(tree3.code, 0);
        const QJsonArray l3 = json(tree3.out)[QStringLiteral("leaves")].toArray();
        QCOMPARE(l3.size(), 3);
        // Orbax orders keys its own way: compare by path.
        auto byPath = [](const QJsonArray &a) {
            QMap<QString, QString> m;
            for (const QJsonValue &v : a)
                m[v.toObject()[QStringLiteral("path")].toVariant().toStringList().join(u'/')]
                    = v.toObject()[QStringLiteral("sha256")].toString();
            return m;
        };
        QCOMPARE(byPath(l3), byPath(leaves));
    }

    void targetIsAStepOfARun()
    {
        // A legacy Flax run: checkpoint_1 has the target structure, checkpoint_2 (the latest) not.
        QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("run")));
        QFile::copy(m_target, path("run/checkpoint_1"));
        QFile::copy(m_partial, path("run/checkpoint_2"));
        const QString rule = QStringLiteral("--rename=params/Dense_0/(.*)=params/dense/\\1");
        Run r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), path("run"), rule});
        QCOMPARE(r.code, 1); // the latest step has params/scale
        r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), path("run"),
            QStringLiteral("--target-step"), QStringLiteral("1"), rule});
        QCOMPARE(r.code, 0);
        r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), path("run"),
            QStringLiteral("--target-step"), QStringLiteral("9"), rule});
        QCOMPARE(r.code, 2);
    }

    void applyErrors()
    {
        QFile bad(path("bad_recipe.json"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(R"({"ckpt_recipe": 1, "operations": [{"op": "delete", "path": "nope"}]})");
        bad.close();
        Run r = runCkpt({QStringLiteral("apply"), bad.fileName(), m_src, QStringLiteral("-o"), path("x.msgpack"),
            QStringLiteral("--json")});
        QCOMPARE(r.code, 2);
        QCOMPARE(json(r.out)[QStringLiteral("key_path")].toString(), QStringLiteral("nope"));
        QVERIFY(!QFile::exists(path("x.msgpack")));
        r = runCkpt({QStringLiteral("apply"), bad.fileName(), m_src});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("-o DST"));
        r = runCkpt({QStringLiteral("apply"), path("none.json"), m_src, QStringLiteral("-o"), path("y.msgpack")});
        QCOMPARE(r.code, 2);
        r = runCkpt({QStringLiteral("apply"), bad.fileName(), m_src, QStringLiteral("-o"), path("y.x"),
            QStringLiteral("--to"), QStringLiteral("tiff")});
        QCOMPARE(r.code, 2);
    }
};

QTEST_GUILESS_MAIN(TestCliRepair)
#include "tst_cli_repair.moc"
