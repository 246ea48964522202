// ckpt du: parameters, memory and stored bytes per subtree and per dtype, largest first, checked
// against totals computed here from the tree that was written.
#include "cli_test_helpers.h"

#include "formats/flax_msgpack/msgpack_writer.h"
#include "ops/export.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

using namespace clitest;

namespace {

/// {params: {w (100, 10), b (10,)}, opt_state: {mu (100, 10), nu (100, 10)} of zeros, step: 7}
ckpt::NodePtr sampleTree()
{
    return dict({{"params", dict({{"w", f32({100, 10}, 1)}, {"b", f32({10}, 0)}})},
        {"opt_state",
            dict({{"mu", testtree::array(ckpt::DType::Float32, {100, 10})},
                {"nu", testtree::array(ckpt::DType::Float32, {100, 10})}})},
        {"step", ckpt::Node::makeScalar(ckpt::Scalar::fromInt(7))}});
}

QJsonObject child(const QJsonObject &node, int i)
{
    return node[QStringLiteral("children")].toArray()[i].toObject();
}

} // namespace

class TestCliDu : public QObject {
    Q_OBJECT
private slots:
    void subtreesLargestFirst()
    {
        QTemporaryDir tmp;
        const QString flax = tmp.filePath(QStringLiteral("state.msgpack"));
        ckpt::flaxmsgpack::writeFile(sampleTree(), flax.toStdString());
        const QString orbax = tmp.filePath(QStringLiteral("orbax"));
        ckpt::exportTree(sampleTree(), orbax.toStdString(), {});

        for (const QString &path : {flax, orbax}) {
            const Run r = runCkpt({QStringLiteral("du"), path, QStringLiteral("--json")});
            QCOMPARE(r.code, 0);
            const QJsonObject total = json(r.out)[QStringLiteral("total")].toObject();
            QCOMPARE(total[QStringLiteral("parameters")].toInteger(), 3010);
            QCOMPARE(total[QStringLiteral("memory_bytes")].toInteger(), 3010 * 4);
            QCOMPARE(total[QStringLiteral("arrays")].toInteger(), 4);
            QCOMPARE(total[QStringLiteral("leaves")].toInteger(), 5);
            QCOMPARE(total[QStringLiteral("stored_unknown_arrays")].toInteger(), 0);
            // opt_state (2000 parameters) before params (1010) before the scalar step.
            const QJsonObject first = child(total, 0), second = child(total, 1);
            QCOMPARE(first[QStringLiteral("path")].toArray()[0].toString(), QStringLiteral("opt_state"));
            QCOMPARE(first[QStringLiteral("parameters")].toInteger(), 2000);
            QCOMPARE(second[QStringLiteral("path")].toArray()[0].toString(), QStringLiteral("params"));
            QCOMPARE(child(second, 0)[QStringLiteral("path")].toArray()[1].toString(), QStringLiteral("w"));
            const qint64 stored = total[QStringLiteral("stored_bytes")].toInteger();
            const qint64 storedOpt = first[QStringLiteral("stored_bytes")].toInteger();
            if (path == flax) {
                QCOMPARE(stored, 3010 * 4); // raw array payloads
            } else {
                // zstd shrinks the zero-filled optimizer state far below its 8000 bytes.
                QVERIFY2(storedOpt > 0 && storedOpt < 1000, qPrintable(QString::number(storedOpt)));
                QVERIFY(stored > storedOpt);
            }
            const QJsonObject f32
                = json(r.out)[QStringLiteral("dtypes")].toObject()[QStringLiteral("float32")].toObject();
            QCOMPARE(f32[QStringLiteral("arrays")].toInteger(), 4);
            QCOMPARE(f32[QStringLiteral("parameters")].toInteger(), 3010);
        }

        const Run text = runCkpt({QStringLiteral("du"), flax, QStringLiteral("--depth"), QStringLiteral("1")});
        QCOMPARE(text.code, 0);
        const QString out = QString::fromUtf8(text.out);
        QVERIFY2(out.indexOf(QStringLiteral("opt_state")) < out.indexOf(QStringLiteral("params")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("66.4%")), qPrintable(out)); // 8000 of 12040 bytes
        QVERIFY(!out.contains(QStringLiteral("  mu"))); // depth 1: no grandchildren

        const Run bad = runCkpt({QStringLiteral("du"), flax, QStringLiteral("--depth"), QStringLiteral("0")});
        QCOMPARE(bad.code, 2);
        QVERIFY(QString::fromUtf8(bad.err).contains(QStringLiteral("--depth")));
    }
};

QTEST_GUILESS_MAIN(TestCliDu)
#include "tst_cli_du.moc"
