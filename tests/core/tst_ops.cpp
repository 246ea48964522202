// Digest, statistics, slicing, NumPy-like printing and the `ckpt tree --json` document.
#include "base/error.h"
#include "ops/digest.h"
#include "ops/format_array.h"
#include "ops/slice_spec.h"
#include "ops/stats.h"
#include "ops/tree_json.h"

#include <QTest>

#include <cmath>
#include <cstring>

using namespace ckpt;

namespace {

template <typename T> std::vector<std::byte> raw(const std::vector<T> &v)
{
    std::vector<std::byte> b(v.size() * sizeof(T));
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

template <typename T> NodePtr arrayNode(DType t, std::vector<uint64_t> shape, const std::vector<T> &v)
{
    return Node::makeArray(std::make_shared<MemoryArraySource>(ArrayInfo{t, std::move(shape), {}}, raw(v)));
}

} // namespace

class TestOps : public QObject {
    Q_OBJECT
private slots:
    void sha256Vectors()
    {
        Sha256 a;
        QCOMPARE(a.finishHex(), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        Sha256 b;
        b.update(std::string("abc"));
        QCOMPARE(b.finishHex(), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        // 56-byte message crosses the padding boundary; feed it in odd pieces.
        const std::string m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        Sha256 c;
        c.update(m.substr(0, 3));
        c.update(m.substr(3, 50));
        c.update(m.substr(53));
        QCOMPARE(c.finishHex(), std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        // A million 'a' in 64 KiB pieces.
        Sha256 d;
        const std::string piece(1000, 'a');
        for (int i = 0; i < 1000; ++i)
            d.update(piece);
        QCOMPARE(d.finishHex(), std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    }

    void hardwareAndPortableAgree()
    {
        if (!Sha256::hardwareAvailable())
            qInfo("no SHA extensions on this CPU: both runs use the portable code");
        std::string data(5000, '\0');
        uint32_t x = 12345;
        for (char &c : data) {
            x = x * 1103515245u + 12345u;
            c = char(x >> 24);
        }
        for (size_t len : {0, 1, 55, 56, 63, 64, 65, 127, 128, 1000, 4097, 5000}) {
            Sha256 hw(true), sw(false);
            hw.update(data.substr(0, len));
            sw.update(data.substr(0, len));
            QCOMPARE(hw.finishHex(), sw.finishHex());
        }
        Sha256 sw(false);
        sw.update(std::string("abc"));
        QCOMPARE(sw.finishHex(), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    void arrayDigestIsOverCanonicalBytes()
    {
        auto n = arrayNode<int32_t>(DType::Int32, {3}, {1, 2, 3});
        Sha256 h;
        h.update(raw(std::vector<int32_t>{1, 2, 3}));
        QCOMPARE(arrayDigest(*n->array()), h.finishHex());
    }

    void statsCountSpecialValues()
    {
        const double nan = std::nan(""), inf = INFINITY;
        auto v = raw(std::vector<float>{1.f, -2.f, 0.f, float(nan), float(inf), 3.f, 0.f});
        ArrayStats s = computeStats(DType::Float32, v.data(), 7);
        QCOMPARE(s.count, uint64_t(7));
        QCOMPARE(s.finite, uint64_t(5));
        QCOMPARE(s.nanCount, uint64_t(1));
        QCOMPARE(s.infCount, uint64_t(1));
        QCOMPARE(s.zeroCount, uint64_t(2));
        QCOMPARE(s.min, -2.0);
        QCOMPARE(s.max, 3.0);
        QCOMPARE(s.mean, 0.4);
        QVERIFY(std::fabs(s.std - std::sqrt(2.64)) < 1e-12); // population std of {1,-2,0,3,0}
        // Complex uses the magnitude.
        auto c = raw(std::vector<float>{3.f, 4.f});
        QCOMPARE(computeStats(DType::Complex64, c.data(), 1).max, 5.0);
        auto h = histogram(DType::Float32, v.data(), 7, -2, 3, 5);
        QCOMPARE(h, (std::vector<uint64_t>{1, 0, 2, 1, 1}));
    }

    void chunkedStatsEqualWholeStats()
    {
        // 2000 x 3000 float64 = 48 MB: above the 32 MiB threshold, so computed slab by slab.
        const uint64_t rows = 2000, cols = 3000;
        std::vector<double> v(rows * cols);
        for (uint64_t i = 0; i < v.size(); ++i)
            v[i] = std::sin(double(i)) * double(i % 7);
        auto n = arrayNode<double>(DType::Float64, {rows, cols}, v);
        ArrayStats whole = computeStats(DType::Float64, raw(v).data(), v.size());
        ArrayStats parts = computeStats(*n->array());
        QCOMPARE(parts.count, whole.count);
        QCOMPARE(parts.min, whole.min);
        QCOMPARE(parts.max, whole.max);
        QVERIFY(std::fabs(parts.mean - whole.mean) < 1e-12);
        QVERIFY(std::fabs(parts.std - whole.std) < 1e-9);
        Progress cancel;
        cancel.isCancelled = [] { return true; };
        try {
            computeStats(*n->array(), cancel);
            QFAIL("not cancelled");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::Cancelled);
        }
    }

    void slices()
    {
        SliceSpec s = parseSlice("0, :, 2:5", {4, 5, 6});
        QCOMPARE(s.slab.start, (std::vector<uint64_t>{0, 0, 2}));
        QCOMPARE(s.slab.count, (std::vector<uint64_t>{1, 5, 3}));
        QCOMPARE(s.resultShape, (std::vector<uint64_t>{5, 3}));
        s = parseSlice("-1,...", {4, 5, 6});
        QCOMPARE(s.slab.start, (std::vector<uint64_t>{3, 0, 0}));
        QCOMPARE(s.resultShape, (std::vector<uint64_t>{5, 6}));
        s = parseSlice("...,-2:", {4, 5, 6});
        QCOMPARE(s.slab.start, (std::vector<uint64_t>{0, 0, 4}));
        QCOMPARE(s.resultShape, (std::vector<uint64_t>{4, 5, 2}));
        s = parseSlice("1:100", {4}); // clamped like NumPy
        QCOMPARE(s.resultShape, (std::vector<uint64_t>{3}));
        s = parseSlice("", {});
        QVERIFY(s.resultShape.empty());
        for (const char *bad : {"4", "0,0,0,0", "a", "1:2:3", "...,...", "-5"}) {
            try {
                parseSlice(bad, {4, 5, 6});
                QFAIL(bad);
            } catch (const Exception &e) {
                QCOMPARE(e.error().category, ErrorCategory::InvalidArgument);
            }
        }
    }

    void printsLikeNumpy()
    {
        auto f = raw(std::vector<float>{0.1f, 0.25f, -1.f, 2.f});
        QCOMPARE(formatArray(DType::Float32, {2, 2}, f), std::string("[[ 0.1 ,  0.25],\n [-1.  ,  2.  ]]"));
        auto i = raw(std::vector<int64_t>{1, -20, 300});
        QCOMPARE(formatArray(DType::Int64, {3}, i), std::string("[  1, -20, 300]"));
        auto small = raw(std::vector<double>{1e-5, 2.5e3});
        QCOMPARE(formatArray(DType::Float64, {2}, small), std::string("[1.0e-05, 2.5e+03]"));
        std::vector<int32_t> big(2000);
        for (int k = 0; k < 2000; ++k)
            big[size_t(k)] = k;
        QCOMPARE(formatArray(DType::Int32, {2000}, raw(big)), std::string("[   0,    1,    2, ..., 1997, 1998, 1999]"));
        auto one = raw(std::vector<int32_t>{7});
        QCOMPARE(formatArray(DType::Int32, {}, one), std::string("7"));
        QCOMPARE(formatArray(DType::Int32, {0, 3}, {}), std::string("[[]]"));
        std::byte b[2] = {std::byte(1), std::byte(0)};
        QCOMPARE(formatArray(DType::Bool, {2}, b), std::string("[ True, False]"));
    }

    void treeJsonFollowsTheContract()
    {
        NodePtr root = Node::makeDict({
            {Key::name("params"),
                Node::makeDict({{Key::name("w"), arrayNode<float>(DType::Float32, {2}, {1.f, 2.f})}})},
            {Key::name("step"), Node::makeScalar(Scalar::fromInt(4))},
            {Key::name("lr"), Node::makeScalar(Scalar::fromFloat(std::nan("")))},
            {Key::name("z"), Node::makeScalar(Scalar::fromComplex({1, -2}))},
            {Key::name("name"), Node::makeString("abc")},
            {Key::name("opt"), Node::makeList({Node::makeNone(), Node::makeDict({})})},
        });
        Checkpoint c;
        c.path = "x";
        c.format = kFormatFlaxMsgpack;
        c.step = StepId{"4", 4};
        c.root = root;
        TreeJsonOptions o;
        o.digest = true;
        nlohmann::json j = treeJson(c, o);
        QCOMPARE(j["ckpt_json"].get<int>(), 1);
        QCOMPARE(j["source"]["step"].get<int>(), 4);
        QCOMPARE(j["source"]["format"].get<std::string>(), std::string("flax-msgpack"));
        auto leaves = j["leaves"];
        QCOMPARE(leaves.size(), size_t(7));
        QVERIFY(leaves[0]["path"] == nlohmann::json({"params", "w"}));
        QVERIFY(leaves[0]["shape"] == nlohmann::json({2}));
        QCOMPARE(leaves[0]["sha256"].get<std::string>().size(), size_t(64));
        QCOMPARE(leaves[1]["dtype"].get<std::string>(), std::string("int"));
        QCOMPARE(leaves[1]["value"].get<int>(), 4);
        QCOMPARE(leaves[2]["value"].get<std::string>(), std::string("nan"));
        QVERIFY(leaves[3]["value"] == nlohmann::json({1.0, -2.0}));
        QCOMPARE(leaves[4]["kind"].get<std::string>(), std::string("string"));
        QVERIFY(leaves[5]["path"] == nlohmann::json({"opt", "0"}));
        QCOMPARE(leaves[5]["kind"].get<std::string>(), std::string("none"));
        QCOMPARE(leaves[6]["kind"].get<std::string>(), std::string("empty_dict"));
        QVERIFY(!j.contains("warnings"));
        o.filter = std::regex("^opt/");
        QCOMPARE(treeJson(c, o)["leaves"].size(), size_t(2));
        Error e{ErrorCategory::Corrupt, "bad", "f", 3, ""};
        QCOMPARE(errorJson(e)["error"].get<std::string>(), std::string("corrupt: bad"));
        QCOMPARE(errorJson(e)["byte_offset"].get<int>(), 3);
    }
};

QTEST_GUILESS_MAIN(TestOps)
#include "tst_ops.moc"
