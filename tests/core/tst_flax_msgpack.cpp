// Flax msgpack reader and writer: real corpus files, hand-made bytes from docs/formats.md, damage.
#include "base/error.h"
#include "formats/flax_msgpack/msgpack_reader.h"
#include "formats/flax_msgpack/msgpack_writer.h"
#include "io/file.h"
#include "ops/digest.h"

#include <QDir>
#include <QDirIterator>
#include <QTest>

#include <cstring>

using namespace ckpt;

namespace {

std::vector<std::byte> bytesOf(std::initializer_list<int> v)
{
    std::vector<std::byte> b;
    for (int x : v)
        b.push_back(std::byte(uint8_t(x)));
    return b;
}

void push(std::vector<std::byte> &b, std::initializer_list<int> v)
{
    for (int x : v)
        b.push_back(std::byte(uint8_t(x)));
}

void append(std::vector<std::byte> &b, const std::string &s)
{
    for (char c : s)
        b.push_back(std::byte(uint8_t(c)));
}

RandomAccessPtr mem(std::vector<std::byte> b)
{
    return std::make_shared<MemoryBytes>(std::move(b), "mem");
}

NodePtr parseBytes(std::vector<std::byte> b)
{
    return flaxmsgpack::parse(mem(std::move(b)));
}

Error parseError(std::vector<std::byte> b)
{
    try {
        parseBytes(std::move(b));
    } catch (const Exception &e) {
        return e.error();
    }
    return Error{ErrorCategory::InvalidArgument, "no error", {}, std::nullopt, {}};
}

/// `{'a': np.arange(3, dtype=int32)}` as Flax writes it (docs/formats.md §1.2).
std::vector<std::byte> smallDict()
{
    auto b = bytesOf({0x81, 0xa1, 'a', 0xc7, 0x17, 0x01, 0x93, 0x91, 0x03, 0xa5});
    append(b, "int32");
    push(b, {0xc4, 0x0c, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0});
    return b;
}

QString corpus(const QString &rel)
{
    return QStringLiteral(CKPT_CORPUS_DIR "/") + rel;
}

std::vector<QString> corpusFlaxFiles()
{
    std::vector<QString> files;
    QDirIterator it(corpus(QStringLiteral("flax_msgpack")), QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        files.push_back(it.next());
    std::sort(files.begin(), files.end());
    return files;
}

struct LeafCounts {
    int arrays = 0, dicts = 0, other = 0;
    uint64_t elements = 0;
    std::map<std::string, int> dtypes;
};

LeafCounts count(const NodePtr &root)
{
    LeafCounts c;
    forEachLeaf(root, [&c](const Path &, const NodePtr &n) {
        if (n->kind() == NodeKind::Array) {
            ++c.arrays;
            c.elements += n->arrayInfo().numElements();
            ++c.dtypes[std::string(dtypeName(n->arrayInfo().dtype))];
        } else if (n->kind() == NodeKind::Dict) {
            ++c.dicts;
        } else {
            ++c.other;
        }
    });
    return c;
}

} // namespace

class TestFlaxMsgpack : public QObject {
    Q_OBJECT
private slots:
    void parsesSmallDict()
    {
        NodePtr root = parseBytes(smallDict());
        QCOMPARE(root->kind(), NodeKind::Dict);
        NodePtr a = root->child("a");
        QVERIFY(a);
        QCOMPARE(a->kind(), NodeKind::Array);
        QCOMPARE(a->arrayInfo().dtype, DType::Int32);
        QCOMPARE(a->arrayInfo().shape, std::vector<uint64_t>{3});
        auto data = a->array()->readAll();
        QCOMPARE(data.size(), size_t(12));
        QCOMPARE(toInt64(DType::Int32, data.data() + 8), int64_t(2));
        // The source points at the bytes inside the file: offset 17 of the 29-byte document.
        QCOMPARE(smallDict().size(), size_t(29));
        QVERIFY(QString::fromStdString(a->array()->location()).contains(QStringLiteral("byte 17")));
    }

