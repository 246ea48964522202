#include "base/error.h"
#include "expect_error.h"
#include "io/kvstore/directory_kvstore.h"
#include "test_files.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <functional>

using namespace ckpt;

using testfiles::writeFile;

namespace {

std::string readAll(const RandomAccess &r)
{
    auto b = r.readRange(0, r.size());
    return std::string(reinterpret_cast<const char *>(b.data()), b.size());
}

} // namespace

class TestKvStoreDirectory : public QObject {
    Q_OBJECT
private slots:
    void getListAndMissing()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const std::filesystem::path root = tmp.path().toStdString();
        writeFile(root / "a/.zarray", "{\"zarr_format\":2}");
        writeFile(root / "a/0", "chunk0");
        writeFile(root / "b.c/1.0", "x");
        writeFile(root / "_METADATA", "{}");
        std::filesystem::create_directories(root / "empty_dir");

        auto store = DirectoryKvStore::open(root.string() + "/");
        QCOMPARE(QString::fromStdString(store->describe()), QStringLiteral("dir:") + tmp.path());

        auto v = store->get("a/0");
        QVERIFY(v);
        QCOMPARE(v->size(), uint64_t(6));
        QCOMPARE(readAll(*v), std::string("chunk0"));
        QCOMPARE(QString::fromStdString(v->name()), tmp.path() + QStringLiteral("/a/0"));

        QVERIFY(!store->get("a/1"));
        QVERIFY(!store->get("nope/deeper/key"));
        QVERIFY(!store->get("a")); // a directory is not a value
        QVERIFY(!store->get("a/0/child")); // below a file

        const std::vector<std::string> all{"_METADATA", "a/.zarray", "a/0", "b.c/1.0"};
        QCOMPARE(store->list(), all);
        QCOMPARE(store->list("a/"), (std::vector<std::string>{"a/.zarray", "a/0"}));
        QCOMPARE(store->list("a"), (std::vector<std::string>{"a/.zarray", "a/0"}));
        QCOMPARE(store->list("b"), (std::vector<std::string>{"b.c/1.0"}));
        QCOMPARE(store->list("b.c/1"), (std::vector<std::string>{"b.c/1.0"}));
        QVERIFY(store->list("zzz/").empty());
        QVERIFY(store->list("../").empty());

        const std::string fp = store->fingerprint("a/0");
        QVERIFY(fp.find(":6:") != std::string::npos);
        QCOMPARE(store->fingerprint("a/0"), fp);
        QVERIFY(store->fingerprint("b.c/1.0") != fp);
        QVERIFY(store->fingerprint("missing").empty());
    }

    void refusesEscapingKeys()
    {
        QTemporaryDir tmp;
        const std::filesystem::path root = tmp.path().toStdString();
        writeFile(root / "inner/x", "1");
        writeFile(root / "secret", "2");
        auto store = DirectoryKvStore::open((root / "inner").string());
        QVERIFY(store->get("x"));
        for (const char *bad : {"../secret", "/etc/passwd", "a//b", "", "a/./b", "a/..", "a\\b", "x/"})
            QCOMPARE(int(categoryOf([&] { store->get(bad); })), int(ErrorCategory::InvalidArgument));
        QCOMPARE(
            int(categoryOf([&] { validateStoreKey(std::string("a\0b", 3)); })), int(ErrorCategory::InvalidArgument));
        validateStoreKey("a/b.c/.zarray"); // fine
        validateStoreKey("..a/b.."); // dots inside names are fine
    }

    void openFailures()
    {
        QTemporaryDir tmp;
        const std::filesystem::path root = tmp.path().toStdString();
        QCOMPARE(int(categoryOf([&] { DirectoryKvStore::open((root / "missing").string()); })),
            int(ErrorCategory::MissingData));
        writeFile(root / "file", "x");
        QCOMPARE(int(categoryOf([&] { DirectoryKvStore::open((root / "file").string()); })),
            int(ErrorCategory::InvalidArgument));
    }

    void realNonOcdbtCheckpoint()
    {
        const std::string dir = std::string(CKPT_CORPUS_DIR) + "/orbax_aggregate_zarr2/orbax_aggregate_some.checkpoint";
        if (!std::filesystem::exists(dir))
            QSKIP("corpus not available");
        auto store = DirectoryKvStore::open(dir);
        const std::vector<std::string> expected{"_METADATA", "a/.zarray", "a/0", "b/.zarray", "b/0", "checkpoint"};
        QCOMPARE(store->list(), expected);
        auto zarray = store->get("a/.zarray");
        QVERIFY(zarray);
        const std::string text = readAll(*zarray);
        QVERIFY(text.find("\"zarr_format\":2") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestKvStoreDirectory)
#include "tst_kvstore_directory.moc"
