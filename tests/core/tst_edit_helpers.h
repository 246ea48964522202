// Small trees and readers shared by the repair tests (edit, recipe, restore).
#pragma once

#include "base/error.h"
#include "expect_error.h"
#include "ops/edit/edit.h"
#include "tree/array_source.h"
#include "tree/node.h"

#include <QTest>

#include <cstring>
#include <functional>
#include <memory>
#include <vector>

namespace repairtest {

using namespace ckpt;

inline NodePtr f32(std::vector<uint64_t> shape, const std::vector<float> &v)
{
    std::vector<std::byte> raw(v.size() * 4);
    std::memcpy(raw.data(), v.data(), raw.size());
    return Node::makeArray(std::make_shared<MemoryArraySource>(ArrayInfo{DType::Float32, std::move(shape), {}}, raw));
}

inline NodePtr i32(std::vector<uint64_t> shape, const std::vector<int32_t> &v)
{
    std::vector<std::byte> raw(v.size() * 4);
    std::memcpy(raw.data(), v.data(), raw.size());
    return Node::makeArray(std::make_shared<MemoryArraySource>(ArrayInfo{DType::Int32, std::move(shape), {}}, raw));
}

/// 0, 1, 2, ... as float32 of `shape`.
inline NodePtr iota(std::vector<uint64_t> shape)
{
    uint64_t n = 1;
    for (uint64_t d : shape)
        n *= d;
    std::vector<float> v(n);
    for (uint64_t i = 0; i < n; ++i)
        v[i] = float(i);
    return f32(std::move(shape), v);
}

/// Whole array as doubles (any dtype).
inline std::vector<double> values(const NodePtr &n)
{
    const ArrayInfo &info = n->arrayInfo();
    std::vector<std::byte> raw = n->array()->readAll();
    std::vector<double> out;
    for (size_t off = 0; off < raw.size(); off += itemSize(info.dtype))
        out.push_back(toDouble(info.dtype, raw.data() + off));
    return out;
}

/// One slab as doubles.
inline std::vector<double> slabValues(const NodePtr &n, std::vector<uint64_t> start, std::vector<uint64_t> count)
{
    const ArrayInfo &info = n->arrayInfo();
    Slab s{std::move(start), std::move(count)};
    std::vector<std::byte> raw(s.numElements() * itemSize(info.dtype));
    n->array()->readSlab(s, raw);
    std::vector<double> out;
    for (size_t off = 0; off < raw.size(); off += itemSize(info.dtype))
        out.push_back(toDouble(info.dtype, raw.data() + off));
    return out;
}

/// {"params": {"Dense_0": {"kernel": iota(2,3), "bias": [1,2,3]}, "Dense_1": {"kernel": iota(3,1)}},
///  "opt": [iota(2), iota(3)], "step": 7}
inline NodePtr sampleTree()
{
    NodePtr dense0 = Node::makeDict({{Key::name("kernel"), iota({2, 3})}, {Key::name("bias"), f32({3}, {1, 2, 3})}});
    NodePtr dense1 = Node::makeDict({{Key::name("kernel"), iota({3, 1})}});
    NodePtr params = Node::makeDict({{Key::name("Dense_0"), dense0}, {Key::name("Dense_1"), dense1}});
    NodePtr opt = Node::makeList({iota({2}), iota({3})});
    return Node::makeDict({{Key::name("params"), params}, {Key::name("opt"), opt},
        {Key::name("step"), Node::makeScalar(Scalar::fromInt(7))}});
}

inline NodePtr at(const NodePtr &root, const std::string &path)
{
    return findNode(root, parsePath(path));
}

inline NodePtr run(const NodePtr &root, const edit::Operation &op)
{
    edit::Context ctx;
    return edit::apply(root, op, ctx);
}

} // namespace repairtest
