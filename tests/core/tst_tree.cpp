// Keys, paths, immutable nodes, slabs and the bounded byte readers.
#include "base/error.h"
#include "io/byte_reader.h"
#include "io/flat_array_source.h"
#include "tree/node.h"

#include <QTest>

#include <cstring>
#include <numeric>

using namespace ckpt;

namespace {

/// int32 array holding 0, 1, 2, ... split into pieces of `pieceElems` elements.
std::shared_ptr<FlatArraySource> iota(std::vector<uint64_t> shape, uint64_t pieceElems)
{
    ArrayInfo info{DType::Int32, std::move(shape), {}};
    const uint64_t n = info.numElements();
    std::vector<std::byte> bytes(n * 4);
    for (uint64_t i = 0; i < n; ++i) {
        int32_t v = int32_t(i);
        std::memcpy(bytes.data() + 4 * i, &v, 4);
    }
    auto mem = std::make_shared<MemoryBytes>(bytes, "iota");
    std::vector<FlatArraySource::Piece> pieces;
    for (uint64_t at = 0; at < n; at += pieceElems)
        pieces.push_back({mem, at * 4, std::min(pieceElems, n - at) * 4});
    return std::make_shared<FlatArraySource>(info, pieces);
}

std::vector<int32_t> ints(const std::vector<std::byte> &b)
{
    std::vector<int32_t> v(b.size() / 4);
    if (!b.empty())
        std::memcpy(v.data(), b.data(), b.size());
    return v;
}

} // namespace

class TestTree : public QObject {
    Q_OBJECT
private slots:
    void keysAndPaths()
    {
        Path p{Key::name("params"), Key::index(3), Key::name("it's")};
        QCOMPARE(joinPath(p), std::string("params/3/it's"));
        QCOMPARE(pythonPath(p), std::string("['params'][3]['it\\'s']"));
        QCOMPARE(parsePath("a/b/0").size(), size_t(3));
        QVERIFY(parsePath("").empty());
        QVERIFY(Key::index(3) != Key::name("3")); // same text, different kind
        QCOMPARE(Key::index(3).str(), Key::name("3").str());
    }

    void nodesShareAndCount()
    {
        auto leaf = Node::makeArray(iota({2, 3}, 100));
        auto inner = Node::makeDict({{Key::name("k"), leaf}, {Key::name("e"), Node::makeDict({})}});
        auto root = Node::makeDict({{Key::name("a"), inner}, {Key::name("b"), inner}});
        QCOMPARE(root->leafCount(), uint64_t(4));
        QCOMPARE(root->arrayBytes(), uint64_t(48));
        QCOMPARE(findNode(root, parsePath("b/k")).get(), leaf.get()); // shared, not copied
        QVERIFY(!findNode(root, parsePath("b/x")));
        QCOMPARE(std::string(findNode(root, parsePath("a/e"))->kindName()), std::string("empty_dict"));
        QCOMPARE(std::string(Node::makeList({})->kindName()), std::string("empty_list"));
        std::vector<std::string> paths;
        forEachLeaf(root, [&](const Path &p, const NodePtr &) { paths.push_back(joinPath(p)); });
        QCOMPARE(paths, (std::vector<std::string>{"a/k", "a/e", "b/k", "b/e"}));
        auto annotated = leaf->withAnnotation("storage", "x");
        QVERIFY(leaf->annotations().empty());
        QCOMPARE(annotated->annotations().at("storage"), std::string("x"));
    }

