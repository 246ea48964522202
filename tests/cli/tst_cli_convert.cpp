// `ckpt convert` end to end: formats, options, exit codes, and a real SIGKILL in the middle of an
// export leaving no destination.
#include "cli_test_helpers.h"
#include "formats/flax_msgpack/msgpack_writer.h"
#include "tree/node.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <filesystem>

namespace fs = std::filesystem;
using clitest::Run;

namespace {

/// Conversions of the big sources take longer than the helper's default wait.
Run runCkpt(const QStringList &args)
{
    return clitest::runCkpt(args, 300000);
}

QJsonArray leaves(const QString &path)
{
    const Run r = runCkpt({QStringLiteral("tree"), path, QStringLiteral("--json"), QStringLiteral("--digest")});
    return QJsonDocument::fromJson(r.out).object()[QStringLiteral("leaves")].toArray();
}

/// Sorted by path: Orbax readers list leaves by key, Flax files in insertion order.
QStringList sortedLeaves(const QString &path)
{
    QStringList out;
    for (const auto &l : leaves(path))
        out << QString::fromUtf8(QJsonDocument(l.toObject()).toJson(QJsonDocument::Compact));
    out.sort();
    return out;
}

/// An array whose bytes are made on demand (no memory): a position-dependent pattern.
class PatternSource final : public ckpt::ArraySource {
public:
    PatternSource(uint64_t n, uint32_t seed)
        : m_seed(seed)
    {
        m_info.dtype = ckpt::DType::Float32;
        m_info.shape = {n};
    }
    const ckpt::ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const ckpt::Progress &) const override { fill(0, out); }
    void readSlab(const ckpt::Slab &s, std::span<std::byte> out, const ckpt::Progress &) const override
    {
        fill(s.start[0], out);
    }
    std::string location() const override { return "pattern"; }

private:
    void fill(uint64_t first, std::span<std::byte> out) const
    {
        for (size_t i = 0; i < out.size() / 4; ++i) {
            uint32_t x = uint32_t(first + i) * 2654435761u ^ m_seed;
            x ^= x >> 13;
            float f = float(x & 0xffffff) / 16.0f;
            std::memcpy(out.data() + i * 4, &f, 4);
        }
    }
    ckpt::ArrayInfo m_info;
    uint32_t m_seed;
};

/// A Flax msgpack file of `arrays` float32 arrays of `elements` each.
void writeBigSource(const std::string &path, int arrays, uint64_t elements)
{
    std::vector<ckpt::Child> children;
    for (int i = 0; i < arrays; ++i)
        children.push_back({ckpt::Key::name("layer_" + std::to_string(i)),
            ckpt::Node::makeArray(std::make_shared<PatternSource>(elements, uint32_t(i)))});
    ckpt::flaxmsgpack::writeFile(ckpt::Node::makeDict(children), path);
}

bool anyTempOutput(const QString &dir)
{
    for (const auto &e : fs::recursive_directory_iterator(dir.toStdString()))
        if (e.path().string().find(".ckpt-tmp-") != std::string::npos && e.is_regular_file() && e.file_size() > 0)
            return true;
    return false;
}

} // namespace

