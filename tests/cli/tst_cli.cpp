// The `ckpt` executable end to end: output contracts, exit codes and error documents.
#include "cli_test_helpers.h"

#include "formats/flax_msgpack/msgpack_writer.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace clitest;

namespace {

QString corpus(const QString &rel)
{
    return QStringLiteral(CKPT_CORPUS_DIR "/") + rel;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void usageAndUnknownCommand()
    {
        Run r = runCkpt({});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("usage: ckpt"));
        r = runCkpt({QStringLiteral("--help")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("convert"));
        r = runCkpt({QStringLiteral("frobnicate")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("unknown command"));
        r = runCkpt({QStringLiteral("tree"), QStringLiteral("--bogus"), QStringLiteral("x")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("unknown option --bogus"));
    }

    void treeJsonOnACorpusFile()
    {
        const QString f = corpus(QStringLiteral("flax_msgpack/netket_test.mpack"));
        if (!QFile::exists(f))
            QSKIP("shared corpus not present");
        Run r = runCkpt({QStringLiteral("tree"), f, QStringLiteral("--json"), QStringLiteral("--digest")});
        QCOMPARE(r.code, 0);
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(doc[QStringLiteral("ckpt_json")].toInt(), 1);
        QCOMPARE(doc[QStringLiteral("source")].toObject()[QStringLiteral("format")].toString(),
            QStringLiteral("flax-msgpack"));
        const QJsonArray leaves = doc[QStringLiteral("leaves")].toArray();
        QCOMPARE(leaves.size(), 2);
        const QJsonObject kernel = leaves[1].toObject();
        QCOMPARE(kernel[QStringLiteral("path")].toArray().last().toString(), QStringLiteral("kernel"));
        QCOMPARE(kernel[QStringLiteral("dtype")].toString(), QStringLiteral("float64"));
        QCOMPARE(kernel[QStringLiteral("shape")].toArray(), (QJsonArray{20, 4}));
        QCOMPARE(kernel[QStringLiteral("sha256")].toString().size(), 64);
        // --filter keeps only matching leaves.
        r = runCkpt(
            {QStringLiteral("tree"), f, QStringLiteral("--json"), QStringLiteral("--filter"), QStringLiteral("bias$")});
        QCOMPARE(QJsonDocument::fromJson(r.out).object()[QStringLiteral("leaves")].toArray().size(), 1);
        // Human output names dtype, shape and size.
        r = runCkpt({QStringLiteral("tree"), f});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("kernel: float64(20, 4)  640 B"));
    }

    void showInfoStats()
    {
        const QString f = corpus(QStringLiteral("flax_msgpack/transformer_mpc_depth/checkpoint_0"));
        if (!QFile::exists(f))
            QSKIP("shared corpus not present");
        Run r = runCkpt({QStringLiteral("info"), f});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("leaves:  115 (114 arrays)"));
        QVERIFY(r.out.contains("float32 x111"));
        r = runCkpt({QStringLiteral("show"), f, QStringLiteral("params/Transformer/encoder_norm/scale"),
            QStringLiteral("--slice"), QStringLiteral("0:2"), QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(doc[QStringLiteral("shape")].toArray(), (QJsonArray{2}));
        QCOMPARE(doc[QStringLiteral("values")].toArray().size(), 2);
        r = runCkpt({QStringLiteral("show"), f, QStringLiteral("opt_state/1")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("empty_dict"));
        r = runCkpt({QStringLiteral("show"), f, QStringLiteral("params/nope")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("invalid_argument: no such key path"));
        r = runCkpt(
            {QStringLiteral("show"), f, QStringLiteral("step"), QStringLiteral("--slice"), QStringLiteral("0")});
        QCOMPARE(r.code, 2);
        r = runCkpt(
            {QStringLiteral("stats"), f, QStringLiteral("params/Transformer/encoder_norm"), QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        const QJsonArray stats = QJsonDocument::fromJson(r.out).object()[QStringLiteral("stats")].toArray();
        QCOMPARE(stats.size(), 2);
        QCOMPARE(stats[0].toObject()[QStringLiteral("count")].toInt(), 42);
        QVERIFY(stats[0].toObject()[QStringLiteral("min")].toDouble()
            <= stats[0].toObject()[QStringLiteral("max")].toDouble());
    }

    void convertIsByteIdenticalAndSafe()
    {
        const QString f = corpus(QStringLiteral("flax_msgpack/scico_dncnn6L.mpk"));
        if (!QFile::exists(f))
            QSKIP("shared corpus not present");
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("copy.msgpack"));
        const QByteArray before = readFile(f);
        Run r = runCkpt({QStringLiteral("convert"), f, out, QStringLiteral("--to"), QStringLiteral("flax-msgpack")});
        QCOMPARE(r.code, 0);
        QCOMPARE(readFile(out), before);
        QCOMPARE(readFile(f), before); // the source is untouched
        // Refuses to overwrite without --force, and leaves the existing file alone.
        QFile::resize(out, 10);
        r = runCkpt({QStringLiteral("convert"), f, out, QStringLiteral("--to"), QStringLiteral("flax-msgpack")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("--force"));
        QVERIFY(r.err.contains("destination exists (use --force to replace it)")); // the CLI's hint
        QCOMPARE(QFileInfo(out).size(), qint64(10));
        r = runCkpt({QStringLiteral("convert"), f, out, QStringLiteral("--to"), QStringLiteral("flax-msgpack"),
            QStringLiteral("--force")});
        QCOMPARE(r.code, 0);
        QCOMPARE(readFile(out), before);
        r = runCkpt({QStringLiteral("convert"), f, dir.filePath(QStringLiteral("x")), QStringLiteral("--to"),
            QStringLiteral("pickle")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("unsupported"));
        // An unwritable folder is a clean io error.
        r = runCkpt({QStringLiteral("convert"), f, QStringLiteral("/proc/ckpt-test/out.msgpack"),
            QStringLiteral("--to"), QStringLiteral("flax-msgpack")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("io: "));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), qsizetype(1));
    }

    void stepAndItemErrorsNameTheFlagsGiven()
    {
        // The core says what is wrong; the CLI adds the flags that chose the step or item.
        QTemporaryDir dir;
        const QString f = dir.filePath(QStringLiteral("one.msgpack"));
        ckpt::flaxmsgpack::writeFile(dict({{"w", f32({2}, 0)}}), f.toStdString());
        Run r = runCkpt({QStringLiteral("info"), f, QStringLiteral("--step"), QStringLiteral("3")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("no steps or items to choose from"));
        QVERIFY(r.err.contains("(--step and --item apply to runs and composite checkpoints)"));
        r = runCkpt({QStringLiteral("diff"), f, f, QStringLiteral("--step-b"), QStringLiteral("3")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("(--step-b and --item apply to runs and composite checkpoints)"));
    }

    void errorDocumentForDamagedInput()
    {
        QTemporaryDir dir;
        const QString bad = dir.filePath(QStringLiteral("truncated.msgpack"));
        QFile out(bad);
        out.open(QIODevice::WriteOnly);
        out.write(QByteArray::fromHex("81a161c717019391"));
        out.close();
        Run r = runCkpt({QStringLiteral("tree"), bad, QStringLiteral("--json")});
        QCOMPARE(r.code, 2);
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(doc[QStringLiteral("ckpt_json")].toInt(), 1);
        QVERIFY(doc[QStringLiteral("error")].toString().startsWith(QStringLiteral("corrupt: ")));
        QCOMPARE(doc[QStringLiteral("file")].toString(), bad);
        QVERIFY(r.err.contains("byte "));
        r = runCkpt({QStringLiteral("tree"), dir.filePath(QStringLiteral("missing")), QStringLiteral("--json")});
        QCOMPARE(r.code, 2);
        QVERIFY(QJsonDocument::fromJson(r.out).object()[QStringLiteral("error")].toString().startsWith(
            QStringLiteral("missing_data: ")));
        const QString text = dir.filePath(QStringLiteral("notes.txt"));
        QFile t(text);
        t.open(QIODevice::WriteOnly);
        t.write("hello");
        t.close();
        r = runCkpt({QStringLiteral("info"), text});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("not_a_checkpoint"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
