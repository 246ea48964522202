// Diff engine: every status and number on hand-built trees, tolerance and NaN rules, dtype
// promotion, streaming with bounded reads, parallel ranges, identical storage, corpus pairs.
#include "base/error.h"
#include "formats/flax_msgpack/msgpack_reader.h"
#include "io/file.h"
#include "io/flat_array_source.h"
#include "layout/checkpoint.h"
#include "ops/diff/diff.h"
#include "ops/diff/diff_json.h"

#include "tree_builders.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

using namespace ckpt;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

template <typename T> std::vector<std::byte> raw(const std::vector<T> &v)
{
    std::vector<std::byte> b(v.size() * sizeof(T));
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

template <typename T> NodePtr arr(DType t, std::vector<uint64_t> shape, const std::vector<T> &v)
{
    return Node::makeArray(std::make_shared<MemoryArraySource>(ArrayInfo{t, std::move(shape), {}}, raw(v)));
}

using testtree::f64;

using testtree::dict;

const DiffEntry &entry(const DiffResult &r, const std::string &path)
{
    for (const DiffEntry &e : r.entries)
        if (e.path == path)
            return e;
    throw std::runtime_error("no entry " + path);
}

/// Diff of two single arrays stored under "x".
DiffEntry diffOne(NodePtr a, NodePtr b, ArrayCompareOptions o = {})
{
    DiffOptions opts;
    opts.compare = o;
    return diffTrees(dict({{"x", a}}), dict({{"x", b}}), opts).entries.at(0);
}

uint16_t bf16Bits(float f)
{
    return uint16_t(std::bit_cast<uint32_t>(f) >> 16); // truncation; tests use values where it is exact or chosen
}

using testtree::ComputedSource;

/// A float32 array computed on demand: value(i) = (i % 1000) * 0.5, plus 1 at index `bumpAt`.
std::shared_ptr<ComputedSource> computed(std::vector<uint64_t> shape, int64_t bumpAt = -1)
{
    return std::make_shared<ComputedSource>(std::move(shape),
        [bumpAt](uint64_t i) { return float(i % 1000) * 0.5f + (int64_t(i) == bumpAt ? 1.0f : 0.0f); });
}

/// A float32 (4,) array whose every read fails as a damaged chunk at byte 1234 of "bad.file".
std::shared_ptr<testtree::FailingSource> failing()
{
    return std::make_shared<testtree::FailingSource>(ArrayInfo{DType::Float32, {4}, {}},
        Error{ErrorCategory::Corrupt, "chunk checksum mismatch", "bad.file", 1234, {}}, "bad");
}

QString corpus(const char *rel)
{
    return QStringLiteral(CKPT_CORPUS_DIR "/flax_msgpack/") + QString::fromUtf8(rel);
}

} // namespace

class TestDiff : public QObject {
    Q_OBJECT
private slots:
    void everyStatus()
    {
        const NodePtr a = dict({{"same", f64({1, 2})}, {"removed", f64({1})}, {"kind", f64({1})},
            {"dtype", arr<int32_t>(DType::Int32, {2}, {1, 2})}, {"shape", f64({1, 2})}, {"values", f64({1, 2})},
            {"str", Node::makeString("abc")}, {"bytes", Node::makeBytes("xy")}, {"none", Node::makeNone()},
            {"empty", Node::makeDict({})}});
        const NodePtr b = dict({{"same", f64({1, 2})}, {"kind", Node::makeScalar(Scalar::fromFloat(1))},
            {"dtype", f64({1, 2})}, {"shape", f64({1, 2, 3})}, {"values", f64({1, 3})},
            {"str", Node::makeString("abd")}, {"bytes", Node::makeBytes("xy")}, {"none", Node::makeNone()},
            {"empty", Node::makeDict({})}, {"added", Node::makeList({})}});
        const DiffResult r = diffTrees(a, b, {});
        QCOMPARE(r.entries.size(), size_t(11));
        QCOMPARE(entry(r, "same").status, DiffStatus::Same);
        QCOMPARE(entry(r, "removed").status, DiffStatus::Removed);
        QVERIFY(!entry(r, "removed").b);
        QCOMPARE(entry(r, "kind").status, DiffStatus::KindChanged);
        QCOMPARE(entry(r, "kind").b->kind, std::string("scalar"));
        const DiffEntry &dt = entry(r, "dtype");
        QCOMPARE(dt.status, DiffStatus::DtypeChanged);
        QVERIFY(dt.promoted && dt.compared && dt.valuesEqual);
        QCOMPARE(dt.compareType, std::string("float64"));
        QCOMPARE(entry(r, "shape").status, DiffStatus::ShapeChanged);
        QVERIFY(!entry(r, "shape").compared);
        QCOMPARE(entry(r, "values").status, DiffStatus::ValuesChanged);
        QCOMPARE(entry(r, "str").status, DiffStatus::ValuesChanged);
        QCOMPARE(entry(r, "bytes").status, DiffStatus::Same);
        QCOMPARE(entry(r, "none").status, DiffStatus::Same);
        QCOMPARE(entry(r, "empty").status, DiffStatus::Same);
        QCOMPARE(entry(r, "added").status, DiffStatus::Added);
        QCOMPARE(entry(r, "added").b->kind, std::string("empty_list"));
        // Order: A's leaves in A's order, then B-only leaves.
        QCOMPARE(r.entries.front().path, std::string("same"));
        QCOMPARE(r.entries.back().path, std::string("added"));
        QCOMPARE(r.summary.pairs, uint64_t(11));
        QCOMPARE(r.summary.counts[int(DiffStatus::Same)], uint64_t(4));
        QCOMPARE(r.summary.counts[int(DiffStatus::ValuesChanged)], uint64_t(2));
        QCOMPARE(r.summary.counts[int(DiffStatus::Added)], uint64_t(1));
        QVERIFY(!r.summary.identical());
        QVERIFY(diffTrees(a, a, {}).summary.identical());
        // Display order: values first, biggest difference first; "same" last.
        const auto sorted = sortedForDisplay(r);
        QCOMPARE(sorted.front()->path, std::string("values"));
        QCOMPARE(sorted.back()->status, DiffStatus::Same);
        // The JSON names of the statuses are the contract.
        const auto j = diffResultJson(r, true);
        QCOMPARE(j["pairs"].size(), size_t(7));
        QCOMPARE(j["summary"]["kind_changed"].get<int>(), 1);
        QCOMPARE(j["summary"]["dtype_changed"].get<int>(), 1);
        QCOMPARE(j["summary"]["shape_changed"].get<int>(), 1);
        QCOMPARE(j["summary"]["identical"].get<bool>(), false);
    }

