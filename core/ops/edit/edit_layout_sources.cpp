#include "ops/edit/edit_layout_sources.h"

#include "base/error.h"

#include <algorithm>
#include <cstring>

namespace ckpt {
namespace {

uint64_t product(const std::vector<uint64_t> &v, size_t from, size_t to)
{
    uint64_t p = 1;
    for (size_t i = from; i < to; ++i)
        p *= v[i];
    return p;
}

} // namespace

ReshapeArraySource::ReshapeArraySource(ArraySourcePtr base, std::vector<uint64_t> shape)
    : m_base(std::move(base))
{
    m_info.dtype = m_base->info().dtype;
    m_info.shape = std::move(shape);
    const auto n = m_info.checkedNumElements();
    if (!n || *n != m_base->info().numElements())
        fail(ErrorCategory::Mismatch,
            "cannot reshape an array of shape " + shapeString(m_base->info().shape) + " into "
                + shapeString(m_info.shape) + " (element counts differ)");
}

void ReshapeArraySource::read(std::span<std::byte> out, const Progress &progress) const
{
    checkSlabOutput(m_info, Slab::whole(m_info.shape), out);
    m_base->read(out, progress);
}

void ReshapeArraySource::readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress) const
{
    checkSlabOutput(m_info, slab, out);
    const size_t item = itemSize(m_info.dtype);
    const size_t rank = m_info.shape.size();
    const uint64_t total = slab.numElements();
    if (total == 0)
        return;
    if (rank == 0) {
        m_base->read(out, progress);
        return;
    }
    // Rows along the last dimension are consecutive in the flat order; merge touching rows.
    const uint64_t rowLen = slab.count[rank - 1];
    std::vector<uint64_t> idx(rank, 0);
    uint64_t runStart = 0, runLen = 0, outPos = 0;
    auto flush = [&] {
        if (runLen)
            readFlatRange(*m_base, runStart, runLen, out.subspan(outPos * item, runLen * item), progress);
        outPos += runLen;
        runLen = 0;
    };
    for (uint64_t done = 0; done < total; done += rowLen) {
        uint64_t flat = 0;
        for (size_t d = 0; d < rank; ++d)
            flat = flat * m_info.shape[d] + slab.start[d] + idx[d];
        if (runLen && runStart + runLen == flat) {
            runLen += rowLen;
        } else {
            flush();
            runStart = flat;
            runLen = rowLen;
        }
        for (size_t d = rank - 1; d-- > 0;) {
            if (++idx[d] < slab.count[d])
                break;
            idx[d] = 0;
        }
    }
    flush();
}

std::string ReshapeArraySource::location() const
{
    return m_base->location() + " reshaped to " + shapeString(m_info.shape);
}

TransposeArraySource::TransposeArraySource(ArraySourcePtr base, std::vector<size_t> axes)
    : m_base(std::move(base))
    , m_axes(std::move(axes))
{
    const std::vector<uint64_t> &bs = m_base->info().shape;
    std::vector<bool> seen(bs.size(), false);
    if (m_axes.size() != bs.size())
        fail(ErrorCategory::InvalidArgument,
            "transpose needs " + std::to_string(bs.size()) + " axes, got " + std::to_string(m_axes.size()));
    for (size_t a : m_axes) {
        if (a >= bs.size() || seen[a])
            fail(ErrorCategory::InvalidArgument,
                "transpose axes are not a permutation of 0.." + std::to_string(bs.size()) + "-1");
        seen[a] = true;
    }
    m_info.dtype = m_base->info().dtype;
    for (size_t a : m_axes)
        m_info.shape.push_back(bs[a]);
}

void TransposeArraySource::read(std::span<std::byte> out, const Progress &progress) const
{
    readSlab(Slab::whole(m_info.shape), out, progress);
}

void TransposeArraySource::readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress) const
{
    checkSlabOutput(m_info, slab, out);
    const size_t rank = m_axes.size();
    const size_t item = itemSize(m_info.dtype);
    const uint64_t total = slab.numElements();
    if (total == 0)
        return;
    Slab baseSlab{std::vector<uint64_t>(rank), std::vector<uint64_t>(rank)};
    for (size_t i = 0; i < rank; ++i) {
        baseSlab.start[m_axes[i]] = slab.start[i];
        baseSlab.count[m_axes[i]] = slab.count[i];
    }
    std::vector<std::byte> tmp(total * item);
    m_base->readSlab(baseSlab, tmp, progress);
    // Stride in tmp (elements) of each output dimension.
    std::vector<uint64_t> baseStride(rank, 1), outStride(rank);
    for (size_t d = rank; d-- > 1;)
        baseStride[d - 1] = baseStride[d] * baseSlab.count[d];
    for (size_t i = 0; i < rank; ++i)
        outStride[i] = baseStride[m_axes[i]];
    std::vector<uint64_t> idx(rank, 0);
    uint64_t src = 0;
    for (uint64_t pos = 0; pos < total; ++pos) {
        std::memcpy(out.data() + pos * item, tmp.data() + src * item, item);
        for (size_t d = rank; d-- > 0;) {
            if (++idx[d] < slab.count[d]) {
                src += outStride[d];
                break;
            }
            src -= (idx[d] - 1) * outStride[d];
            idx[d] = 0;
        }
    }
}