    void parsesNumpyScalarAndComplex()
    {
        // np.float32(1.5) -> fixext16 type 3 (docs/formats.md §1.2)
        auto b = bytesOf({0x82, 0xa1, 's', 0xd8, 0x03, 0x93, 0x90, 0xa7});
        append(b, "float32");
        push(b, {0xc4, 0x04, 0x00, 0x00, 0xc0, 0x3f, 0xa1, 'c', 0xc7, 0x13, 0x02, 0x92, 0xcb});
        double one = 1.0, two = 2.0;
        uint64_t u;
        std::memcpy(&u, &one, 8);
        for (int i = 7; i >= 0; --i)
            b.push_back(std::byte(uint8_t(u >> (8 * i))));
        b.push_back(std::byte(0xcb));
        std::memcpy(&u, &two, 8);
        for (int i = 7; i >= 0; --i)
            b.push_back(std::byte(uint8_t(u >> (8 * i))));
        NodePtr root = parseBytes(b);
        NodePtr s = root->child("s");
        QCOMPARE(s->kind(), NodeKind::Array);
        QVERIFY(s->arrayInfo().shape.empty());
        QCOMPARE(toDouble(DType::Float32, s->array()->readAll().data()), 1.5);
        NodePtr c = root->child("c");
        QCOMPARE(c->kind(), NodeKind::Scalar);
        QCOMPARE(c->scalar().type, Scalar::Type::Complex);
        QCOMPARE(c->scalar().c, std::complex<double>(1.0, 2.0));
        // Re-serialising gives the same bytes (fixext16 for the scalar, ext8 for complex).
        QCOMPARE(flaxmsgpack::serializeToBytes(root), b);
    }

