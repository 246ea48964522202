#pragma once

#include "tree/array_source.h"
#include "tree/node.h"

#include <cstring>
#include <string>
#include <vector>

/// Small in-memory pytrees for model tests.
namespace testtree {

inline ckpt::NodePtr array(ckpt::DType dt, std::vector<uint64_t> shape, std::vector<std::byte> bytes = {})
{
    ckpt::ArrayInfo info{dt, std::move(shape), {}};
    if (bytes.empty())
        bytes.resize(info.numBytes());
    return ckpt::Node::makeArray(std::make_shared<ckpt::MemoryArraySource>(info, std::move(bytes)));
}

inline ckpt::NodePtr floats(std::vector<uint64_t> shape, const std::vector<float> &values)
{
    std::vector<std::byte> bytes(values.size() * 4);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return array(ckpt::DType::Float32, std::move(shape), std::move(bytes));
}

inline ckpt::Child child(std::string key, ckpt::NodePtr node)
{
    return ckpt::Child{ckpt::Key::name(std::move(key)), std::move(node)};
}

/// {params: {Dense_0: {bias f32 (3,), kernel f32 (2, 3)}, Dense_1: {kernel i32 (4,)}}, step: 4,
///  name: 'run', opt_state: [None, {}]}
inline ckpt::NodePtr sample()
{
    using ckpt::Node;
    auto dense0 = Node::makeDict(
        {child("bias", floats({3}, {0.5f, -1.f, 2.f})), child("kernel", floats({2, 3}, {1, 2, 3, 4, 5, 6}))});
    auto dense1 = Node::makeDict({child("kernel", array(ckpt::DType::Int32, {4}))});
    auto params = Node::makeDict({child("Dense_0", dense0), child("Dense_1", dense1)});
    auto opt = Node::makeList({Node::makeNone(), Node::makeDict({})});
    return Node::makeDict({child("params", params), child("step", Node::makeScalar(ckpt::Scalar::fromInt(4))),
        child("name", Node::makeString("run")), child("opt_state", opt)});
}

} // namespace testtree
