#pragma once

#include "base/error.h"
#include "tree/array_source.h"
#include "tree/node.h"

#include <cstring>
#include <mutex>
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

/// A float32 array whose element at linear index i is i * 0.5, computed on demand: no buffer of the
/// whole array ever exists. Records every readSlab() call; read() of the whole array is an error.
class ComputedSource : public ckpt::ArraySource {
public:
    explicit ComputedSource(std::vector<uint64_t> shape)
        : m_info{ckpt::DType::Float32, std::move(shape), {}}
    { }
    const ckpt::ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte>, const ckpt::Progress &) const override
    {
        ckpt::fail(ckpt::ErrorCategory::InvalidArgument, "whole-array read of a computed array");
    }
    void readSlab(const ckpt::Slab &slab, std::span<std::byte> out, const ckpt::Progress &) const override
    {
        slab.validate(m_info.shape);
        {
            std::lock_guard lock(m_mutex);
            m_slabs.push_back(slab);
        }
        if (out.size() != slab.numElements() * 4)
            ckpt::fail(ckpt::ErrorCategory::InvalidArgument, "bad buffer");
        const size_t rank = m_info.shape.size();
        std::vector<uint64_t> ix(rank, 0);
        for (uint64_t n = 0; n < slab.numElements(); ++n) {
            uint64_t linear = 0;
            for (size_t d = 0; d < rank; ++d)
                linear = linear * m_info.shape[d] + slab.start[d] + ix[d];
            const float v = float(linear) * 0.5f;
            std::memcpy(out.data() + n * 4, &v, 4);
            for (size_t d = rank; d-- > 0;) {
                if (++ix[d] < slab.count[d])
                    break;
                ix[d] = 0;
            }
        }
    }
    std::string location() const override { return "computed"; }

    std::vector<ckpt::Slab> slabs() const
    {
        std::lock_guard lock(m_mutex);
        return m_slabs;
    }

private:
    ckpt::ArrayInfo m_info;
    mutable std::mutex m_mutex;
    mutable std::vector<ckpt::Slab> m_slabs;
};

} // namespace testtree