class TestCliConvert : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_small = m_dir.filePath(QStringLiteral("small.msgpack"));
        writeBigSource(m_small.toStdString(), 5, 1000);
    }

    void everyFormatRoundTrips_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("name");
        QTest::newRow("orbax") << QStringList{QStringLiteral("--to"), QStringLiteral("orbax")} << "o1";
        QTest::newRow("orbax zarr3") << QStringList{QStringLiteral("--to"), QStringLiteral("orbax"),
            QStringLiteral("--zarr3")}
                                     << "o2";
        QTest::newRow("orbax no-ocdbt") << QStringList{QStringLiteral("--to"), QStringLiteral("orbax"),
            QStringLiteral("--no-ocdbt")}
                                        << "o3";
        QTest::newRow("hdf5") << QStringList{QStringLiteral("--to"), QStringLiteral("hdf5")} << "o4.h5";
        QTest::newRow("flax") << QStringList{QStringLiteral("--to"), QStringLiteral("flax-msgpack")} << "o5.msgpack";
    }
    void everyFormatRoundTrips()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, name);
        const QString dst = m_dir.filePath(name);
        Run r = runCkpt(QStringList{QStringLiteral("convert"), m_small, dst, QStringLiteral("--json")} + args);
        QCOMPARE(r.code, 0);
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(doc[QStringLiteral("written")].toString(), dst);
        QCOMPARE(sortedLeaves(dst), sortedLeaves(m_small));
        QCOMPARE(sortedLeaves(dst).size(), 5);
        // A second run is refused (exit 2, error document), --force replaces.
        r = runCkpt(QStringList{QStringLiteral("convert"), m_small, dst, QStringLiteral("--json")} + args);
        QCOMPARE(r.code, 2);
        QVERIFY(QJsonDocument::fromJson(r.out).object()[QStringLiteral("error")].toString().startsWith(
            QStringLiteral("invalid_argument: ")));
        r = runCkpt(QStringList{QStringLiteral("convert"), m_small, dst, QStringLiteral("--force")} + args);
        QCOMPARE(r.code, 0);
        QCOMPARE(sortedLeaves(dst), sortedLeaves(m_small));
    }

    void badArguments()
    {
        const QString dst = m_dir.filePath(QStringLiteral("bad"));
        QCOMPARE(runCkpt({QStringLiteral("convert"), m_small, dst}).code, 2);
        QCOMPARE(
            runCkpt({QStringLiteral("convert"), m_small, dst, QStringLiteral("--to"), QStringLiteral("zip")}).code, 2);
        QCOMPARE(runCkpt({QStringLiteral("convert"), m_small, dst, QStringLiteral("--to"), QStringLiteral("hdf5"),
                             QStringLiteral("--zarr3")})
                     .code,
            2);
        QCOMPARE(runCkpt({QStringLiteral("convert"), m_small, dst, QStringLiteral("--to"), QStringLiteral("orbax"),
                             QStringLiteral("--as-step"), QStringLiteral("1.5")})
                     .code,
            2);
        QCOMPARE(runCkpt({QStringLiteral("convert"), m_small, m_small, QStringLiteral("--to"), QStringLiteral("hdf5"),
                             QStringLiteral("--force")})
                     .code,
            2); // never onto the source
        QVERIFY(!QFileInfo::exists(dst));
        QFile plain(m_dir.filePath(QStringLiteral("plain_file")));
        QVERIFY(plain.open(QIODevice::WriteOnly));
        plain.close();
        const Run r = runCkpt({QStringLiteral("convert"), m_small, plain.fileName() + QStringLiteral("/x"),
            QStringLiteral("--to"), QStringLiteral("orbax"), QStringLiteral("--json")});
        QCOMPARE(r.code, 2);
        QVERIFY(QJsonDocument::fromJson(r.out).object()[QStringLiteral("error")].toString().startsWith(
            QStringLiteral("io: ")));
    }

    void asStep()
    {
        const QString run = m_dir.filePath(QStringLiteral("run"));
        for (const char *step : {"3", "8"})
            QCOMPARE(runCkpt({QStringLiteral("convert"), m_small, run, QStringLiteral("--to"), QStringLiteral("orbax"),
                                 QStringLiteral("--as-step"), QString::fromLatin1(step)})
                         .code,
                0);
        QVERIFY(QFileInfo::exists(run + QStringLiteral("/8/default/_METADATA")));
        const Run r = runCkpt({QStringLiteral("steps"), run, QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("\"3\"") && r.out.contains("\"8\""));
        QCOMPARE(sortedLeaves(run), sortedLeaves(m_small));
        // Convert one step of the run to a Flax folder step.
        const QString flax = m_dir.filePath(QStringLiteral("flax_run"));
        QCOMPARE(runCkpt({QStringLiteral("convert"), run, flax, QStringLiteral("--step"), QStringLiteral("3"),
                             QStringLiteral("--to"), QStringLiteral("flax-msgpack"), QStringLiteral("--as-step"),
                             QStringLiteral("3")})
                     .code,
            0);
        QVERIFY(QFileInfo(flax + QStringLiteral("/checkpoint_3")).isFile());
    }

    void killedExportLeavesNoDestination_data()
    {
        QTest::addColumn<QString>("format");
        QTest::newRow("orbax") << "orbax";
        QTest::newRow("orbax no-ocdbt") << "orbax-folders";
        QTest::newRow("hdf5") << "hdf5";
    }
    void killedExportLeavesNoDestination()
    {
        QFETCH(QString, format);
        QTemporaryDir dir;
        const QString src = dir.filePath(QStringLiteral("big.msgpack"));
        writeBigSource(src.toStdString(), 48, 2u << 20); // 48 arrays x 8 MiB = 384 MiB
        const QString dst = dir.filePath(QStringLiteral("out"));
        QStringList args{QStringLiteral("convert"), src, dst, QStringLiteral("--to"),
            format == QStringLiteral("hdf5") ? QStringLiteral("hdf5") : QStringLiteral("orbax")};
        if (format == QStringLiteral("orbax-folders"))
            args << QStringLiteral("--no-ocdbt");
        QProcess p;
        p.start(QStringLiteral(CKPT_CLI), args);
        QVERIFY(p.waitForStarted());
        QElapsedTimer t;
        t.start();
        bool writing = false;
        while (!writing && p.state() == QProcess::Running && t.elapsed() < 120000) {
            QTest::qWait(5);
            writing = anyTempOutput(dir.path());
        }
        QVERIFY2(writing, "the export finished or never started writing before it could be killed");
        ::kill(pid_t(p.processId()), SIGKILL);
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);
        QVERIFY(!QFileInfo::exists(dst));
        QCOMPARE(runCkpt({QStringLiteral("tree"), dst}).code, 2);
        QVERIFY(anyTempOutput(dir.path()));
        // The leftover temporary sibling does not block a new export, which removes it.
        QCOMPARE(runCkpt(args).code, 0);
        QCOMPARE(leaves(dst).size(), 48);
        QVERIFY(!anyTempOutput(dir.path()));
    }

private:
    QTemporaryDir m_dir;
    QString m_small;
};

QTEST_GUILESS_MAIN(TestCliConvert)
#include "tst_cli_convert.moc"
