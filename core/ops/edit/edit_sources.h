#pragma once

#include "tree/array_source.h"

#include <cstddef>
#include <map>
#include <vector>

namespace ckpt {

/// Every element equals one value (zeros, ones, a constant). Holds one element; reads fill the
/// output on demand, so a huge shape costs nothing until read. Thread-safe (immutable).
class ConstantArraySource final : public ArraySource {
public:
    /// `element` is one canonical element of info.dtype (itemSize bytes).
    ConstantArraySource(ArrayInfo info, std::vector<std::byte> element, std::string description);
    const ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const Progress &progress = {}) const override;
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress = {}) const override;
    std::string location() const override { return m_description; }

private:
    ArrayInfo m_info;
    std::vector<std::byte> m_element;
    std::string m_description;
};

/// `base` converted element by element to another dtype on every read (edit_convert.h rules).
/// Reads only what the slab needs from the base. Thread-safe when the base is.
class CastArraySource final : public ArraySource {
public:
    CastArraySource(ArraySourcePtr base, DType to);
    const ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const Progress &progress = {}) const override;
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress = {}) const override;
    std::string location() const override;
    const ArraySourcePtr &base() const { return m_base; }

private:
    ArraySourcePtr m_base;
    ArrayInfo m_info;
};

/// `base` with some elements replaced (value edits of small arrays). `patches` maps a C-order
/// flat element index to one canonical element of the base dtype. Thread-safe when the base is.
class PatchedArraySource final : public ArraySource {
public:
    /// Throws InvalidArgument when an index is outside the array or an element has the wrong size.
    PatchedArraySource(ArraySourcePtr base, std::map<uint64_t, std::vector<std::byte>> patches);
    const ArrayInfo &info() const override { return m_base->info(); }
    void read(std::span<std::byte> out, const Progress &progress = {}) const override;
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress = {}) const override;
    std::string location() const override;

private:
    ArraySourcePtr m_base;
    std::map<uint64_t, std::vector<std::byte>> m_patches;
};

} // namespace ckpt