    void numbers()
    {
        // diffs a-b = [0, -0.5, 0, 8] in a (2, 2) array.
        const DiffEntry e = diffOne(
            arr<double>(DType::Float64, {2, 2}, {1, 2, 3, 4}), arr<double>(DType::Float64, {2, 2}, {1, 2.5, 3, -4}));
        QCOMPARE(e.status, DiffStatus::ValuesChanged);
        const ArrayDiff &n = e.numbers;
        QCOMPARE(n.count, uint64_t(4));
        QCOMPARE(n.differing, uint64_t(2));
        QCOMPARE(n.fraction(), 0.5);
        QCOMPARE(n.maxAbs, 8.0);
        QCOMPARE(n.maxAbsIndex, uint64_t(3));
        QVERIFY(n.hasMaxRel);
        QCOMPARE(n.maxRel, 2.0);
        QCOMPARE(n.maxRelIndex, uint64_t(3));
        QCOMPARE(n.normA, std::sqrt(30.0));
        QCOMPARE(n.normB, std::sqrt(32.25));
        QCOMPARE(n.normDiff, std::sqrt(64.25));
        QCOMPARE(unravelIndex(3, {2, 2}), (std::vector<uint64_t>{1, 1}));
        QCOMPARE(unravelIndex(7, {2, 3, 2}), (std::vector<uint64_t>{1, 0, 1}));
        const auto j = diffEntryJson(e);
        QVERIFY(j["max_abs_index"] == nlohmann::json({1, 1}));
        QCOMPARE(j["differing"].get<int>(), 2);
        QCOMPARE(j["norm_diff"].get<double>(), std::sqrt(64.25));

        // Max abs and max rel at different places; b == 0 is left out of the relative maximum.
        const ArrayDiff m = diffOne(f64({100, 1, 5}), f64({90, 0.5, 0})).numbers;
        QCOMPARE(m.maxAbs, 10.0);
        QCOMPARE(m.maxAbsIndex, uint64_t(0));
        QCOMPARE(m.maxRel, 1.0);
        QCOMPARE(m.maxRelIndex, uint64_t(1));
        // All b zero: no relative maximum (JSON null).
        const DiffEntry z = diffOne(f64({1}), f64({0}));
        QVERIFY(!z.numbers.hasMaxRel);
        QVERIFY(diffEntryJson(z)["max_rel_diff"].is_null());
        // Ties keep the first index.
        QCOMPARE(diffOne(f64({0, 1, 1}), f64({0, 0, 0})).numbers.maxAbsIndex, uint64_t(1));
        // Identical: zeros everywhere and the same norms.
        const DiffEntry same = diffOne(f64({3, 4}), f64({3, 4}));
        QCOMPARE(same.status, DiffStatus::Same);
        QCOMPARE(same.numbers.maxAbs, 0.0);
        QCOMPARE(same.numbers.normA, 5.0);
        QCOMPARE(same.numbers.normDiff, 0.0);
        // Empty arrays are the same and compare no element.
        QCOMPARE(diffOne(f64({}), f64({})).status, DiffStatus::Same);
    }

    void tolerance()
    {
        ArrayCompareOptions o;
        o.atol = 0.25;
        QCOMPARE(diffOne(f64({1.5, 2.25}), f64({1, 2}), o).numbers.differing, uint64_t(1));
        o.atol = 0.5;
        QCOMPARE(diffOne(f64({1.5, 2.25}), f64({1, 2}), o).status, DiffStatus::Same);
        // Within tolerance the numbers still report the real difference.
        QCOMPARE(diffOne(f64({1.5, 2.25}), f64({1, 2}), o).numbers.maxAbs, 0.5);
        // rtol scales |b| (NumPy's asymmetric rule).
        o = {};
        o.rtol = 0.6;
        QCOMPARE(diffOne(f64({2}), f64({1}), o).status, DiffStatus::ValuesChanged);
        QCOMPARE(diffOne(f64({1}), f64({2}), o).status, DiffStatus::Same);
        // atol + rtol*|b| at the boundary (exact binary values).
        o.atol = 0.5;
        o.rtol = 0.25;
        QCOMPARE(diffOne(f64({3}), f64({2}), o).status, DiffStatus::Same);
        o.rtol = 0.2;
        QCOMPARE(diffOne(f64({3}), f64({2}), o).status, DiffStatus::ValuesChanged);
        // Exact comparison is by value: -0 equals 0.
        QCOMPARE(diffOne(f64({-0.0}), f64({0.0})).status, DiffStatus::Same);
        // Integers compare exactly, even beyond 2^53.
        const int64_t big = int64_t(1) << 60;
        const DiffEntry bi
            = diffOne(arr<int64_t>(DType::Int64, {1}, {big + 1}), arr<int64_t>(DType::Int64, {1}, {big}));
        QCOMPARE(bi.status, DiffStatus::ValuesChanged);
        QCOMPARE(bi.numbers.maxAbs, 1.0);
        // uint64 max and int64 -1 are different numbers.
        QCOMPARE(diffOne(arr<uint64_t>(DType::UInt64, {1}, {~uint64_t(0)}), arr<int64_t>(DType::Int64, {1}, {-1}))
                     .numbers.differing,
            uint64_t(1));
    }

