// HDF5 reader and writer: layout details, key escaping, lazy thread-safe reads, damaged files.
#include "expect_error.h"
#include "export_test_helpers.h"

#include "base/error.h"
#include "formats/hdf5/hdf5_reader.h"
#include "formats/hdf5/hdf5_writer.h"
#include "layout/checkpoint.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
using namespace ckpt;

namespace {

std::string readAllBytes(const std::string &p)
{
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

class TestHdf5 : public QObject {
    Q_OBJECT
private slots:
    void linkNames()
    {
        QCOMPARE(hdf5::linkNameForKey("kernel"), std::string("kernel"));
        QCOMPARE(hdf5::linkNameForKey("a/b"), std::string("a%2Fb"));
        QCOMPARE(hdf5::linkNameForKey("50%"), std::string("50%25"));
        QCOMPARE(hdf5::linkNameForKey(""), std::string("%00"));
        QCOMPARE(hdf5::linkNameForKey("."), std::string("%2E"));
    }

    void awkwardKeysAndOrderRoundTrip()
    {
        QTemporaryDir tmp;
        const std::string path = tmp.filePath(QStringLiteral("k.h5")).toStdString();
        std::vector<Child> kids;
        for (const char *k : {"zeta", "a/b", "", ".", "50%", "%2F", "alpha"})
            kids.push_back({Key::name(k), Node::makeString(std::string("v:") + k)});
        const auto tree = Node::makeDict({{Key::name("d"), Node::makeDict(kids)},
            {Key::name("l"), Node::makeList({Node::makeNone(), Node::makeDict({}), Node::makeList({})})},
            {Key::name("bin"), Node::makeBytes(std::string("\0\x01\xff", 3))},
            {Key::name("nul"), Node::makeString(std::string("a\0b", 3))}});
        hdf5::writeFile(tree, path);
        const NodePtr back = hdf5::readFile(path);
        // Insertion order kept (groups track creation order), keys restored exactly.
        std::vector<std::string> keys;
        for (const auto &c : back->child("d")->children())
            keys.push_back(c.key.str());
        QCOMPARE(keys, (std::vector<std::string>{"zeta", "a/b", "", ".", "50%", "%2F", "alpha"}));
        QCOMPARE(back->child("d")->children()[1].node->text(), std::string("v:a/b"));
        QCOMPARE(back->child("l")->kind(), NodeKind::List);
        QCOMPARE(back->child("l")->children()[0].node->kind(), NodeKind::None);
        QCOMPARE(back->child("l")->children()[2].node->kindName(), std::string_view("empty_list"));
        QCOMPARE(back->child("bin")->kind(), NodeKind::Bytes);
        QCOMPARE(back->child("bin")->text(), std::string("\0\x01\xff", 3));
        QCOMPARE(back->child("nul")->text(), std::string("a\0b", 3));
        QCOMPARE(testing::digestLeaves(back), testing::digestLeaves(tree));
    }

    void lazySlabsFromManyThreads()
    {
        QTemporaryDir tmp;
        const std::string path = tmp.filePath(QStringLiteral("t.h5")).toStdString();
        const auto tree = testing::exportSampleTree(true, 512);
        hdf5::WriteOptions o;
        o.pieceBytes = 4096; // many hyperslab writes
        hdf5::writeFile(tree, path, o);
        const NodePtr back = hdf5::readFile(path);
        const auto src = back->child("params")->child("kernel")->array();
        const auto want = tree->child("params")->child("kernel")->array()->readAll();
        QCOMPARE(src->info().shape, (std::vector<uint64_t>{512, 257}));
        std::vector<std::thread> threads;
        std::atomic<int> bad{0};
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (uint64_t row = uint64_t(t); row < 512; row += 4) {
                    Slab s{{row, 10}, {1, 100}};
                    std::vector<std::byte> got(400);
                    src->readSlab(s, got);
                    if (std::memcmp(got.data(), want.data() + (row * 257 + 10) * 4, 400) != 0)
                        ++bad;
                }
            });
        for (auto &th : threads)
            th.join();
        QCOMPARE(bad.load(), 0);
        QVERIFY(categoryOf([&] {
            std::vector<std::byte> b(4);
            src->readSlab(Slab{{600, 0}, {1, 1}}, b);
        }) == ErrorCategory::InvalidArgument);
    }

    void damagedFiles()
    {
        QTemporaryDir tmp;
        const std::string good = tmp.filePath(QStringLiteral("g.h5")).toStdString();
        hdf5::writeFile(testing::exportSampleTree(), good);
        const std::string bytes = readAllBytes(good);
        // Not HDF5 at all.
        const std::string other = tmp.filePath(QStringLiteral("o.h5")).toStdString();
        std::ofstream(other) << "definitely not hdf5";
        QCOMPARE(categoryOf([&] { hdf5::readFile(other); }), ErrorCategory::NotACheckpoint);
        QVERIFY(!hdf5::isHdf5File(other));
        QVERIFY(hdf5::isHdf5File(good));
        // Truncations: a clean error (or, for a cut in unused trailing space, the same tree), never a crash.
        const auto want = testing::digestLeaves(testing::exportSampleTree());
        int errors = 0;
        for (size_t cut : {size_t(8), size_t(100), size_t(1000), bytes.size() / 2, bytes.size() - 100}) {
            const std::string p = tmp.filePath(QStringLiteral("cut%1.h5").arg(cut)).toStdString();
            std::ofstream(p, std::ios::binary) << bytes.substr(0, cut);
            try {
                const Checkpoint c = openCheckpoint(p);
                QCOMPARE(testing::digestLeaves(c.root), want);
            } catch (const Exception &e) {
                ++errors;
                QVERIFY2(e.error().category == ErrorCategory::Corrupt, e.what());
                QCOMPARE(e.error().file, p);
            }
        }
        QVERIFY(errors >= 3);
    }

    void writerRefusals()
    {
        QTemporaryDir tmp;
        const std::string p = tmp.filePath(QStringLiteral("x.h5")).toStdString();
        QCOMPARE(categoryOf([&] { hdf5::writeFile(Node::makeString("bare"), p); }), ErrorCategory::Unsupported);
        QVERIFY(!fs::exists(p));
        hdf5::writeFile(testing::exportSampleTree(), p);
        QCOMPARE(categoryOf([&] { hdf5::writeFile(testing::exportSampleTree(), p); }), ErrorCategory::InvalidArgument);
        QCOMPARE(categoryOf([&] { hdf5::writeFile(testing::exportSampleTree(), p + "/sub.h5"); }), ErrorCategory::Io);
        QCOMPARE(std::distance(fs::directory_iterator(tmp.path().toStdString()), fs::directory_iterator()), 1);
    }
};

QTEST_GUILESS_MAIN(TestHdf5)
#include "tst_hdf5.moc"
