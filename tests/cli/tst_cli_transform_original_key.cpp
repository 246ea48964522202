// `ckpt transform --original-key` (Orbax `Transform(original_key=...)` direction) end to end:
// report text and JSON, written result, saved recipe replay.
#include "cli_test_helpers.h"
#include "formats/flax_msgpack/msgpack_writer.h"
#include "tree/node.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

using namespace ckpt;
using namespace clitest;

namespace {

QJsonObject leafOf(const QJsonObject &doc, const QString &path)
{
    for (const QJsonValue &v : doc[QStringLiteral("leaves")].toArray())
        if (v.toObject()[QStringLiteral("path")].toString() == path)
            return v.toObject();
    return {};
}

} // namespace

class TestCliTransformOriginalKey : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_src, m_target;

    QString path(const char *name) const { return m_dir.filePath(QString::fromLatin1(name)); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_src = path("src.msgpack");
        m_target = path("target.msgpack");
        flaxmsgpack::writeFile(dict({{"params",
                                   dict({{"Dense_0", dict({{"kernel", f32({2, 3}, 0)}, {"bias", f32({3}, 10)}})},
                                       {"Dense_1", dict({{"kernel", f32({3, 1}, 20)}})}})}}),
            m_src.toStdString());
        flaxmsgpack::writeFile(dict({{"model",
                                   dict({{"layer0", dict({{"kernel", f32({2, 3}, -9)}, {"bias", f32({3}, -9)}})},
                                       {"layer1", dict({{"kernel", f32({3, 1}, -9)}})}})}}),
            m_target.toStdString());
    }

    void reportNamesTheRule()
    {
        const QString rule = QStringLiteral("--original-key=model/layer(\\d+)/(.*)=params/Dense_\\1/\\2");
        Run r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), m_target, rule});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("original-key rule model/layer(\\d+)/(.*)=params/Dense_\\1/\\2"));
        QVERIFY(r.out.contains("3 renamed"));
        r = runCkpt(
            {QStringLiteral("transform"), m_src, QStringLiteral("--target"), m_target, rule, QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        const QJsonObject k1 = leafOf(json(r.out), QStringLiteral("model/layer1/kernel"));
        QCOMPARE(k1[QStringLiteral("source")].toString(), QStringLiteral("params/Dense_1/kernel"));
        QCOMPARE(k1[QStringLiteral("rule_kind")].toString(), QStringLiteral("original_key"));
        QCOMPARE(k1[QStringLiteral("fate")].toString(), QStringLiteral("renamed"));

        // A template naming a key the checkpoint lacks: exit 1, a fatal missing problem.
        r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), m_target,
            QStringLiteral("--original-key=model/layer(\\d+)/(.*)=params/Dense_\\1/\\2"),
            QStringLiteral("--original-key=model/layer1/kernel=params/gone"), QStringLiteral("--json")});
        QCOMPARE(r.code, 1);
        const QJsonObject gone = leafOf(json(r.out), QStringLiteral("model/layer1/kernel"));
        QCOMPARE(gone[QStringLiteral("fate")].toString(), QStringLiteral("filled"));
        QVERIFY(gone[QStringLiteral("problems")].toArray()[0].toObject()[QStringLiteral("detail")].toString().contains(
            QStringLiteral("params/gone")));

        // Bad rules: exit 2.
        r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), m_target,
            QStringLiteral("--original-key=model/(x)=\\3")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("group"));
    }

    void writeBothDirectionsAndReplay()
    {
        const QString out = path("out.msgpack"), out2 = path("out2.msgpack"), recipe = path("recipe.json");
        Run r = runCkpt({QStringLiteral("transform"), m_src, QStringLiteral("--target"), m_target,
            QStringLiteral("--original-key=model/layer0/(.*)=params/Dense_0/\\1"),
            QStringLiteral("--rename=params/Dense_1/(.*)=model/layer1/\\1"), QStringLiteral("-o"), out,
            QStringLiteral("--save-recipe"), recipe});
        QCOMPARE(r.code, 0);
        QFile f(recipe);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject op = json(f.readAll())[QStringLiteral("operations")].toArray()[0].toObject();
        QCOMPARE(op[QStringLiteral("original_keys")].toArray(),
            (QJsonArray{QStringLiteral("model/layer0/(.*)=params/Dense_0/\\1")}));
        QCOMPARE(op[QStringLiteral("renames")].toArray(),
            (QJsonArray{QStringLiteral("params/Dense_1/(.*)=model/layer1/\\1")}));

        Run show = runCkpt({QStringLiteral("show"), out, QStringLiteral("model/layer1/kernel")});
        QVERIFY2(show.out.contains("20") && show.out.contains("22"), show.out.constData());
        show = runCkpt({QStringLiteral("show"), out, QStringLiteral("model/layer0/bias")});
        QVERIFY2(show.out.contains("10") && show.out.contains("12"), show.out.constData());

        r = runCkpt({QStringLiteral("apply"), recipe, m_src, QStringLiteral("-o"), out2});
        QCOMPARE(r.code, 0);
        const Run t1 = runCkpt({QStringLiteral("tree"), out, QStringLiteral("--json"), QStringLiteral("--digest")});
        const Run t2 = runCkpt({QStringLiteral("tree"), out2, QStringLiteral("--json"), QStringLiteral("--digest")});
        QCOMPARE(json(t1.out)[QStringLiteral("leaves")].toArray().size(), 3);
        QCOMPARE(json(t2.out)[QStringLiteral("leaves")], json(t1.out)[QStringLiteral("leaves")]);
    }
};

QTEST_GUILESS_MAIN(TestCliTransformOriginalKey)
#include "tst_cli_transform_original_key.moc"