    void nanAndInf()
    {
        const NodePtr a = f64({kNaN, 1, kInf, -kInf, kNaN, kInf});
        const NodePtr b = f64({kNaN, kNaN, kInf, kInf, 1, 5});
        DiffEntry e = diffOne(a, b);
        QCOMPARE(e.numbers.differing, uint64_t(5)); // only inf == inf is equal
        QCOMPARE(e.numbers.maxAbs, kInf);
        QCOMPARE(e.numbers.maxAbsIndex, uint64_t(3));
        QVERIFY(std::isnan(e.numbers.normA)); // NaN propagates like numpy.linalg.norm
        ArrayCompareOptions o;
        o.nanEqual = true;
        e = diffOne(a, b, o);
        QCOMPARE(e.numbers.differing, uint64_t(4));
        // Infinite values are never close to finite ones, whatever the tolerance.
        o.atol = 1e300;
        QCOMPARE(diffOne(f64({kInf}), f64({1}), o).status, DiffStatus::ValuesChanged);
        QCOMPARE(diffOne(f64({kNaN, 2}), f64({kNaN, 2}), o).status, DiffStatus::Same);
        QCOMPARE(diffOne(f64({kNaN, 2}), f64({kNaN, 2})).status, DiffStatus::ValuesChanged);
        // Only the NaN-free pairs enter the maxima; the JSON has no NaN tokens.
        e = diffOne(f64({kNaN, 3}), f64({1, 1}));
        QCOMPARE(e.numbers.maxAbs, 2.0);
        QCOMPARE(e.numbers.maxAbsIndex, uint64_t(1));
        QVERIFY(diffEntryJson(e)["norm_a"].is_null());
        // Complex: a NaN in either part is a NaN.
        using C = std::complex<double>;
        const NodePtr ca = arr<C>(DType::Complex128, {2}, {C(1, kNaN), C(1, 2)});
        const NodePtr cb = arr<C>(DType::Complex128, {2}, {C(kNaN, 0), C(1, 2)});
        QCOMPARE(diffOne(ca, cb).numbers.differing, uint64_t(1));
        QCOMPARE(diffOne(ca, cb, o).numbers.differing, uint64_t(0));
    }

    void dtypePromotion()
    {
        // int32 vs float64 compare as float64.
        DiffEntry e = diffOne(arr<int32_t>(DType::Int32, {3}, {1, 2, 3}), f64({1, 2, 3.5}));
        QCOMPARE(e.status, DiffStatus::DtypeChanged);
        QVERIFY(e.promoted);
        QCOMPARE(e.compareType, std::string("float64"));
        QCOMPARE(e.numbers.differing, uint64_t(1));
        QCOMPARE(e.numbers.maxAbs, 0.5);
        QCOMPARE(e.numbers.maxAbsIndex, uint64_t(2));
        QVERIFY(!e.valuesEqual);
        // float32 vs bfloat16: values representable in bfloat16 are equal after promotion...
        const std::vector<float> exact = {1.5f, -2.0f, 0.25f};
        std::vector<uint16_t> bf;
        for (float f : exact)
            bf.push_back(bf16Bits(f));
        e = diffOne(arr<float>(DType::Float32, {3}, exact), arr<uint16_t>(DType::BFloat16, {3}, bf));
        QCOMPARE(e.status, DiffStatus::DtypeChanged);
        QVERIFY(e.valuesEqual);
        QCOMPARE(e.compareType, std::string("float64"));
        // ... and 0.1f is not: the difference is the bfloat16 rounding error, computed here from bits.
        const uint16_t tenth = 0x3DCD; // bfloat16(0.1) rounded to nearest
        const double bfTenth = double(std::bit_cast<float>(uint32_t(tenth) << 16));
        e = diffOne(arr<float>(DType::Float32, {1}, {0.1f}), arr<uint16_t>(DType::BFloat16, {1}, {tenth}));
        QCOMPARE(e.numbers.differing, uint64_t(1));
        QCOMPARE(e.numbers.maxAbs, std::fabs(double(0.1f) - bfTenth));
        ArrayCompareOptions o;
        o.rtol = 1.0 / 128; // bfloat16 has 8 significant bits
        QVERIFY(diffOne(arr<float>(DType::Float32, {1}, {0.1f}), arr<uint16_t>(DType::BFloat16, {1}, {tenth}), o)
                    .valuesEqual);
        // float vs complex compare as complex128; int8 vs int64 exactly as integers.
        e = diffOne(f64({1, 2}), arr<std::complex<double>>(DType::Complex128, {2}, {{1, 0}, {2, 1}}));
        QCOMPARE(e.compareType, std::string("complex128"));
        QCOMPARE(e.numbers.differing, uint64_t(1));
        QCOMPARE(e.numbers.maxAbs, 1.0);
        e = diffOne(arr<int8_t>(DType::Int8, {2}, {-5, 7}), arr<int64_t>(DType::Int64, {2}, {-5, 7}));
        QCOMPARE(e.compareType, std::string("int128"));
        QVERIFY(e.valuesEqual);
        // bool vs uint8.
        QVERIFY(diffOne(arr<uint8_t>(DType::Bool, {2}, {0, 1}), arr<uint8_t>(DType::UInt8, {2}, {0, 1})).valuesEqual);
    }

