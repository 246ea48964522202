#pragma once

#include "tree/array_source.h"

#include <vector>

namespace ckpt {

/// The same elements in C order under another shape of equal element count (NumPy reshape of a
/// C-contiguous array). Slabs read as runs of consecutive base elements. Thread-safe when the base is.
class ReshapeArraySource final : public ArraySource {
public:
    /// Throws Mismatch when the element counts differ.
    ReshapeArraySource(ArraySourcePtr base, std::vector<uint64_t> shape);
    const ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const Progress &progress = {}) const override;
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress = {}) const override;
    std::string location() const override;

private:
    ArraySourcePtr m_base;
    ArrayInfo m_info;
};

/// NumPy `transpose(axes)`: output dimension i is base dimension axes[i]. A slab reads the matching
/// base slab and permutes it in memory. Thread-safe when the base is.
class TransposeArraySource final : public ArraySource {
public:
    /// Throws InvalidArgument unless `axes` is a permutation of 0..rank-1.
    TransposeArraySource(ArraySourcePtr base, std::vector<size_t> axes);
    const ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const Progress &progress = {}) const override;
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress = {}) const override;
    std::string location() const override;

private:
    ArraySourcePtr m_base;
    std::vector<size_t> m_axes;
    ArrayInfo m_info;
};

/// NumPy `stack(parts, axis)`: parts of equal shape and dtype along a new dimension `axis`.
/// A slab reads only the parts and sub-slabs it covers. Thread-safe when the parts are.
class StackArraySource final : public ArraySource {
public:
    /// Throws Mismatch when parts differ in shape or dtype, InvalidArgument for an empty list or bad axis.
    StackArraySource(std::vector<ArraySourcePtr> parts, size_t axis);
    const ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const Progress &progress = {}) const override;
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress = {}) const override;
    std::string location() const override;

private:
    std::vector<ArraySourcePtr> m_parts;
    size_t m_axis;
    ArrayInfo m_info;
};

/// One index along `axis` of the base, that dimension removed (`base[..., index, ...]`, unstack).
/// Thread-safe when the base is.
class TakeArraySource final : public ArraySource {
public:
    /// Throws InvalidArgument when axis or index are out of range.
    TakeArraySource(ArraySourcePtr base, size_t axis, uint64_t index);
    const ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const Progress &progress = {}) const override;
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress = {}) const override;
    std::string location() const override;

private:
    ArraySourcePtr m_base;
    size_t m_axis;
    uint64_t m_index;
    ArrayInfo m_info;
};

} // namespace ckpt