    void slabValidation()
    {
        Slab s{{0, 2}, {2, 2}};
        s.validate({2, 4});
        try {
            s.validate({2, 3});
            QFAIL("slab outside the array accepted");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::InvalidArgument);
        }
        try {
            Slab{{0}, {1}}.validate({2, 3});
            QFAIL("rank mismatch accepted");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::InvalidArgument);
        }
    }

    void slabsAcrossPieces()
    {
        // 4x5x6 = 120 ints in pieces of 7 elements: every slab must equal the same cut of the whole.
        auto src = iota({4, 5, 6}, 7);
        const auto whole = ints(src->readAll());
        std::vector<int32_t> expect(120);
        std::iota(expect.begin(), expect.end(), 0);
        QCOMPARE(whole, expect);
        const MemoryArraySource mem(ArrayInfo{DType::Int32, {4, 5, 6}, {}}, src->readAll());
        const Slab slabs[] = {{{1, 2, 3}, {2, 3, 3}}, {{0, 0, 0}, {4, 5, 6}}, {{3, 4, 5}, {1, 1, 1}},
            {{0, 1, 0}, {4, 1, 6}}, {{2, 0, 0}, {0, 5, 6}}};
        for (const Slab &s : slabs) {
            std::vector<std::byte> out(s.numElements() * 4);
            src->readSlab(s, out);
            std::vector<int32_t> want;
            for (uint64_t i = 0; i < s.count[0]; ++i)
                for (uint64_t j = 0; j < s.count[1]; ++j)
                    for (uint64_t k = 0; k < s.count[2]; ++k)
                        want.push_back(int32_t((s.start[0] + i) * 30 + (s.start[1] + j) * 6 + s.start[2] + k));
            QCOMPARE(ints(out), want);
            // The generic path (read whole, copy) agrees.
            std::vector<std::byte> viaCopy(out.size());
            auto all = src->readAll();
            copySlab(all, {4, 5, 6}, 4, s, viaCopy);
            QCOMPARE(viaCopy, out);
            // A memory array copies its slabs straight from its bytes.
            std::vector<std::byte> fromMemory(out.size());
            mem.readSlab(s, fromMemory);
            QCOMPARE(ints(fromMemory), want);
        }
        std::vector<std::byte> four(16);
        try {
            mem.readSlab(Slab{{3, 4, 3}, {1, 1, 4}}, four);
            QFAIL("slab outside a memory array accepted");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::InvalidArgument);
        }
    }

    void flatRangesAndStreaming()
    {
        auto src = iota({3, 4, 5}, 11);
        for (uint64_t first : {0, 3, 20, 59})
            for (uint64_t n : {0, 1, 7, 20, 41}) {
                if (first + n > 60)
                    continue;
                std::vector<std::byte> out(n * 4);
                readFlatRange(*src, first, n, out);
                auto v = ints(out);
                for (uint64_t i = 0; i < n; ++i)
                    QCOMPARE(v[i], int32_t(first + i));
            }
        std::vector<std::byte> streamed;
        streamArray(
            *src, [&](std::span<const std::byte> b) { streamed.insert(streamed.end(), b.begin(), b.end()); }, {}, 12);
        QCOMPARE(streamed, src->readAll());
    }

    void piecesMustMatchShape()
    {
        auto mem = std::make_shared<MemoryBytes>(std::vector<std::byte>(8), "m");
        try {
            FlatArraySource(ArrayInfo{DType::Float32, {3}, {}}, {{mem, 0, 8}});
            QFAIL("3 floats in 8 bytes accepted");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::Corrupt);
            QCOMPARE(e.error().byteOffset, std::optional<uint64_t>(0));
        }
    }

    void shapeOverflow()
    {
        ArrayInfo info{DType::Float64, {1ull << 40, 1ull << 30}, {}};
        QVERIFY(!info.checkedNumElements());
        try {
            info.numBytes();
            QFAIL("overflow not detected");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::Corrupt);
        }
        QCOMPARE(shapeString({}), std::string("()"));
        QCOMPARE(shapeString({5}), std::string("(5,)"));
        QCOMPARE(humanBytes(1536), std::string("1.5 KiB"));
    }

    void byteReaderIsBoundedAndSticky()
    {
        const std::byte data[] = {std::byte(0xe5), std::byte(0x8e), std::byte(0x26), std::byte(0x01), std::byte(0x02)};
        ByteReader r(data, "f", 100);
        QCOMPARE(r.varint(), uint64_t(624485));
        QCOMPARE(r.u16le(), uint16_t(0x0201));
        QVERIFY(r.ok());
        QCOMPARE(r.u32le(), uint32_t(0)); // past the end
        QVERIFY(!r.ok());
        QCOMPARE(r.u8(), uint8_t(0)); // sticky
        try {
            r.check("header");
            QFAIL("no error");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::Corrupt);
            QCOMPARE(e.error().byteOffset, std::optional<uint64_t>(105));
            QCOMPARE(e.error().file, std::string("f"));
        }
        // An 11-byte varint is refused.
        std::vector<std::byte> longVarint(11, std::byte(0x80));
        ByteReader v(longVarint);
        v.varint();
        QVERIFY(!v.ok());
    }

    void errorsDescribeThemselves()
    {
        Error e{ErrorCategory::MissingData, "chunk gone", "d/abc", 42, "params/w"};
        QCOMPARE(e.describe(), std::string("missing_data: chunk gone (file d/abc, byte 42, key params/w)"));
        Exception ex(e);
        QCOMPARE(ex.withKeyPath("other").error().keyPath, std::string("params/w"));
    }
};

QTEST_GUILESS_MAIN(TestTree)
#include "tst_tree.moc"