    void scalarsStringsBytes()
    {
        DiffEntry e = diffOne(Node::makeScalar(Scalar::fromInt(4)), Node::makeScalar(Scalar::fromFloat(4.0)));
        QCOMPARE(e.status, DiffStatus::DtypeChanged);
        QVERIFY(e.valuesEqual);
        QCOMPARE(e.a->value, std::string("4"));
        e = diffOne(Node::makeScalar(Scalar::fromFloat(0.5)), Node::makeScalar(Scalar::fromFloat(0.75)));
        QCOMPARE(e.status, DiffStatus::ValuesChanged);
        QCOMPARE(e.numbers.maxAbs, 0.25);
        QCOMPARE(e.numbers.count, uint64_t(1));
        e = diffOne(Node::makeScalar(Scalar::fromComplex({1, 2})), Node::makeScalar(Scalar::fromComplex({1, 2})));
        QCOMPARE(e.status, DiffStatus::Same);
        ArrayCompareOptions o;
        o.atol = 0.3;
        QCOMPARE(diffOne(Node::makeScalar(Scalar::fromFloat(0.5)), Node::makeScalar(Scalar::fromFloat(0.75)), o).status,
            DiffStatus::Same);
        QCOMPARE(diffOne(Node::makeScalar(Scalar::fromBool(true)), Node::makeScalar(Scalar::fromBool(false))).status,
            DiffStatus::ValuesChanged);
        QCOMPARE(diffOne(Node::makeString("a"), Node::makeString("a")).status, DiffStatus::Same);
        QCOMPARE(diffOne(Node::makeBytes(std::string("\0a", 2)), Node::makeBytes(std::string("\0b", 2))).status,
            DiffStatus::ValuesChanged);
        QCOMPARE(diffOne(Node::makeString("a"), Node::makeBytes("a")).status, DiffStatus::KindChanged);
        // A 0-d array and a Python scalar are different kinds.
        QCOMPARE(diffOne(arr<double>(DType::Float64, {}, {1}), Node::makeScalar(Scalar::fromFloat(1))).status,
            DiffStatus::KindChanged);
    }

    void renamesAlignPaths()
    {
        const NodePtr a = dict({{"params",
                                    dict({{"Dense_0", dict({{"kernel", f64({1})}, {"bias", f64({2})}})},
                                        {"Dense_1", dict({{"kernel", f64({3})}})}})},
            {"step", Node::makeScalar(Scalar::fromInt(1))}});
        const NodePtr b = dict({{"model",
                                    dict({{"layers",
                                        Node::makeList({dict({{"kernel", f64({1})}, {"bias", f64({2})}}),
                                            dict({{"kernel", f64({4})}})})}})},
            {"step", Node::makeScalar(Scalar::fromInt(1))}});
        DiffOptions o;
        o.renames.push_back(RenameRule::parse(R"(params/Dense_(\d+)/(.*)=model/layers/\1/\2)"));
        const DiffResult r = diffTrees(a, b, o);
        QCOMPARE(r.entries.size(), size_t(4));
        QCOMPARE(entry(r, "model/layers/0/kernel").status, DiffStatus::Same);
        QVERIFY(entry(r, "model/layers/0/kernel").renamed);
        QCOMPARE(entry(r, "model/layers/0/kernel").a->path, std::string("params/Dense_0/kernel"));
        QCOMPARE(entry(r, "model/layers/1/kernel").status, DiffStatus::ValuesChanged);
        QVERIFY(!entry(r, "step").renamed);
        QCOMPARE(r.summary.counts[int(DiffStatus::Same)], uint64_t(3));
        // Without the rule nothing lines up but "step".
        const DiffResult plain = diffTrees(a, b, {});
        QCOMPARE(plain.summary.counts[int(DiffStatus::Removed)], uint64_t(3));
        QCOMPARE(plain.summary.counts[int(DiffStatus::Added)], uint64_t(3));
        // Two A paths onto one B path is an error naming both.
        DiffOptions clash;
        clash.renames.push_back(RenameRule::parse("params/Dense_\\d+/kernel=k"));
        try {
            diffTrees(a, b, clash);
            QFAIL("expected an exception");
        } catch (const Exception &ex) {
            QCOMPARE(ex.error().category, ErrorCategory::InvalidArgument);
            QVERIFY(ex.error().message.find("params/Dense_0/kernel") != std::string::npos);
            QVERIFY(ex.error().message.find("params/Dense_1/kernel") != std::string::npos);
        }
    }

