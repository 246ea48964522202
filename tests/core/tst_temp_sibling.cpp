// Temporary and moved-aside siblings of outputs: naming, and the removal of what killed writers left.
#include "io/temp_sibling.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace ckpt;

namespace {

/// The pid of a child that has exited and been reaped: no process runs under it.
pid_t deadPid()
{
    const pid_t child = ::fork();
    if (child == 0)
        ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    return child;
}

void touch(const fs::path &p)
{
    std::ofstream(p) << "x";
}

} // namespace

class TestTempSibling : public QObject {
    Q_OBJECT

private slots:
    void namesAreHiddenSiblingsWithThePid()
    {
        const fs::path a = tempSiblingPath("/data/run/out.msgpack");
        const fs::path b = tempSiblingPath("/data/run/out.msgpack");
        QCOMPARE(a.parent_path().string(), std::string("/data/run"));
        const std::string prefix = ".out.msgpack.ckpt-tmp-" + std::to_string(::getpid()) + "-";
        QVERIFY(a.filename().string().rfind(prefix, 0) == 0);
        QVERIFY(a != b);
        QVERIFY(oldSiblingPath("out").filename().string().rfind(".out.ckpt-old-", 0) == 0);
        QCOMPARE(tempSiblingPath("out").parent_path().string(), std::string("."));
    }

    void removesOnlyLeftoversOfDeadWriters()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        const fs::path target = dir / "out";
        const std::string dead = std::to_string(deadPid());
        const std::string self = std::to_string(::getpid());
        touch(dir / (".out.ckpt-tmp-" + dead + "-0")); // a killed file writer
        fs::create_directories(dir / (".out.ckpt-tmp-" + dead + "-1") / "d"); // a killed folder writer
        touch(dir / (".out.ckpt-tmp-" + dead + "-1") / "d" / "f");
        touch(dir / (".out.ckpt-tmp-" + self + "-7")); // this process: still writing
        touch(dir / (".out.ckpt-tmp-1-0")); // pid 1 always runs
        touch(dir / (".other.ckpt-tmp-" + dead + "-0")); // another output's
        touch(dir / (".out.ckpt-tmp-" + dead + "-0x")); // not our pattern
        touch(dir / (".out.ckpt-tmp-" + dead)); // not our pattern
        touch(dir / ("out.ckpt-tmp-" + dead + "-0")); // not hidden: not ours
        touch(dir / (".out.ckpt-old-" + dead + "-0")); // the old copy while no new one is in place

        QCOMPARE(removeStaleTempSiblings(target), size_t(2));
        QVERIFY(!fs::exists(dir / (".out.ckpt-tmp-" + dead + "-0")));
        QVERIFY(!fs::exists(dir / (".out.ckpt-tmp-" + dead + "-1")));
        for (const std::string &kept : {".out.ckpt-tmp-" + self + "-7", std::string(".out.ckpt-tmp-1-0"),
                 ".other.ckpt-tmp-" + dead + "-0", ".out.ckpt-tmp-" + dead + "-0x", ".out.ckpt-tmp-" + dead,
                 "out.ckpt-tmp-" + dead + "-0", ".out.ckpt-old-" + dead + "-0"})
            QVERIFY2(fs::exists(dir / kept), kept.c_str());

        // Once the new output is in place, the moved-aside old copy is garbage.
        touch(target);
        QCOMPARE(removeStaleTempSiblings(target), size_t(1));
        QVERIFY(!fs::exists(dir / (".out.ckpt-old-" + dead + "-0")));
        QCOMPARE(removeStaleTempSiblings(target), size_t(0));
    }

    void missingFolderIsNotAnError()
    {
        QCOMPARE(removeStaleTempSiblings("/nonexistent-ckpt-dir/x/out"), size_t(0));
        QCOMPARE(removeStaleTempSiblings(fs::path("/")), size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestTempSibling)
#include "tst_temp_sibling.moc"
