// `ckpt diff` end to end: exit codes 0/1/2, tolerance and NaN flags, renames, JSON, run view.
#include "cli_test_helpers.h"

#include "formats/flax_msgpack/msgpack_writer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>

using namespace ckpt;

namespace {

using clitest::dict;
using clitest::json;
using clitest::Run;

Run ckptDiff(const QStringList &args)
{
    return clitest::runCkpt(QStringList{QStringLiteral("diff")} + args);
}

NodePtr f64(const std::vector<double> &v)
{
    std::vector<std::byte> b(v.size() * 8);
    std::memcpy(b.data(), v.data(), b.size());
    return Node::makeArray(std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float64, {v.size()}, {}}, b));
}

QString corpus(const char *rel)
{
    return QStringLiteral(CKPT_CORPUS_DIR "/flax_msgpack/") + QString::fromUtf8(rel);
}

const QString kJson = QStringLiteral("--json");

} // namespace

class TestCliDiff : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString file(const char *name, const NodePtr &tree)
    {
        const QString p = m_dir.path() + QLatin1Char('/') + QString::fromUtf8(name);
        flaxmsgpack::writeFile(tree, p.toStdString());
        return p;
    }

private slots:
    void identicalAndDifferent()
    {
        const QString a = file("a.msgpack", dict({{"w", f64({1, 2})}, {"s", Node::makeString("x")}}));
        const QString b = file("b.msgpack", dict({{"w", f64({1, 2.5})}, {"s", Node::makeString("x")}}));
        Run r = ckptDiff({a, a});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("2 pairs: 2 same; identical"));
        r = ckptDiff({a, b});
        QCOMPARE(r.code, 1);
        QVERIFY(r.out.contains("values_changed"));
        QVERIFY(r.out.contains("different"));
        // The biggest difference comes first in the table (right after the header).
        const QList<QByteArray> lines = r.out.split('\n');
        QVERIFY(lines.size() > 3);
        QVERIFY(lines[2].startsWith("STATUS"));
        QVERIFY(lines[3].startsWith("values_changed"));
        QVERIFY(lines[3].contains(" w "));
        r = ckptDiff({a, b, kJson});
        QCOMPARE(r.code, 1);
        const QJsonObject doc = json(r.out);
        QCOMPARE(doc[QStringLiteral("ckpt_json")].toInt(), 1);
        QCOMPARE(
            doc[QStringLiteral("a")].toObject()[QStringLiteral("format")].toString(), QStringLiteral("flax-msgpack"));
        const QJsonArray pairs = doc[QStringLiteral("pairs")].toArray();
        QCOMPARE(pairs.size(), 2);
        const QJsonObject w = pairs[0].toObject();
        QCOMPARE(w[QStringLiteral("path")].toString(), QStringLiteral("w"));
        QCOMPARE(w[QStringLiteral("status")].toString(), QStringLiteral("values_changed"));
        QCOMPARE(w[QStringLiteral("max_abs_diff")].toDouble(), 0.5);
        QCOMPARE(w[QStringLiteral("max_abs_index")].toArray(), (QJsonArray{1}));
        QCOMPARE(w[QStringLiteral("differing")].toInt(), 1);
        QCOMPARE(w[QStringLiteral("norm_b")].toDouble(), std::sqrt(7.25));
        const QJsonObject sum = doc[QStringLiteral("summary")].toObject();
        QCOMPARE(sum[QStringLiteral("values_changed")].toInt(), 1);
        QCOMPARE(sum[QStringLiteral("same")].toInt(), 1);
        QCOMPARE(sum[QStringLiteral("identical")].toBool(), false);
        // --only-differences drops the equal pair, not the summary.
        r = ckptDiff({a, b, kJson, QStringLiteral("--only-differences")});
        QCOMPARE(json(r.out)[QStringLiteral("pairs")].toArray().size(), 1);
        QCOMPARE(json(r.out)[QStringLiteral("summary")].toObject()[QStringLiteral("pairs")].toInt(), 2);
        r = ckptDiff({a, b, QStringLiteral("--only-differences")});
        QVERIFY(!r.out.contains("same  "));
    }

    void toleranceAndNan()
    {
        const QString a = file("t1.msgpack", dict({{"w", f64({1, 2})}}));
        const QString b = file("t2.msgpack", dict({{"w", f64({1, 2.25})}}));
        QCOMPARE(ckptDiff({a, b}).code, 1);
        QCOMPARE(ckptDiff({a, b, QStringLiteral("--atol"), QStringLiteral("0.25")}).code, 0);
        QCOMPARE(ckptDiff({a, b, QStringLiteral("--atol=0.125")}).code, 1);
        QCOMPARE(ckptDiff({a, b, QStringLiteral("--rtol"), QStringLiteral("0.2")}).code, 0);
        const QString n = file("nan.msgpack", dict({{"w", f64({std::nan(""), 1})}}));
        QCOMPARE(ckptDiff({n, n}).code, 1);
        QCOMPARE(ckptDiff({n, n, QStringLiteral("--nan-equal")}).code, 0);
        QCOMPARE(json(ckptDiff({n, n, QStringLiteral("--nan-equal"), kJson}).out)[QStringLiteral("options")]
                     .toObject()[QStringLiteral("nan_equal")]
                     .toBool(),
            true);
    }

    void renames()
    {
        const QString a = file("r1.msgpack", dict({{"old", dict({{"k", f64({1})}, {"b", f64({2})}})}}));
        const QString b = file("r2.msgpack", dict({{"new", dict({{"k", f64({1})}, {"b", f64({2})}})}}));
        Run r = ckptDiff({a, b, kJson});
        QCOMPARE(r.code, 1);
        QCOMPARE(json(r.out)[QStringLiteral("summary")].toObject()[QStringLiteral("added")].toInt(), 2);
        r = ckptDiff({a, b, QStringLiteral("--rename"), QStringLiteral("old/(.*)=new/\\1"), kJson});
        QCOMPARE(r.code, 0);
        const QJsonObject first = json(r.out)[QStringLiteral("pairs")].toArray()[0].toObject();
        QCOMPARE(first[QStringLiteral("renamed")].toBool(), true);
        QCOMPARE(first[QStringLiteral("a")].toObject()[QStringLiteral("path")].toString(), QStringLiteral("old/k"));
        // Two rules, first match wins: k goes elsewhere, so it no longer lines up.
        r = ckptDiff({a, b, QStringLiteral("--rename"), QStringLiteral("old/k=gone"), QStringLiteral("--rename"),
            QStringLiteral("old/(.*)=new/\\1")});
        QCOMPARE(r.code, 1);
        QVERIFY(r.out.contains("old/b -> new/b"));
    }

    void errorsExitTwo()
    {
        const QString a = file("e.msgpack", dict({{"w", f64({1})}}));
        Run r = ckptDiff({a, m_dir.path() + QStringLiteral("/missing"), kJson});
        QCOMPARE(r.code, 2);
        QVERIFY(json(r.out)[QStringLiteral("error")].toString().startsWith(QStringLiteral("missing_data")));
        QCOMPARE(ckptDiff({a}).code, 2);
        QCOMPARE(ckptDiff({a, a, QStringLiteral("--atol"), QStringLiteral("-1")}).code, 2);
        QCOMPARE(ckptDiff({a, a, QStringLiteral("--rtol"), QStringLiteral("abc")}).code, 2);
        r = ckptDiff({a, a, QStringLiteral("--rename"), QStringLiteral("no-equals")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("invalid_argument"));
        QCOMPARE(ckptDiff({a, a, QStringLiteral("--bogus")}).code, 2);
        // A file that is not a checkpoint.
        const QString junk = m_dir.path() + QStringLiteral("/junk.msgpack");
        QFile f(junk);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("\xc1\xc1\xc1");
        f.close();
        QCOMPARE(ckptDiff({a, junk}).code, 2);
    }

    void runView()
    {
        const QString root = m_dir.path() + QStringLiteral("/run");
        QVERIFY(QDir().mkpath(root));
        const std::string r = root.toStdString();
        flaxmsgpack::writeFile(dict({{"w", f64({3, 4})}, {"b", f64({1})}}), r + "/checkpoint_100");
        flaxmsgpack::writeFile(dict({{"w", f64({3, 4.5})}, {"b", f64({1})}}), r + "/checkpoint_200");
        flaxmsgpack::writeFile(dict({{"w", f64({3, 4.5})}, {"b", f64({1})}}), r + "/checkpoint_300");
        Run run = ckptDiff({root, QStringLiteral("--steps"), QStringLiteral("100..300")});
        QCOMPARE(run.code, 1);
        QVERIFY(run.out.contains("100->200"));
        QVERIFY(run.out.contains("200->300"));
        QVERIFY(run.out.contains("1.000e-01"));
        run = ckptDiff({root, QStringLiteral("--steps"), QStringLiteral("200.."), kJson});
        QCOMPARE(run.code, 0); // 200 -> 300 changes nothing
        const QJsonObject doc = json(run.out);
        QCOMPARE(doc[QStringLiteral("ckpt_json")].toInt(), 1);
        QCOMPARE(doc[QStringLiteral("steps")].toArray(), (QJsonArray{200, 300}));
        run = ckptDiff({root, QStringLiteral("--steps"), QStringLiteral("..200"), kJson});
        const QJsonArray leaves = json(run.out)[QStringLiteral("leaves")].toArray();
        QCOMPARE(leaves.size(), 2);
        const QJsonObject cell = leaves[0].toObject()[QStringLiteral("cells")].toArray()[0].toObject();
        QCOMPARE(cell[QStringLiteral("state")].toString(), QStringLiteral("changed"));
        QCOMPARE(cell[QStringLiteral("rel_update")].toDouble(), 0.1);
        QCOMPARE(ckptDiff({root, QStringLiteral("--steps"), QStringLiteral("300..")}).code, 2);
        QCOMPARE(ckptDiff({root, QStringLiteral("--steps"), QStringLiteral("abc")}).code, 2);
        QCOMPARE(ckptDiff({root, root, QStringLiteral("--steps"), QStringLiteral("..")}).code, 2);
    }

    void oneRunTwoSteps()
    {
        const QString root = m_dir.path() + QStringLiteral("/run2");
        QVERIFY(QDir().mkpath(root));
        const std::string r = root.toStdString();
        flaxmsgpack::writeFile(dict({{"w", f64({3, 4})}}), r + "/checkpoint_4");
        flaxmsgpack::writeFile(dict({{"w", f64({3, 5})}}), r + "/checkpoint_5");
        // The run named once gives what naming it twice gives.
        const Run once = ckptDiff({root, QStringLiteral("--step-a"), QStringLiteral("4"), QStringLiteral("--step-b"),
            QStringLiteral("5"), kJson});
        const Run twice = ckptDiff({root, root, QStringLiteral("--step-a"), QStringLiteral("4"),
            QStringLiteral("--step-b"), QStringLiteral("5"), kJson});
        QCOMPARE(once.code, 1);
        QCOMPARE(twice.code, 1);
        const QJsonObject o = json(once.out), t = json(twice.out);
        QCOMPARE(o[QStringLiteral("summary")], t[QStringLiteral("summary")]);
        QCOMPARE(o[QStringLiteral("a")].toObject()[QStringLiteral("step")].toInt(), 4);
        QCOMPARE(o[QStringLiteral("b")].toObject()[QStringLiteral("step")].toInt(), 5);
        QCOMPARE(o[QStringLiteral("summary")].toObject()[QStringLiteral("values_changed")].toInt(), 1);
        // The same step on both sides is identical.
        QCOMPARE(ckptDiff({root, QStringLiteral("--step-a"), QStringLiteral("5"), QStringLiteral("--step-b"),
                              QStringLiteral("5")})
                     .code,
            0);
        // One path without both steps is a usage error that says what to add.
        const Run half = ckptDiff({root, QStringLiteral("--step-a"), QStringLiteral("4")});
        QCOMPARE(half.code, 2);
        QVERIFY2(half.err.contains("give both --step-a and --step-b"), half.err.constData());
        QCOMPARE(ckptDiff({root}).code, 2);
    }

    void corpusPair()
    {
        const QString a = corpus("transformer_mpc_depth/checkpoint_0"), b = corpus("transformer_mpc_map/checkpoint_0");
        if (!QFile::exists(a) || !QFile::exists(b))
            QSKIP("shared corpus not present");
        Run r = ckptDiff({a, b, kJson, QStringLiteral("--only-differences")});
        QCOMPARE(r.code, 1);
        const QJsonObject sum = json(r.out)[QStringLiteral("summary")].toObject();
        QCOMPARE(sum[QStringLiteral("shape_changed")].toInt(), 2);
        QCOMPARE(sum[QStringLiteral("pairs")].toInt(), 115);
        QCOMPARE(json(r.out)[QStringLiteral("pairs")].toArray().size(), 115 - sum[QStringLiteral("same")].toInt());
        QCOMPARE(ckptDiff({a, a}).code, 0);
    }
};

QTEST_GUILESS_MAIN(TestCliDiff)
#include "tst_cli_diff.moc"
