// Small pytrees built in memory, shared by the test folders.
#pragma once

#include "tree/array_source.h"
#include "tree/node.h"

#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace testtree {

/// A float32 array of `shape` whose element i is base + i.
inline ckpt::NodePtr f32(std::vector<uint64_t> shape, float base)
{
    uint64_t n = 1;
    for (uint64_t d : shape)
        n *= d;
    std::vector<std::byte> raw(n * 4);
    for (uint64_t i = 0; i < n; ++i) {
        const float v = base + float(i);
        std::memcpy(raw.data() + i * 4, &v, 4);
    }
    return ckpt::Node::makeArray(
        std::make_shared<ckpt::MemoryArraySource>(ckpt::ArrayInfo{ckpt::DType::Float32, std::move(shape), {}}, raw));
}

/// A dict node with these children, in this order.
inline ckpt::NodePtr dict(std::vector<std::pair<std::string, ckpt::NodePtr>> kv)
{
    std::vector<ckpt::Child> c;
    for (auto &[k, v] : kv)
        c.push_back({ckpt::Key::name(k), v});
    return ckpt::Node::makeDict(std::move(c));
}

} // namespace testtree