    void nativeLoopsMatchConvertedLoops()
    {
        // Equal dtypes are compared in place, mixed dtypes after conversion to the compare domain:
        // the same values must give bit-identical numbers either way (ties, NaN, Inf, -0, sums).
        std::vector<float> fa, fb;
        for (int i = 0; i < 70000; ++i) {
            const float x = float((i * 37) % 1001) * 0.125f - 60.0f;
            fa.push_back(x);
            fb.push_back(i % 3 == 0 ? x : x + float(i % 7) * 0.5f - 1.5f);
        }
        fb[5] = float(kNaN);
        fa[7] = fb[7] = float(kNaN);
        fa[11] = float(kInf);
        fa[12] = fb[12] = -float(kInf);
        fa[13] = -0.0f;
        fb[13] = 0.0f;
        fb[40000] = 0.0f;
        std::vector<double> fb64(fb.begin(), fb.end());
        const auto a32 = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float32, {fa.size()}, {}}, raw(fa));
        const auto b32 = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float32, {fb.size()}, {}}, raw(fb));
        const auto b64 = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float64, {fb.size()}, {}}, raw(fb64));
        for (const ArrayCompareOptions &o : {ArrayCompareOptions{}, ArrayCompareOptions{0.25, 0.01, true}}) {
            const ArrayDiff x = compareArrays(*a32, *b32, o), y = compareArrays(*a32, *b64, o);
            QCOMPARE(x.count, y.count);
            QCOMPARE(x.differing, y.differing);
            QVERIFY(x.maxAbs == y.maxAbs);
            QCOMPARE(x.maxAbsIndex, y.maxAbsIndex);
            QCOMPARE(x.hasMaxRel, y.hasMaxRel);
            QVERIFY(x.maxRel == y.maxRel);
            QCOMPARE(x.maxRelIndex, y.maxRelIndex);
            auto same = [](double p, double q) { return p == q || (std::isnan(p) && std::isnan(q)); };
            QVERIFY(std::isnan(x.normB));
            QVERIFY(same(x.normA, y.normA) && same(x.normB, y.normB) && same(x.normDiff, y.normDiff));
            QCOMPARE(x.maxAbsIndex, uint64_t(11)); // the infinity
        }
        // Integers: int32 in place against int32 widened to int64.
        std::vector<int32_t> ia, ib;
        for (int i = 0; i < 50000; ++i) {
            ia.push_back(i * 7919 % 100003 - 50000);
            ib.push_back(i % 5 ? ia.back() : ia.back() + i % 11 - 5);
        }
        ib[3] = std::numeric_limits<int32_t>::min();
        std::vector<int64_t> ib64(ib.begin(), ib.end());
        const auto i32 = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Int32, {ia.size()}, {}}, raw(ia));
        const auto j32 = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Int32, {ib.size()}, {}}, raw(ib));
        const auto j64 = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Int64, {ib.size()}, {}}, raw(ib64));
        const ArrayDiff x = compareArrays(*i32, *j32, {}), y = compareArrays(*i32, *j64, {});
        QCOMPARE(x.differing, y.differing);
        QVERIFY(x.differing > 0);
        QVERIFY(x.maxAbs == y.maxAbs);
        QCOMPARE(x.maxAbsIndex, uint64_t(3));
        QCOMPARE(x.maxAbsIndex, y.maxAbsIndex);
        QVERIFY(x.maxRel == y.maxRel);
        QCOMPARE(x.maxRelIndex, y.maxRelIndex);
        QVERIFY(x.normA == y.normA && x.normB == y.normB && x.normDiff == y.normDiff);
    }

    void pieceThreadsGiveTheSameNumbers()
    {
        // Sums that round differently in another order: a split piece must still match one pass.
        std::vector<float> a(600000), b(600000);
        uint32_t state = 12345;
        auto next = [&] {
            state = state * 1664525u + 1013904223u;
            return float(state >> 8) / float(1u << 24) * 2.0f - 1.0f;
        };
        for (size_t i = 0; i < a.size(); ++i) {
            a[i] = next() * 3.0f;
            b[i] = i % 4 ? a[i] + next() * 1e-3f : a[i];
        }
        b[599999] = float(kNaN);
        const auto sa = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float32, {a.size()}, {}}, raw(a));
        const auto sb = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float32, {b.size()}, {}}, raw(b));
        ArrayCompareOptions one;
        one.pieceBytes = 64u << 20;
        ArrayCompareOptions two = one;
        two.pieceThreads = 2;
        for (uint64_t first : {uint64_t(0), uint64_t(70001)}) {
            const uint64_t count = a.size() - first - (first ? 1 : 0); // the second range avoids the NaN
            const ArrayDiff x = compareArrayRange(*sa, *sb, first, count, one);
            const ArrayDiff y = compareArrayRange(*sa, *sb, first, count, two);
            QCOMPARE(x.count, y.count);
            QCOMPARE(x.differing, y.differing);
            QVERIFY(x.maxAbs == y.maxAbs);
            QCOMPARE(x.maxAbsIndex, y.maxAbsIndex);
            QVERIFY(x.maxRel == y.maxRel);
            QCOMPARE(x.maxRelIndex, y.maxRelIndex);
            QVERIFY(x.normA == y.normA);
            QVERIFY(x.normB == y.normB || (first == 0 && std::isnan(x.normB) && std::isnan(y.normB)));
            QVERIFY(x.normDiff == y.normDiff || (first == 0 && std::isnan(x.normDiff) && std::isnan(y.normDiff)));
        }
    }

    void vectorLoopsMatchScalarLoops()
    {
        // Equal float32 or bfloat16 sides go through the two-lane vector loop; float32 against
        // float64 through the scalar one. Ranges and pieces that start off a lane boundary, ties of
        // the largest differences in several lanes, and a length that is no multiple of anything.
        const size_t n = 100003;
        std::vector<float> a(n), b(n);
        uint32_t state = 99;
        auto next = [&] {
            state = state * 1664525u + 1013904223u;
            return float(state >> 8) / float(1u << 24) * 2.0f - 1.0f;
        };
        for (size_t i = 0; i < n; ++i) {
            a[i] = next() * 4.0f;
            b[i] = i % 5 ? a[i] + next() * 0.25f : a[i];
        }
        // The largest |a-b| (8) at 50003, 50001 and 70000 (lanes 3, 1, 0): the first index counts.
        for (size_t i : {size_t(50003), size_t(50001), size_t(70000)}) {
            a[i] = 9.0f;
            b[i] = 1.0f;
        }
        // The largest |a-b|/|b| (2^30) at 60002 and 60006.
        for (size_t i : {size_t(60006), size_t(60002)}) {
            a[i] = 1.0f;
            b[i] = 0x1p-30f;
        }
        std::vector<double> b64(b.begin(), b.end());
        const auto sa = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float32, {n}, {}}, raw(a));
        const auto sb = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float32, {n}, {}}, raw(b));
        const auto sb64 = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float64, {n}, {}}, raw(b64));
        auto same = [](const ArrayDiff &x, const ArrayDiff &y) {
            return x.count == y.count && x.differing == y.differing && x.maxAbs == y.maxAbs
                && x.maxAbsIndex == y.maxAbsIndex && x.hasMaxRel == y.hasMaxRel && x.maxRel == y.maxRel
                && x.maxRelIndex == y.maxRelIndex && x.normA == y.normA && x.normB == y.normB
                && x.normDiff == y.normDiff;
        };
        for (const ArrayCompareOptions &tol : {ArrayCompareOptions{}, ArrayCompareOptions{0.01, 0.05, false}}) {
            for (uint64_t first : {uint64_t(0), uint64_t(3), uint64_t(50002)}) {
                const uint64_t count = n - first;
                ArrayCompareOptions whole = tol;
                whole.pieceBytes = 64u << 20;
                const ArrayDiff ref = compareArrayRange(*sa, *sb, first, count, whole);
                QVERIFY(same(ref, compareArrayRange(*sa, *sb64, first, count, whole)));
                for (uint64_t piece : {uint64_t(1), uint64_t(4 * 1001 + 4), uint64_t(1u << 17)}) {
                    ArrayCompareOptions o = tol;
                    o.pieceBytes = piece;
                    QVERIFY2(same(ref, compareArrayRange(*sa, *sb, first, count, o)), std::to_string(piece).c_str());
                    QVERIFY(same(ref, compareArrayRange(*sa, *sb64, first, count, o)));
                }
                // The numbers themselves, against a plain count and a long double sum.
                uint64_t differing = 0;
                long double qd = 0;
                for (uint64_t i = first; i < n; ++i) {
                    const double d = double(a[i]) - double(b[i]);
                    differing += std::fabs(d) <= tol.atol + tol.rtol * std::fabs(double(b[i])) ? 0 : 1;
                    qd += (long double)d * d;
                }
                QCOMPARE(ref.differing, differing);
                QCOMPARE(ref.maxAbs, 8.0);
                QCOMPARE(ref.maxAbsIndex, first <= 50001 ? uint64_t(50001) : uint64_t(50003));
                QCOMPARE(ref.maxRel, 0x1p30 - 1);
                QCOMPARE(ref.maxRelIndex, uint64_t(60002));
                QVERIFY(std::fabs(ref.normDiff - double(std::sqrt(qd))) <= 1e-12 * ref.normDiff);
            }
        }
        // bfloat16 in place against bfloat16 widened to float32.
        std::vector<uint16_t> ha(n), hb(n);
        std::vector<float> hb32(n);
        for (size_t i = 0; i < n; ++i) {
            ha[i] = bf16Bits(a[i]);
            hb[i] = bf16Bits(b[i]);
            hb32[i] = std::bit_cast<float>(uint32_t(hb[i]) << 16);
        }
        const auto xa = std::make_shared<MemoryArraySource>(ArrayInfo{DType::BFloat16, {n}, {}}, raw(ha));
        const auto xb = std::make_shared<MemoryArraySource>(ArrayInfo{DType::BFloat16, {n}, {}}, raw(hb));
        const auto xb32 = std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float32, {n}, {}}, raw(hb32));
        const ArrayDiff x = compareArrayRange(*xa, *xb, 1, n - 1, {}), y = compareArrayRange(*xa, *xb32, 1, n - 1, {});
        QVERIFY(same(x, y));
        QCOMPARE(x.maxAbsIndex, uint64_t(50001));
    }

    void streamingBoundedReads()
    {
        // 50M float32 elements per side (200 MB each) compared in 4 MiB pieces; one element differs.
        const uint64_t rows = 5000, cols = 10000, bump = 37'000'123;
        auto sa = computed({rows, cols});
        auto sb = computed({rows, cols}, int64_t(bump));
        DiffOptions o;
        o.compare.pieceBytes = 4u << 20;
        std::atomic<uint64_t> lastDone{0}, reports{0};
        Progress p;
        p.report = [&](uint64_t done, uint64_t total) {
            QVERIFY(done <= total);
            lastDone = done;
            ++reports;
        };
        const DiffResult r = diffTrees(dict({{"w", Node::makeArray(sa)}}), dict({{"w", Node::makeArray(sb)}}), o, p);
        const ArrayDiff &n = r.entries.at(0).numbers;
        QCOMPARE(n.count, rows * cols);
        QCOMPARE(n.differing, uint64_t(1));
        QCOMPARE(n.maxAbs, 1.0);
        QCOMPARE(n.maxAbsIndex, bump);
        QCOMPARE(unravelIndex(n.maxAbsIndex, {rows, cols}), (std::vector<uint64_t>{bump / cols, bump % cols}));
        QCOMPARE(n.normDiff, 1.0);
        // ||A||^2 = 50000 * sum_k (k/2)^2 for k < 1000.
        double sumSq = 0;
        for (int k = 0; k < 1000; ++k)
            sumSq += (k * 0.5) * (k * 0.5);
        const double want = std::sqrt(50000 * sumSq);
        QVERIFY2(std::fabs(n.normA - want) <= 1e-12 * want, qPrintable(QString::number(n.normA - want)));
        // Bounded: no read above one piece, and the array took many of them per side.
        QVERIFY(sa->maxReadBytes.load() <= o.compare.pieceBytes);
        QVERIFY(sb->maxReadBytes.load() <= o.compare.pieceBytes);
        QVERIFY(sa->reads.load() >= rows * cols * 4 / o.compare.pieceBytes);
        QCOMPARE(r.summary.bytesRead, rows * cols * 8);
        QCOMPARE(lastDone.load(), rows * cols * 8);
        QVERIFY(reports.load() >= 48);
    }

    void piecesFollowChunkBands()
    {
        const uint64_t mib4 = 4u << 20;
        const ArrayInfo plain{DType::Float32, {100, 1000}, {}};
        QCOMPARE(pieceElements(plain, plain, mib4), uint64_t(1) << 20);
        // Bands of 10 x 1000 elements: whole bands per piece.
        const ArrayInfo rows10{DType::Float32, {1000, 1000}, {10, 1000}};
        QCOMPARE(pieceElements(rows10, rows10, mib4), uint64_t(104 * 10000));
        QCOMPARE(pieceElements(rows10, plain, mib4), uint64_t(104 * 10000));
        // One chunk bigger than a piece (Orbax's single-device default): read whole, decoded once.
        const ArrayInfo whole{DType::Float32, {3000, 1000}, {3000, 1000}};
        QCOMPARE(pieceElements(whole, whole, mib4), uint64_t(3000 * 1000));
        QCOMPARE(pieceElements(whole, rows10, mib4), uint64_t(3000 * 1000)); // 10-row bands nest in it
        // Grids that do not nest, or bands over kMaxBandBytes, fall back to plain pieces.
        const ArrayInfo rows7{DType::Float32, {1000, 1000}, {7, 1000}};
        QCOMPARE(pieceElements(rows7, rows10, mib4), uint64_t(1) << 20);
        const ArrayInfo huge{DType::Float32, {20000, 1000}, {20000, 1000}};
        QCOMPARE(pieceElements(huge, huge, mib4), uint64_t(1) << 20);
    }

    void rangesOnManyThreadsMatchOneThread()
    {
        const std::vector<uint64_t> shape = {3'000'001};
        auto sa = computed(shape, 5);
        auto sb = computed(shape, 2'999'999);
        DiffOptions one;
        one.threads = 1;
        one.compare.pieceBytes = 1u << 20;
        DiffOptions many = one;
        many.threads = 4;
        many.taskBytes = 1u << 20; // 12 ranges, merged in order
        const NodePtr ta = dict({{"w", Node::makeArray(sa)}}), tb = dict({{"w", Node::makeArray(sb)}});
        const ArrayDiff x = diffTrees(ta, tb, one).entries[0].numbers;
        const ArrayDiff y = diffTrees(ta, tb, many).entries[0].numbers;
        QCOMPARE(x.differing, uint64_t(2));
        QCOMPARE(y.differing, x.differing);
        QCOMPARE(y.maxAbs, 1.0);
        QCOMPARE(y.maxAbsIndex, uint64_t(5)); // first of the two equal maxima
        QCOMPARE(y.maxAbsIndex, x.maxAbsIndex);
        QCOMPARE(y.maxRelIndex, x.maxRelIndex);
        QVERIFY(std::fabs(y.normA - x.normA) <= 1e-12 * x.normA);
        QCOMPARE(y.normDiff, std::sqrt(2.0));
    }

    void cancelAndReadErrors()
    {
        auto sa = computed({4'000'000});
        DiffOptions o;
        o.compare.pieceBytes = 1u << 20;
        std::atomic<int> calls{0};
        Progress p;
        p.isCancelled = [&] { return ++calls > 3; };
        try {
            diffTrees(dict({{"w", Node::makeArray(sa)}}), dict({{"w", Node::makeArray(sa)}}), o, p);
            QFAIL("expected Cancelled");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::Cancelled);
        }
        QVERIFY(sa->reads.load() < 16); // stopped early, not after all 16 pieces
        try {
            diffTrees(dict({{"a", dict({{"bad", Node::makeArray(failing())}})}}),
                dict({{"a", dict({{"bad", f64({1, 2, 3, 4})}})}}), {});
            QFAIL("expected Corrupt");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::Corrupt);
            QCOMPARE(e.error().keyPath, std::string("a/bad"));
            QCOMPARE(e.error().byteOffset, std::optional<uint64_t>(1234));
        }
    }

    void identicalStorageIsReadOnce()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + QStringLiteral("/raw.bin")).toStdString();
        std::vector<float> v = {1, 2, std::nanf(""), 4, 5, 6};
        {
            std::ofstream f(path, std::ios::binary);
            f.write(reinterpret_cast<const char *>(v.data()), std::streamsize(v.size() * 4));
        }
        const ArrayInfo info{DType::Float32, {2, 2}, {}};
        auto s1
            = std::make_shared<FlatArraySource>(info, std::vector<FlatArraySource::Piece>{{File::open(path), 0, 16}});
        auto s2
            = std::make_shared<FlatArraySource>(info, std::vector<FlatArraySource::Piece>{{File::open(path), 0, 16}});
        auto s3
            = std::make_shared<FlatArraySource>(info, std::vector<FlatArraySource::Piece>{{File::open(path), 8, 16}});
        QVERIFY(!s1->storageFingerprint().empty());
        QCOMPARE(s1->storageFingerprint(), s2->storageFingerprint());
        QVERIFY(s1->storageFingerprint() != s3->storageFingerprint());
        auto mem = std::make_shared<FlatArraySource>(
            info, std::vector<FlatArraySource::Piece>{{std::make_shared<MemoryBytes>(raw(v), path), 0, 16}});
        QVERIFY(mem->storageFingerprint().empty()); // buffers have no stable identity
        DiffResult r = diffTrees(dict({{"x", Node::makeArray(s1)}}), dict({{"x", Node::makeArray(s2)}}), {});
        QVERIFY(r.entries[0].numbers.sameStorage);
        QCOMPARE(r.summary.bytesRead, uint64_t(16));
        // Read once but still compared by value: the NaN differs unless NaN-equal.
        QCOMPARE(r.entries[0].numbers.differing, uint64_t(1));
        QCOMPARE(r.entries[0].numbers.normB, r.entries[0].numbers.normA);
        DiffOptions ne;
        ne.compare.nanEqual = true;
        QCOMPARE(
            diffTrees(dict({{"x", Node::makeArray(s1)}}), dict({{"x", Node::makeArray(s2)}}), ne).entries[0].status,
            DiffStatus::Same);
        r = diffTrees(dict({{"x", Node::makeArray(s1)}}), dict({{"x", Node::makeArray(s3)}}), ne);
        QVERIFY(!r.entries[0].numbers.sameStorage);
        QCOMPARE(r.summary.bytesRead, uint64_t(32));
        QCOMPARE(r.entries[0].numbers.differing, uint64_t(4)); // [1,2,nan,4] vs [nan,4,5,6]
        QCOMPARE(r.entries[0].numbers.maxAbs, 2.0);
    }

    void corpusTransformerDepthVsMap()
    {
        const QString a = corpus("transformer_mpc_depth/checkpoint_0"), b = corpus("transformer_mpc_map/checkpoint_0");
        if (!QFile::exists(a) || !QFile::exists(b))
            QSKIP("shared corpus not present");
        const Checkpoint ca = openCheckpoint(a.toStdString()), cb = openCheckpoint(b.toStdString());
        const DiffResult r = diffTrees(ca.root, cb.root, {});
        QCOMPARE(r.summary.pairs, uint64_t(115)); // 114 arrays + the empty opt_state/1 map
        uint64_t shapeChanged = 0;
        for (const DiffEntry &e : r.entries) {
            if (e.path.find("posembed_input/pos_embedding") != std::string::npos) {
                QCOMPARE(e.status, DiffStatus::ShapeChanged);
                QCOMPARE(e.a->shape, (std::vector<uint64_t>{1, 768, 42}));
                QCOMPARE(e.b->shape, (std::vector<uint64_t>{1, 400, 42}));
                ++shapeChanged;
            } else if (e.a->kind == "empty_dict" || e.path.rfind("metrics/", 0) == 0) {
                QCOMPARE(e.status, DiffStatus::Same); // opt_state/1 {} and the metrics are equal in both
            } else {
                QVERIFY2(e.status == DiffStatus::ValuesChanged, e.path.c_str());
            }
        }
        QCOMPARE(shapeChanged, uint64_t(2)); // params and its opt_state trace
    }

    void corpusScicoAndNetket()
    {
        const QString l = corpus("scico_dncnn6L.mpk"), n = corpus("scico_dncnn6N.mpk");
        const QString j = corpus("netket_qns_Jastrow.mpack"), c = corpus("netket_qns_RBM_complex128.mpack");
        if (!QFile::exists(l) || !QFile::exists(j))
            QSKIP("shared corpus not present");
        DiffResult r = diffTrees(openCheckpoint(l.toStdString()).root, openCheckpoint(n.toStdString()).root, {});
        QCOMPARE(r.summary.pairs, uint64_t(22));
        QCOMPARE(r.summary.counts[int(DiffStatus::ShapeChanged)], uint64_t(2));
        QCOMPARE(entry(r, "params/conv_start/kernel").status, DiffStatus::ShapeChanged);
        QCOMPARE(entry(r, "params/conv_end/kernel").status, DiffStatus::ShapeChanged);
        QCOMPARE(r.summary.counts[int(DiffStatus::ValuesChanged)], uint64_t(20));
        // A file against itself: same storage, identical.
        r = diffTrees(openCheckpoint(l.toStdString()).root, openCheckpoint(l.toStdString()).root, {});
        QVERIFY(r.summary.identical());
        QVERIFY(entry(r, "params/conv_start/kernel").numbers.sameStorage);
        // Jastrow (float64) vs RBM (complex128): the same tree, every leaf a dtype change.
        r = diffTrees(openCheckpoint(j.toStdString()).root, openCheckpoint(c.toStdString()).root, {});
        QCOMPARE(r.summary.pairs, uint64_t(3));
        QCOMPARE(r.summary.counts[int(DiffStatus::DtypeChanged)], uint64_t(3));
        for (const DiffEntry &e : r.entries) {
            QCOMPARE(e.a->dtype, std::string("float64"));
            QCOMPARE(e.b->dtype, std::string("complex128"));
            QCOMPARE(e.compareType, std::string("complex128"));
            QVERIFY(e.compared);
        }
    }
};

QTEST_GUILESS_MAIN(TestDiff)
#include "tst_diff.moc"
