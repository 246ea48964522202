#include "ops/edit/edit_sources.h"

#include "base/error.h"
#include "ops/edit/edit_convert.h"

#include <cstring>

namespace ckpt {
namespace {

/// Position inside `slab` (C order) of the element with flat index `flat`, or -1 when outside.
int64_t slabPosition(const std::vector<uint64_t> &shape, const Slab &slab, uint64_t flat)
{
    uint64_t pos = 0, stride = 1;
    for (size_t d = shape.size(); d-- > 0;) {
        const uint64_t ix = flat % shape[d];
        flat /= shape[d];
        if (ix < slab.start[d] || ix >= slab.start[d] + slab.count[d])
            return -1;
        pos += (ix - slab.start[d]) * stride;
        stride *= slab.count[d];
    }
    return int64_t(pos);
}

} // namespace

ConstantArraySource::ConstantArraySource(ArrayInfo info, std::vector<std::byte> element, std::string description)
    : m_info(std::move(info))
    , m_element(std::move(element))
    , m_description(std::move(description))
{
    m_info.chunkShape.clear();
    if (m_element.size() != itemSize(m_info.dtype))
        fail(ErrorCategory::InvalidArgument,
            "constant element has the wrong size for " + std::string(dtypeName(m_info.dtype)));
    if (!m_info.checkedNumElements())
        fail(ErrorCategory::InvalidArgument, "shape " + shapeString(m_info.shape) + " has too many elements");
}

void ConstantArraySource::read(std::span<std::byte> out, const Progress &progress) const
{
    readSlab(Slab::whole(m_info.shape), out, progress);
}

void ConstantArraySource::readSlab(const Slab &slab, std::span<std::byte> out, const Progress &) const
{
    checkSlabOutput(m_info, slab, out);
    const size_t item = m_element.size();
    for (size_t off = 0; off < out.size(); off += item)
        std::memcpy(out.data() + off, m_element.data(), item);
}

CastArraySource::CastArraySource(ArraySourcePtr base, DType to)
    : m_base(std::move(base))
{
    if (!m_base)
        fail(ErrorCategory::InvalidArgument, "cast of a missing array");
    m_info = m_base->info();
    m_info.dtype = to;
}

void CastArraySource::read(std::span<std::byte> out, const Progress &progress) const
{
    readSlab(Slab::whole(m_info.shape), out, progress);
}

void CastArraySource::readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress) const
{
    checkSlabOutput(m_info, slab, out);
    const DType from = m_base->info().dtype;
    std::vector<std::byte> in(slab.numElements() * itemSize(from));
    m_base->readSlab(slab, in, progress);
    convertElements(from, in.data(), m_info.dtype, out.data(), slab.numElements());
}

std::string CastArraySource::location() const
{
    return m_base->location() + " as " + std::string(dtypeName(m_info.dtype));
}

PatchedArraySource::PatchedArraySource(ArraySourcePtr base, std::map<uint64_t, std::vector<std::byte>> patches)
    : m_base(std::move(base))
    , m_patches(std::move(patches))
{
    if (!m_base)
        fail(ErrorCategory::InvalidArgument, "value edit of a missing array");
    const uint64_t n = m_base->info().numElements();
    const size_t item = itemSize(m_base->info().dtype);
    for (const auto &[index, bytes] : m_patches) {
        if (index >= n)
            fail(ErrorCategory::InvalidArgument,
                "element " + std::to_string(index) + " is outside an array of " + std::to_string(n) + " elements");
        if (bytes.size() != item)
            fail(ErrorCategory::InvalidArgument, "edited element has the wrong size");
    }
}

void PatchedArraySource::read(std::span<std::byte> out, const Progress &progress) const
{
    readSlab(Slab::whole(info().shape), out, progress);
}

void PatchedArraySource::readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress) const
{
    checkSlabOutput(info(), slab, out);
    m_base->readSlab(slab, out, progress);
    const size_t item = itemSize(info().dtype);
    for (const auto &[flat, bytes] : m_patches) {
        const int64_t pos = slabPosition(info().shape, slab, flat);
        if (pos >= 0)
            std::memcpy(out.data() + uint64_t(pos) * item, bytes.data(), item);
    }
}

std::string PatchedArraySource::location() const
{
    return m_base->location() + " with " + std::to_string(m_patches.size()) + " edited values";
}

} // namespace ckpt
