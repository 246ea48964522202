// safetensors: header validation and damage, bit-packed dtypes, the writer's layout and sharding,
// and what it refuses. The real library is the oracle in tests/interop/safetensors_*.py; these
// tests pin down the byte-level rules (docs/formats.md, "safetensors").
#include "expect_error.h"
#include "test_files.h"
#include "tree_builders.h"

#include "formats/safetensors/packed_bits.h"
#include "formats/safetensors/safetensors_header.h"
#include "formats/safetensors/safetensors_reader.h"
#include "formats/safetensors/safetensors_writer.h"
#include "io/file.h"
#include "layout/checkpoint.h"
#include "ops/digest.h"
#include "tree/natural_order.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>

using namespace ckpt;
using safetensors::Header;
using safetensors::kMaxHeaderBytes;
using safetensors::readHeader;
namespace fs = std::filesystem;

namespace {

/// A safetensors file from a header text and data bytes.
std::vector<std::byte> fileBytes(const std::string &header, size_t dataBytes)
{
    std::vector<std::byte> b(8 + header.size() + dataBytes, std::byte{0x3c});
    uint64_t n = header.size();
    std::memcpy(b.data(), &n, 8);
    std::memcpy(b.data() + 8, header.data(), header.size());
    return b;
}

std::shared_ptr<MemoryBytes> bytesOf(std::vector<std::byte> b)
{
    return std::make_shared<MemoryBytes>(std::move(b), "t.safetensors");
}

NodePtr bytesArray(DType t, std::vector<uint64_t> shape, std::vector<uint8_t> values)
{
    std::vector<std::byte> raw(values.size());
    std::memcpy(raw.data(), values.data(), values.size());
    return testtree::array(t, std::move(shape), std::move(raw));
}

std::vector<std::byte> readAll(const NodePtr &n)
{
    return n->array()->readAll();
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private slots:
    void validHeader()
    {
        const std::string h
            = R"({"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},)"
              R"("a":{"dtype":"I16","shape":[2],"data_offsets":[0,4]}})";
        const Header hd = readHeader(*bytesOf(fileBytes(h, 12)));
        QCOMPARE(hd.tensors.size(), size_t(2));
        QCOMPARE(hd.tensors[0].name, std::string("a")); // in data order
        QCOMPARE(hd.tensors[1].begin, uint64_t(4));
        QCOMPARE(hd.metadata.at("format"), std::string("pt"));
        QCOMPARE(hd.dataStart, uint64_t(8 + h.size()));
    }

    void damagedHeaders_data()
    {
        QTest::addColumn<QString>("header");
        QTest::addColumn<int>("dataBytes");
        QTest::addColumn<int>("category");
        QTest::addColumn<QString>("message");
        const int corrupt = int(ErrorCategory::Corrupt);
        QTest::newRow("overlap")
            << R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})"
            << 6 << corrupt << "overlaps";
        QTest::newRow("gap") << R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})" << 4 << corrupt << "gap";
        QTest::newRow("past end") << R"({"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}})" << 4 << corrupt
                                  << "past the end";
        QTest::newRow("uncovered tail") << R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})" << 4 << corrupt
                                        << "cover 2";
        QTest::newRow("size mismatch") << R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})" << 8 << corrupt
                                       << "needs 12";
        QTest::newRow("reversed offsets")
            << R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}})" << 4 << corrupt << "end before";
        QTest::newRow("negative dim") << R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}})" << 0 << corrupt
                                      << "non-negative";
        QTest::newRow("unknown dtype") << R"({"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}})" << 16
                                       << int(ErrorCategory::Unsupported) << "unknown dtype";
        QTest::newRow("no shape") << R"({"a":{"dtype":"U8","data_offsets":[0,1]}})" << 1 << corrupt << "no \"shape\"";
        QTest::newRow("not json") << R"({"a":)" << 0 << corrupt << "not valid JSON";
        // A number no JSON type holds: nlohmann throws out_of_range, not parse_error (fuzz_safetensors).
        QTest::newRow("number overflow") << R"({"a":{"dtype":"U8","shape":3e432,"data_offsets":[0,0]}})" << 0 << corrupt
                                         << "not valid JSON";
        QTest::newRow("array header") << R"([1,2])" << 0 << corrupt << "not an object";
        QTest::newRow("metadata not strings") << R"({"__metadata__":{"n":1}})" << 0 << corrupt << "not a string";
        QTest::newRow("odd F4 count") << R"({"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})" << 2 << corrupt
                                      << "whole number of bytes";
        QTest::newRow("overflowing shape")
            << R"({"a":{"dtype":"U8","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}})" << 0 << corrupt
            << "whole number of bytes";
    }

    void damagedHeaders()
    {
        QFETCH(QString, header);
        QFETCH(int, dataBytes);
        QFETCH(int, category);
        QFETCH(QString, message);
        const std::string h = header.toStdString();
        const Error e = captureError([&] { readHeader(*bytesOf(fileBytes(h, size_t(dataBytes)))); });
        QCOMPARE(int(e.category), category);
        QVERIFY2(QString::fromStdString(e.message).contains(message), e.message.c_str());
        QCOMPARE(e.file, std::string("t.safetensors"));
        QVERIFY(e.byteOffset.has_value());
        if (h.find("\"a\"") != std::string::npos && message != "cover 2" && message != "not valid JSON") {
            QCOMPARE(e.keyPath, std::string(h.find("\"b\"") != std::string::npos ? "b" : "a"));
            QVERIFY(*e.byteOffset >= 8); // points into the header, at the tensor's entry
        }
    }

    void hugeLengthFieldsFailBeforeAllocating()
    {
        std::vector<std::byte> small(1024, std::byte{' '});
        for (uint64_t claim : {uint64_t(1) << 63, uint64_t(100) << 20, uint64_t(kMaxHeaderBytes) + 1}) {
            std::memcpy(small.data(), &claim, 8);
            const Error e = captureError([&] { readHeader(*bytesOf(small)); });
            QCOMPARE(int(e.category), int(ErrorCategory::Corrupt));
            QCOMPARE(e.byteOffset, std::optional<uint64_t>(0));
            QVERIFY2(QString::fromStdString(e.message).contains(QString::number(claim)), e.message.c_str());
        }
    }

    void everyPrefixOfAFileIsCorrupt()
    {
        QTemporaryDir dir;
        const std::string full = dir.filePath("full.safetensors").toStdString();
        auto tree = testtree::dict(
            {{"w", testtree::floats({2, 2}, {1, 2, 3, 4})}, {"b", bytesArray(DType::UInt8, {3}, {7, 8, 9})}});
        safetensors::writeFile(tree, full, {}, false);
        const auto whole = File::open(full)->readAll();
        for (size_t n = 0; n < whole.size(); ++n) {
            const std::string cut = dir.filePath(QStringLiteral("cut%1.safetensors").arg(n)).toStdString();
            testfiles::writeFile(cut, std::span(whole.data(), n));
            const Error e = captureError([&] { openCheckpoint(cut); });
            QVERIFY2(e.category == ErrorCategory::Corrupt, (std::to_string(n) + ": " + e.describe()).c_str());
            QCOMPARE(e.file, cut);
        }
        QCOMPARE(openCheckpoint(full).root->leafCount(), uint64_t(2));
    }

    void packedBitsRoundTrip()
    {
        for (int bits : {4, 6}) {
            std::vector<std::byte> elements(37);
            for (size_t i = 0; i < elements.size(); ++i)
                elements[i] = std::byte(uint8_t((i * 7 + 3) & ((1u << bits) - 1)));
            safetensors::BitPacker p(bits);
            p.add(std::span(elements).first(5)); // pieces of any size
            p.add(std::span(elements).subspan(5));
            p.finish();
            QCOMPARE(p.bytes().size(), (elements.size() * size_t(bits) + 7) / 8);
            for (uint64_t first : {0u, 1u, 3u, 4u, 17u}) {
                const auto r = safetensors::packedRange(bits, first, elements.size() - first);
                std::vector<std::byte> out(elements.size() - first);
                safetensors::unpackBits(bits, first, std::span(p.bytes()).subspan(r.begin, r.end - r.begin), out);
                QVERIFY(std::equal(out.begin(), out.end(), elements.begin() + long(first)));
            }
        }
        // F4: element 0 is the low nibble.
        safetensors::BitPacker p(4);
        const std::byte two[] = {std::byte{0x1}, std::byte{0xa}};
        p.add(two);
        QCOMPARE(p.bytes().size(), size_t(1));
        QCOMPARE(int(p.bytes()[0]), 0xa1);
    }

    void writeThenReadEveryDType()
    {
        QTemporaryDir dir;
        std::vector<std::pair<std::string, NodePtr>> leaves;
        for (int i = 0; i < kDTypeCount; ++i) {
            const DType t = DType(i);
            if (!safetensors::safetensorsDType(t))
                continue;
            ArrayInfo info{t, {3, 4}, {}};
            std::vector<std::byte> raw(info.numBytes());
            const int bits = bitWidth(t);
            for (size_t k = 0; k < raw.size(); ++k)
                raw[k] = std::byte(uint8_t((k * 37 + size_t(i)) & (bits < 8 ? (1u << bits) - 1 : 0xff)));
            if (t == DType::Bool)
                for (auto &b : raw)
                    b = std::byte(uint8_t(b) & 1);
            leaves.emplace_back(std::string(dtypeName(t)), testtree::array(t, {3, 4}, raw));
        }
        QCOMPARE(leaves.size(), size_t(22));
        const auto tree = testtree::dict(leaves);
        const std::string path = dir.filePath("all.safetensors").toStdString();
        const auto summary = safetensors::writeFile(tree, path, {}, false);
        QCOMPARE(summary.tensors, uint64_t(22));
        const Checkpoint c = openCheckpoint(path);
        QCOMPARE(c.format, std::string(kFormatSafetensors));
        QVERIFY(c.metadata["safetensors_metadata"]["format"] == nlohmann::json("pt"));
        for (const auto &[name, node] : leaves) {
            const NodePtr got = c.root->child(name);
            QVERIFY2(got, name.c_str());
            QCOMPARE(got->arrayInfo().dtype, node->arrayInfo().dtype);
            QCOMPARE(got->arrayInfo().shape, node->arrayInfo().shape);
            QVERIFY2(readAll(got) == readAll(node), name.c_str());
            // Slabs of packed dtypes start and end inside bytes.
            const Slab slab{{1, 1}, {2, 3}};
            std::vector<std::byte> a(6 * itemSize(node->arrayInfo().dtype)), b(a.size());
            got->array()->readSlab(slab, a);
            node->array()->readSlab(slab, b);
            QVERIFY2(a == b, name.c_str());
        }
        // Data lies widest element first, each tensor aligned to its element size.
        const auto h = safetensors::readHeader(*File::open(path));
        QCOMPARE(h.dataStart % 8, uint64_t(0));
        for (const auto &t : h.tensors)
            QVERIFY2(t.dtype.bits < 8 || t.begin % uint64_t(t.dtype.bits / 8) == 0, t.name.c_str());
    }

    void namesSplitAndFlat()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("m.safetensors").toStdString();
        auto tree = testtree::dict({{"model",
            testtree::dict(
                {{"layers", testtree::dict({{"10", testtree::f32({1}, 0)}, {"2", testtree::f32({1}, 1)}})}})}});
        safetensors::writeFile(tree, path, {}, false);
        const auto h = safetensors::readHeader(*File::open(path));
        QCOMPARE(h.tensors.size(), size_t(2));
        const Checkpoint split = openCheckpoint(path);
        const NodePtr layers = split.root->child("model")->child("layers");
        QCOMPARE(layers->children().size(), size_t(2));
        QCOMPARE(layers->children()[0].key.str(), std::string("2")); // natural order
        OpenOptions flat;
        flat.flatNames = true;
        const Checkpoint f = openCheckpoint(path, flat);
        QCOMPARE(f.root->children().size(), size_t(2));
        QCOMPARE(f.root->children()[0].key.str(), std::string("model.layers.2"));
        // Names that clash when split stay flat, with a warning.
        const std::string clash = dir.filePath("clash.safetensors").toStdString();
        safetensors::WriteOptions o;
        o.nameSeparator = "/";
        safetensors::writeFile(
            testtree::dict({{"a", testtree::f32({1}, 0)}, {"a.b", testtree::f32({1}, 0)}}), clash, o, false);
        const Checkpoint c = openCheckpoint(clash);
        QCOMPARE(c.root->children().size(), size_t(2));
        QCOMPARE(c.warnings.size(), size_t(1));
        QVERIFY(QString::fromStdString(c.warnings[0]).contains("kept flat"));
    }

    void refusesWhatItCannotHold()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("x.safetensors").toStdString();
        auto tree = testtree::dict(
            {{"q", bytesArray(DType::Int4, {2}, {1, 15})}, {"c", testtree::array(DType::Complex128, {1})},
                {"s", Node::makeString("hi")}, {"ok", testtree::f32({2}, 0)}});
        const Error e = expectError([&] { safetensors::writeFile(tree, path, {}, false); }, ErrorCategory::Unsupported);
        for (const char *name : {"q (int4)", "c (complex128)", "s (a string leaf)"})
            QVERIFY2(QString::fromStdString(e.message).contains(name), e.message.c_str());
        QVERIFY(!fs::exists(path));
        QCOMPARE(fs::directory_iterator(dir.path().toStdString()) == fs::directory_iterator(), true); // no temp left

        // --widen: int4 as I8 with the same values; complex128 still refused.
        safetensors::WriteOptions w;
        w.widen = true;
        expectError([&] { safetensors::writeFile(tree, path, w, false); }, ErrorCategory::Unsupported);
        auto ok = testtree::dict({{"q", bytesArray(DType::Int4, {2}, {1, 15})}, {"n", Node::makeNone()},
            {"step", Node::makeScalar(Scalar::fromInt(7))}});
        const auto summary = safetensors::writeFile(ok, path, w, false);
        QCOMPARE(summary.tensors, uint64_t(2));
        QCOMPARE(summary.warnings.size(), size_t(2)); // None left out, int4 widened
        const Checkpoint c = openCheckpoint(path);
        QCOMPARE(c.root->child("q")->arrayInfo().dtype, DType::Int8);
        const auto q = readAll(c.root->child("q"));
        QCOMPARE(int8_t(q[1]), int8_t(-1));
        QCOMPARE(c.root->child("step")->arrayInfo().dtype, DType::Int64);
        QCOMPARE(c.root->child("step")->arrayInfo().shape.size(), size_t(0));

        // Two paths that join to one name.
        expectError(
            [&] {
                safetensors::writeFile(testtree::dict({{"a.b", testtree::f32({1}, 0)},
                                           {"a", testtree::dict({{"b", testtree::f32({1}, 0)}})}}),
                    dir.filePath("dup.safetensors").toStdString(), {}, false);
            },
            ErrorCategory::Mismatch);
    }

    void shardsLikeHuggingfaceHub()
    {
        // Sizes 400, 400, 1200 (over the limit), 300, 100 with a 1000-byte limit: huggingface_hub
        // gives [big], [a, b], [c, d]: a too-large tensor is a shard of its own, placed first.
        QTemporaryDir dir;
        auto tree = testtree::dict({{"a", testtree::f32({100}, 0)}, {"b", testtree::f32({100}, 1)},
            {"big", testtree::f32({300}, 2)}, {"c", testtree::f32({75}, 3)}, {"d", testtree::f32({25}, 4)}});
        safetensors::WriteOptions o;
        o.maxShardBytes = 1000;
        const auto s = safetensors::writeFolder(tree, dir.path().toStdString(), o);
        QCOMPARE(s.files.size(), size_t(4));
        const auto index
            = nlohmann::json::parse(readTextFile(dir.filePath("model.safetensors.index.json").toStdString()));
        QVERIFY(index["metadata"]["total_size"] == nlohmann::json(2400));
        QVERIFY(index["weight_map"]["big"] == nlohmann::json("model-00001-of-00003.safetensors"));
        QVERIFY(index["weight_map"]["a"] == nlohmann::json("model-00002-of-00003.safetensors"));
        QVERIFY(index["weight_map"]["b"] == nlohmann::json("model-00002-of-00003.safetensors"));
        QVERIFY(index["weight_map"]["d"] == nlohmann::json("model-00003-of-00003.safetensors"));
        const Checkpoint c = openCheckpoint(dir.path().toStdString()); // the folder opens through the index
        QCOMPARE(c.format, std::string(kFormatSafetensors));
        QVERIFY(c.metadata["shards"] == nlohmann::json(3));
        QCOMPARE(c.root->leafCount(), uint64_t(5));
        QCOMPARE(arrayDigest(*c.root->child("big")->array()), arrayDigest(*tree->child("big")->array()));

        // A missing shard and a tensor its shard lacks are missing_data, naming them.
        fs::remove(dir.filePath("model-00003-of-00003.safetensors").toStdString());
        const Error e = expectError([&] { openCheckpoint(dir.path().toStdString()); }, ErrorCategory::MissingData);
        QVERIFY2(QString::fromStdString(e.message).contains("model-00003-of-00003.safetensors"), e.message.c_str());
    }

    void indexRefusesShardsOutsideItsFolder()
    {
        QTemporaryDir dir;
        const std::string idx = dir.filePath("model.safetensors.index.json").toStdString();
        testfiles::writeFile(idx, R"({"weight_map": {"a": "../elsewhere.safetensors"}})");
        const Error e = expectError([&] { openCheckpoint(idx); }, ErrorCategory::InvalidArgument);
        QCOMPARE(e.keyPath, std::string("a"));
    }

    void naturalOrder()
    {
        QVERIFY(naturalLess("layers_2", "layers_10"));
        QVERIFY(!naturalLess("layers_10", "layers_2"));
        QVERIFY(naturalLess("a", "b"));
        QVERIFY(naturalLess("a1", "a01")); // same value: padding breaks the tie
        QVERIFY(!naturalLess("a01", "a1"));
        QVERIFY(!naturalLess("x", "x"));
        QVERIFY(naturalLess("x", "x0"));
        QVERIFY(naturalLess("9", "10"));
        QVERIFY(naturalLess("w.2.b", "w.10.a"));
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