    void parsesScalarsStringsKeysAndTuples()
    {
        // {1: None, "t": ext4([True, -5, 300]), "b": bin"xy", "f": float32 0.5, "u": 2^64-1}
        // ext4 payload 93 c3 fb cd 01 2c is 6 bytes long, so it is framed as ext8.
        auto b = bytesOf({0x85, 0x01, 0xc0, 0xa1, 't', 0xc7, 0x06, 0x04, 0x93, 0xc3, 0xfb, 0xcd, 0x01, 0x2c});
        push(b, {0xa1, 'b', 0xc4, 0x02, 'x', 'y', 0xa1, 'f', 0xca, 0x3f, 0x00, 0x00, 0x00});
        push(b, {0xa1, 'u', 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
        NodePtr root = parseBytes(b);
        QCOMPARE(root->children().size(), size_t(5));
        QCOMPARE(root->children()[0].key.str(), std::string("1"));
        QCOMPARE(root->child("1")->kind(), NodeKind::None);
        NodePtr t = root->child("t");
        QCOMPARE(t->kind(), NodeKind::List);
        QCOMPARE(t->children().size(), size_t(3));
        QCOMPARE(t->children()[0].node->scalar().type, Scalar::Type::Bool);
        QCOMPARE(t->children()[1].node->scalar().i, int64_t(-5));
        QCOMPARE(t->children()[2].node->scalar().i, int64_t(300));
        QCOMPARE(root->child("b")->kind(), NodeKind::Bytes);
        QCOMPARE(root->child("b")->text(), std::string("xy"));
        QCOMPARE(root->child("f")->scalar().f, 0.5);
        QCOMPARE(root->child("u")->scalar().type, Scalar::Type::UInt);
        QCOMPARE(root->child("u")->scalar().u, UINT64_MAX);
    }

    void legacyStrForBytesIsAccepted()
    {
        // msgpack-python < 1.0 wrote the ndarray payload's bytes as raw/str (0xda).
        auto b = bytesOf({0x81, 0xa1, 'a', 0xc7, 0x18, 0x01, 0x93, 0x91, 0x03, 0xa5});
        append(b, "int32");
        push(b, {0xda, 0x00, 0x0c, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0});
        NodePtr a = parseBytes(b)->child("a");
        QCOMPARE(a->arrayInfo().shape, std::vector<uint64_t>{3});
    }

    void everyDtypeNameParses_data()
    {
        QTest::addColumn<int>("dtype");
        for (int i = 0; i < kDTypeCount; ++i)
            QTest::newRow(std::string(dtypeName(DType(i))).c_str()) << i;
    }
    void everyDtypeNameParses()
    {
        QFETCH(int, dtype);
        const DType t = DType(dtype);
        ArrayInfo info{t, {2, 3}, {}};
        std::vector<std::byte> data(info.numBytes());
        for (size_t i = 0; i < data.size(); ++i)
            data[i] = std::byte(uint8_t(i * 7 + 1));
        auto src = std::make_shared<MemoryArraySource>(info, data);
        NodePtr tree = Node::makeDict({{Key::name("x"), Node::makeArray(src)}});
        auto bytes = flaxmsgpack::serializeToBytes(tree);
        NodePtr back = parseBytes(bytes);
        QCOMPARE(back->child("x")->arrayInfo(), info);
        QCOMPARE(back->child("x")->array()->readAll(), data);
    }

    void writerChunksBigArraysLikeFlax()
    {
        // 10 float32 elements with a 16-byte threshold: pieces of 4, 4, 2 elements.
        ArrayInfo info{DType::Float32, {2, 5}, {}};
        std::vector<std::byte> data(info.numBytes());
        for (size_t i = 0; i < 10; ++i) {
            float f = float(i) + 0.25f;
            std::memcpy(data.data() + 4 * i, &f, 4);
        }
        NodePtr tree
            = Node::makeDict({{Key::name("w"), Node::makeArray(std::make_shared<MemoryArraySource>(info, data))},
                {Key::name("l"), Node::makeList({Node::makeArray(std::make_shared<MemoryArraySource>(info, data))})}});
        flaxmsgpack::WriteOptions o;
        o.maxChunkBytes = 16;
        auto bytes = flaxmsgpack::serializeToBytes(tree, o);
        const std::string text(reinterpret_cast<const char *>(bytes.data()), bytes.size());
        QCOMPARE(int(std::count(text.begin(), text.end(), '_')) > 0, true);
        // Both arrays (the list is written as a map, so its element sits in a dict) are chunked.
        size_t markers = 0;
        for (size_t p = text.find(flaxmsgpack::kChunkedMarker); p != std::string::npos;
             p = text.find(flaxmsgpack::kChunkedMarker, p + 1))
            ++markers;
        QCOMPARE(markers, size_t(2));
        // Reading reassembles one leaf with the original shape and values.
        NodePtr back = parseBytes(bytes);
        NodePtr w = back->child("w");
        QCOMPARE(w->kind(), NodeKind::Array);
        QCOMPARE(w->arrayInfo(), info);
        QCOMPARE(w->array()->readAll(), data);
        QCOMPARE(back->child("l")->child("0")->array()->readAll(), data);
        // Slabs across piece boundaries read correctly.
        std::vector<std::byte> col(2 * 4);
        w->array()->readSlab(Slab{{0, 3}, {2, 1}}, col);
        float v0, v1;
        std::memcpy(&v0, col.data(), 4);
        std::memcpy(&v1, col.data() + 4, 4);
        QCOMPARE(v0, 3.25f);
        QCOMPARE(v1, 8.25f);
        // And writing again reproduces the chunked bytes.
        QCOMPARE(flaxmsgpack::serializeToBytes(back, o), bytes);
    }

    void listsAsArraysWhenAsked()
    {
        NodePtr tree = Node::makeList({Node::makeScalar(Scalar::fromInt(1)), Node::makeNone()});
        flaxmsgpack::WriteOptions o;
        o.listsAsMaps = false;
        QCOMPARE(flaxmsgpack::serializeToBytes(tree, o), bytesOf({0x92, 0x01, 0xc0}));
        o.listsAsMaps = true;
        QCOMPARE(flaxmsgpack::serializeToBytes(tree, o), bytesOf({0x82, 0xa1, '0', 0x01, 0xa1, '1', 0xc0}));
    }

    void intsUseSmallestForm()
    {
        struct Case {
            int64_t v;
            std::vector<std::byte> want;
        };
        const Case cases[]
            = {{0, bytesOf({0x00})}, {127, bytesOf({0x7f})}, {128, bytesOf({0xcc, 0x80})}, {-1, bytesOf({0xff})},
                {-32, bytesOf({0xe0})}, {-33, bytesOf({0xd0, 0xdf})}, {65536, bytesOf({0xce, 0x00, 0x01, 0x00, 0x00})},
                {-2147483649LL, bytesOf({0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff})}};
        for (const Case &c : cases) {
            auto got = flaxmsgpack::serializeToBytes(Node::makeScalar(Scalar::fromInt(c.v)));
            QCOMPARE(got, c.want);
            QCOMPARE(parseBytes(got)->scalar().i, c.v);
        }
        // Floats are always float64 on the wire, integral ones too.
        QCOMPARE(flaxmsgpack::serializeToBytes(Node::makeScalar(Scalar::fromFloat(0.5))),
            bytesOf({0xcb, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0}));
        QCOMPARE(flaxmsgpack::serializeToBytes(Node::makeScalar(Scalar::fromFloat(1.0))),
            bytesOf({0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}));
    }

    void everyPrefixFailsAsCorrupt()
    {
        auto full = smallDict();
        for (size_t n = 0; n < full.size(); ++n) {
            std::vector<std::byte> prefix(full.begin(), full.begin() + long(n));
            Error e = parseError(prefix);
            QVERIFY2(e.category == ErrorCategory::Corrupt, qPrintable(QString::number(n)));
            QVERIFY(e.byteOffset.has_value());
            QVERIFY(*e.byteOffset <= n);
        }
    }

    void everyPrefixOfARealFileFails()
    {
        const QString path = corpus(QStringLiteral("flax_msgpack/netket_testOp.mpack"));
        if (!QFile::exists(path))
            QSKIP("shared corpus not present");
        auto full = File::open(path.toStdString())->readAll();
        for (size_t n = 0; n < full.size(); ++n) {
            Error e = parseError(std::vector<std::byte>(full.begin(), full.begin() + long(n)));
            QVERIFY2(e.category == ErrorCategory::Corrupt, qPrintable(QString::number(n)));
        }
    }

    void trailingBytesAreCorrupt()
    {
        auto b = smallDict();
        b.push_back(std::byte(0xc0));
        Error e = parseError(b);
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        QCOMPARE(e.byteOffset, std::optional<uint64_t>(smallDict().size()));
    }

    void hugeClaimsFailFast()
    {
        // map32 claiming 4 billion entries in a 5-byte file.
        Error e = parseError(bytesOf({0xdf, 0xff, 0xff, 0xff, 0xff}));
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        QCOMPARE(e.byteOffset, std::optional<uint64_t>(0));
        // An ndarray claiming a terabyte of float64 with 8 bytes of data.
        auto b = bytesOf({0x81, 0xa1, 'a', 0xc7, 0x00, 0x01, 0x93, 0x92, 0xce, 0x00, 0x10, 0x00, 0x00, 0xce, 0x00, 0x10,
            0x00, 0x00, 0xa7});
        append(b, "float64");
        push(b, {0xc4, 0x08, 0, 0, 0, 0, 0, 0, 0, 0});
        b[4] = std::byte(uint8_t(b.size() - 6));
        e = parseError(b);
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        QCOMPARE(e.keyPath, std::string("a"));
        QVERIFY(QString::fromStdString(e.message).contains(QStringLiteral("needs")));
        // A shape whose product overflows 64 bits.
        b = bytesOf({0x81, 0xa1, 'a', 0xc7, 0x00, 0x01, 0x93, 0x92, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0x7f, 0x04, 0xa5});
        append(b, "int32");
        push(b, {0xc4, 0x00});
        b[4] = std::byte(uint8_t(b.size() - 6));
        e = parseError(b);
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        // A bin claiming 4 GiB in a tiny file.
        e = parseError(bytesOf({0x81, 0xa1, 'a', 0xc6, 0xff, 0xff, 0xff, 0xff, 0x00}));
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        QCOMPARE(e.byteOffset, std::optional<uint64_t>(3));
    }

    void deepNestingFails()
    {
        std::vector<std::byte> b;
        for (int i = 0; i < 100000; ++i)
            b.push_back(std::byte(0x91)); // fixarray(1) nested
        b.push_back(std::byte(0xc0));
        Error e = parseError(b);
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        QVERIFY(QString::fromStdString(e.message).contains(QStringLiteral("nesting")));
    }

    void unknownExtAndDtypeAreUnsupported()
    {
        Error e = parseError(bytesOf({0x81, 0xa1, 'a', 0xd4, 0x09, 0x00}));
        QCOMPARE(e.category, ErrorCategory::Unsupported);
        QCOMPARE(e.keyPath, std::string("a"));
        QCOMPARE(e.byteOffset, std::optional<uint64_t>(3));
        auto b = bytesOf({0x81, 0xa1, 'a', 0xc7, 0x00, 0x01, 0x93, 0x90, 0xa6});
        append(b, "object");
        push(b, {0xc4, 0x00});
        b[4] = std::byte(uint8_t(b.size() - 6));
        e = parseError(b);
        QCOMPARE(e.category, ErrorCategory::Unsupported);
        QVERIFY(QString::fromStdString(e.message).contains(QStringLiteral("object")));
    }

    void extLengthMustMatchContent()
    {
        auto b = smallDict();
        b[4] = std::byte(0x18); // ext8 length one larger than its content
        b.push_back(std::byte(0xc0));
        Error e = parseError(b);
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        QCOMPARE(e.byteOffset, std::optional<uint64_t>(3));
    }

    void corpusFilesReadAndRoundTrip_data()
    {
        QTest::addColumn<QString>("path");
        const auto files = corpusFlaxFiles();
        for (const QString &f : files)
            QTest::newRow(qPrintable(QDir(corpus(QStringLiteral("flax_msgpack"))).relativeFilePath(f))) << f;
        if (files.empty())
            QTest::newRow("corpus-missing") << QString();
    }
    void corpusFilesReadAndRoundTrip()
    {
        QFETCH(QString, path);
        if (path.isEmpty())
            QSKIP("shared corpus not present: ../shared/corpus/flax_msgpack");
        auto file = File::open(path.toStdString());
        NodePtr root = flaxmsgpack::parse(file);
        // Every array's bytes are exactly its ext payload, so each leaf's digest equals the
        // digest of the file range its source names.
        forEachLeaf(root, [&](const Path &p, const NodePtr &n) {
            if (n->kind() != NodeKind::Array)
                return;
            auto data = n->array()->readAll();
            QCOMPARE(uint64_t(data.size()), n->arrayInfo().numBytes());
            QVERIFY2(!joinPath(p).empty(), "leaf has a path");
        });
        // Writing the tree again reproduces the file byte for byte.
        QCOMPARE(flaxmsgpack::serializeToBytes(root), file->readAll());
    }

    void corpusContentsMatchTheirDescription_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("arrays");
        QTest::addColumn<qulonglong>("elements");
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<QString>("probe");
        QTest::addColumn<QString>("probeShape");
        QTest::newRow("scico_dncnn6L") << "scico_dncnn6L.mpk" << 22 << 149632ull << "float32"
                                       << "params/conv_start/kernel"
                                       << "(3, 3, 1, 64)";
        QTest::newRow("scico_dncnn6N") << "scico_dncnn6N.mpk" << 22 << 0ull << "float32"
                                       << "params/conv_end/kernel"
                                       << "(3, 3, 64, 2)";
        QTest::newRow("scico_dncnn17N") << "scico_dncnn17N.mpk" << 77 << 559104ull << "float32"
                                        << "params/conv_start/kernel"
                                        << "(3, 3, 2, 64)";
        QTest::newRow("netket_test") << "netket_test.mpack" << 2 << 84ull << "float64"
                                     << "params/Dense/kernel"
                                     << "(20, 4)";
        QTest::newRow("netket_testOp") << "netket_testOp.mpack" << 9 << 0ull << "float64"
                                       << "params/Mixed/Symm/kernel"
                                       << "(2, 2)";
        QTest::newRow("rbm_complex") << "netket_qns_RBM_complex128.mpack" << 3 << 24ull << "complex128"
                                     << "params/Dense/kernel"
                                     << "(4, 4)";
        QTest::newRow("jastrow") << "netket_qns_Jastrow.mpack" << 3 << 24ull << "float64"
                                 << "params/Dense/kernel"
                                 << "(4, 4)";
        QTest::newRow("transformer_depth") << "transformer_mpc_depth/checkpoint_0" << 114 << 0ull << ""
                                           << "params/Transformer/posembed_input/pos_embedding"
                                           << "(1, 768, 42)";
        QTest::newRow("transformer_map") << "transformer_mpc_map/checkpoint_0" << 114 << 0ull << ""
                                         << "params/Transformer/posembed_input/pos_embedding"
                                         << "(1, 400, 42)";
    }
    void corpusContentsMatchTheirDescription()
    {
        QFETCH(QString, file);
        QFETCH(int, arrays);
        QFETCH(qulonglong, elements);
        QFETCH(QString, dtype);
        QFETCH(QString, probe);
        QFETCH(QString, probeShape);
        const QString path = corpus(QStringLiteral("flax_msgpack/") + file);
        if (!QFile::exists(path))
            QSKIP("shared corpus not present");
        NodePtr root = flaxmsgpack::readFile(path.toStdString());
        LeafCounts c = count(root);
        QCOMPARE(c.arrays, arrays);
        if (elements)
            QCOMPARE(qulonglong(c.elements), elements);
        if (!dtype.isEmpty()) {
            QCOMPARE(c.dtypes.size(), size_t(1));
            QCOMPARE(QString::fromStdString(c.dtypes.begin()->first), dtype);
        }
        NodePtr n = findNode(root, parsePath(probe.toStdString()));
        QVERIFY2(n, qPrintable(probe));
        QCOMPARE(QString::fromStdString(shapeString(n->arrayInfo().shape)), probeShape);
    }

    void transformerHasOptaxEmptyState()
    {
        const QString path = corpus(QStringLiteral("flax_msgpack/transformer_mpc_depth/checkpoint_0"));
        if (!QFile::exists(path))
            QSKIP("shared corpus not present");
        NodePtr root = flaxmsgpack::readFile(path.toStdString());
        NodePtr empty = findNode(root, parsePath("opt_state/1"));
        QVERIFY(empty);
        QCOMPARE(std::string(empty->kindName()), std::string("empty_dict"));
        QCOMPARE(root->child("step")->arrayInfo().dtype, DType::Int32);
        QVERIFY(root->child("step")->arrayInfo().shape.empty());
        // int32 leaves: step and the two clu counters (corpus README: 111 float32 + 3 int32).
        LeafCounts c = count(root);
        QCOMPARE(c.dtypes["float32"], 111);
        QCOMPARE(c.dtypes["int32"], 3);
        QCOMPARE(c.dicts, 1);
    }

    void writerRefusesToOverwrite()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + QStringLiteral("/out.msgpack")).toStdString();
        NodePtr tree = parseBytes(smallDict());
        flaxmsgpack::writeFile(tree, path);
        QCOMPARE(File::open(path)->readAll(), smallDict());
        try {
            flaxmsgpack::writeFile(tree, path);
            QFAIL("overwrote without being asked");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::InvalidArgument);
        }
        flaxmsgpack::WriteOptions o;
        o.overwrite = true;
        flaxmsgpack::writeFile(Node::makeNone(), path, o);
        QCOMPARE(File::open(path)->size(), uint64_t(1));
        // No temporary files are left behind.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), qsizetype(1));
    }

    void writerErrorLeavesNoOutput()
    {
        // A source that fails mid-way: the destination must not appear.
        class Failing final : public ArraySource {
        public:
            ArrayInfo i{DType::Float32, {4}, {}};
            const ArrayInfo &info() const override { return i; }
            void read(std::span<std::byte>, const Progress &) const override
            {
                fail(ErrorCategory::MissingData, "chunk vanished", "x.zarr", 12);
            }
            std::string location() const override { return "test"; }
        };
        QTemporaryDir dir;
        const std::string path = (dir.path() + QStringLiteral("/out.msgpack")).toStdString();
        NodePtr tree = Node::makeDict({{Key::name("p"), Node::makeArray(std::make_shared<Failing>())}});
        try {
            flaxmsgpack::writeFile(tree, path);
            QFAIL("no error");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::MissingData);
            QCOMPARE(e.error().keyPath, std::string("p"));
        }
        QVERIFY(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty());
    }

    void cancelStopsParsing()
    {
        // 40000 small entries: the parser checks the cancel flag as it goes.
        std::vector<std::byte> b = bytesOf({0xdc, 0x9c, 0x40});
        for (int i = 0; i < 40000; ++i)
            b.push_back(std::byte(0xc0));
        Progress p;
        p.isCancelled = [] { return true; };
        try {
            flaxmsgpack::parse(mem(b), {}, p);
            QFAIL("not cancelled");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::Cancelled);
        }
    }
};

QTEST_GUILESS_MAIN(TestFlaxMsgpack)
#include "tst_flax_msgpack.moc"
