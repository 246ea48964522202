// Small pytrees and array sources built in memory, shared by the test folders.
#pragma once

#include "base/error.h"
#include "tree/array_source.h"
#include "tree/node.h"

#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
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

/// A 1-D float64 array holding `v`.
inline ckpt::NodePtr f64(const std::vector<double> &v)
{
    std::vector<std::byte> b(v.size() * 8);
    if (!v.empty())
        std::memcpy(b.data(), v.data(), b.size());
    return ckpt::Node::makeArray(
        std::make_shared<ckpt::MemoryArraySource>(ckpt::ArrayInfo{ckpt::DType::Float64, {v.size()}, {}}, b));
}

/// A dict node with these children, in this order.
inline ckpt::NodePtr dict(std::vector<std::pair<std::string, ckpt::NodePtr>> kv)
{
    std::vector<ckpt::Child> c;
    for (auto &[k, v] : kv)
        c.push_back({ckpt::Key::name(k), v});
    return ckpt::Node::makeDict(std::move(c));
}

/// An array of `dt` and `shape` holding `bytes` (zeros when empty).
inline ckpt::NodePtr array(ckpt::DType dt, std::vector<uint64_t> shape, std::vector<std::byte> bytes = {})
{
    ckpt::ArrayInfo info{dt, std::move(shape), {}};
    if (bytes.empty())
        bytes.resize(info.numBytes());
    return ckpt::Node::makeArray(std::make_shared<ckpt::MemoryArraySource>(info, std::move(bytes)));
}

/// A float32 array of `shape` holding `values` in C order.
inline ckpt::NodePtr floats(std::vector<uint64_t> shape, const std::vector<float> &values)
{
    std::vector<std::byte> bytes(values.size() * 4);
    if (!values.empty())
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

/// A float32 array whose element at linear index i is value(i) (by default i * 0.5), computed on
/// demand: no buffer of the whole array ever exists. Records every readSlab() call (slabs(), reads,
/// maxReadBytes); read() of the whole array is an error.
class ComputedSource : public ckpt::ArraySource {
public:
    using Value = std::function<float(uint64_t)>;

    static float halfIndex(uint64_t i) { return float(i) * 0.5f; }

    explicit ComputedSource(std::vector<uint64_t> shape, Value value = halfIndex)
        : m_info{ckpt::DType::Float32, std::move(shape), {}}
        , m_value(std::move(value))
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
        reads.fetch_add(1);
        uint64_t prev = maxReadBytes.load();
        while (out.size() > prev && !maxReadBytes.compare_exchange_weak(prev, out.size())) { }
        if (out.size() != slab.numElements() * 4)
            ckpt::fail(ckpt::ErrorCategory::InvalidArgument, "bad buffer");
        if (out.empty())
            return;
        if (m_info.shape.empty()) {
            store(out.data(), 0);
            return;
        }
        const ckpt::SlabRows rows(m_info.shape, slab);
        std::byte *dst = out.data();
        for (uint64_t r = 0; r < rows.count(); ++r) {
            const uint64_t first = rows.offset(r);
            for (uint64_t k = 0; k < rows.rowElements(); ++k, dst += 4)
                store(dst, first + k);
        }
    }
    std::string location() const override { return "computed"; }

    std::vector<ckpt::Slab> slabs() const
    {
        std::lock_guard lock(m_mutex);
        return m_slabs;
    }

    mutable std::atomic<uint64_t> reads{0};
    mutable std::atomic<uint64_t> maxReadBytes{0};

private:
    void store(std::byte *p, uint64_t i) const
    {
        const float v = m_value(i);
        std::memcpy(p, &v, 4);
    }
    ckpt::ArrayInfo m_info;
    Value m_value;
    mutable std::mutex m_mutex;
    mutable std::vector<ckpt::Slab> m_slabs;
};

/// An array whose every read (whole or slab) throws `error`.
class FailingSource : public ckpt::ArraySource {
public:
    FailingSource(ckpt::ArrayInfo info, ckpt::Error error, std::string location)
        : m_info(std::move(info))
        , m_error(std::move(error))
        , m_location(std::move(location))
    { }
    const ckpt::ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte>, const ckpt::Progress &) const override { throw ckpt::Exception(m_error); }
    void readSlab(const ckpt::Slab &, std::span<std::byte>, const ckpt::Progress &) const override
    {
        throw ckpt::Exception(m_error);
    }
    std::string location() const override { return m_location; }

private:
    ckpt::ArrayInfo m_info;
    ckpt::Error m_error;
    std::string m_location;
};

} // namespace testtree