std::string TransposeArraySource::location() const
{
    return m_base->location() + " transposed";
}

StackArraySource::StackArraySource(std::vector<ArraySourcePtr> parts, size_t axis)
    : m_parts(std::move(parts))
    , m_axis(axis)
{
    if (m_parts.empty())
        fail(ErrorCategory::InvalidArgument, "stack needs at least one array");
    const ArrayInfo &first = m_parts.front()->info();
    if (axis > first.shape.size())
        fail(ErrorCategory::InvalidArgument,
            "stack axis " + std::to_string(axis) + " is past the rank " + std::to_string(first.shape.size()));
    for (const ArraySourcePtr &p : m_parts) {
        if (p->info().shape != first.shape || p->info().dtype != first.dtype)
            fail(ErrorCategory::Mismatch,
                "cannot stack " + std::string(dtypeName(p->info().dtype)) + shapeString(p->info().shape) + " with "
                    + std::string(dtypeName(first.dtype)) + shapeString(first.shape));
    }
    m_info.dtype = first.dtype;
    m_info.shape = first.shape;
    m_info.shape.insert(m_info.shape.begin() + std::ptrdiff_t(axis), m_parts.size());
}

void StackArraySource::read(std::span<std::byte> out, const Progress &progress) const
{
    readSlab(Slab::whole(m_info.shape), out, progress);
}

void StackArraySource::readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress) const
{
    checkSlabOutput(m_info, slab, out);
    if (slab.numElements() == 0)
        return;
    const size_t item = itemSize(m_info.dtype);
    Slab sub = slab;
    sub.start.erase(sub.start.begin() + std::ptrdiff_t(m_axis));
    sub.count.erase(sub.count.begin() + std::ptrdiff_t(m_axis));
    const uint64_t outer = product(slab.count, 0, m_axis);
    const uint64_t inner = product(slab.count, m_axis + 1, slab.count.size());
    const uint64_t along = slab.count[m_axis];
    std::vector<std::byte> tmp(sub.numElements() * item);
    for (uint64_t k = 0; k < along; ++k) {
        progress.throwIfCancelled();
        m_parts[slab.start[m_axis] + k]->readSlab(sub, tmp, progress);
        for (uint64_t o = 0; o < outer; ++o)
            std::memcpy(out.data() + ((o * along + k) * inner) * item, tmp.data() + o * inner * item, inner * item);
    }
}

std::string StackArraySource::location() const
{
    return "stack of " + std::to_string(m_parts.size()) + " arrays, first " + m_parts.front()->location();
}

TakeArraySource::TakeArraySource(ArraySourcePtr base, size_t axis, uint64_t index)
    : m_base(std::move(base))
    , m_axis(axis)
    , m_index(index)
{
    const std::vector<uint64_t> &bs = m_base->info().shape;
    if (axis >= bs.size())
        fail(ErrorCategory::InvalidArgument,
            "axis " + std::to_string(axis) + " is outside an array of rank " + std::to_string(bs.size()));
    if (index >= bs[axis])
        fail(ErrorCategory::InvalidArgument,
            "index " + std::to_string(index) + " is outside dimension " + std::to_string(axis) + " of size "
                + std::to_string(bs[axis]));
    m_info.dtype = m_base->info().dtype;
    m_info.shape = bs;
    m_info.shape.erase(m_info.shape.begin() + std::ptrdiff_t(axis));
}

void TakeArraySource::read(std::span<std::byte> out, const Progress &progress) const
{
    readSlab(Slab::whole(m_info.shape), out, progress);
}

void TakeArraySource::readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress) const
{
    checkSlabOutput(m_info, slab, out);
    Slab b = slab;
    b.start.insert(b.start.begin() + std::ptrdiff_t(m_axis), m_index);
    b.count.insert(b.count.begin() + std::ptrdiff_t(m_axis), 1);
    m_base->readSlab(b, out, progress);
}

std::string TakeArraySource::location() const
{
    return m_base->location() + " [index " + std::to_string(m_index) + " of axis " + std::to_string(m_axis) + "]";
}

} // namespace ckpt
