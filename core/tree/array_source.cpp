#include "tree/array_source.h"

#include "base/error.h"
#include "tree/sequential_chunk_reader.h"

#include <cstring>

namespace ckpt {

uint64_t Slab::numElements() const
{
    uint64_t n = 1;
    for (uint64_t c : count)
        n *= c;
    return n;
}

void Slab::validate(const std::vector<uint64_t> &shape) const
{
    if (start.size() != shape.size() || count.size() != shape.size())
        fail(ErrorCategory::InvalidArgument,
            "slice has rank " + std::to_string(start.size()) + " but the array has rank "
                + std::to_string(shape.size()));
    for (size_t i = 0; i < shape.size(); ++i) {
        if (start[i] > shape[i] || count[i] > shape[i] - start[i])
            fail(ErrorCategory::InvalidArgument,
                "slice [" + std::to_string(start[i]) + ", " + std::to_string(start[i] + count[i]) + ") of dimension "
                    + std::to_string(i) + " is outside 0.." + std::to_string(shape[i]));
    }
}

Slab Slab::whole(const std::vector<uint64_t> &shape)
{
    return Slab{std::vector<uint64_t>(shape.size(), 0), shape};
}

SlabRows::SlabRows(const std::vector<uint64_t> &shape, const Slab &slab)
    : m_slab(slab)
    , m_stride(shape.size(), 1)
{
    const size_t rank = shape.size();
    for (size_t i = rank - 1; i > 0; --i)
        m_stride[i - 1] = m_stride[i] * shape[i];
    for (size_t i = 0; i + 1 < rank; ++i)
        m_rows *= slab.count[i];
}

uint64_t SlabRows::offset(uint64_t row) const
{
    // Decompose the row number into indices of the leading dimensions.
    const size_t rank = m_stride.size();
    uint64_t rest = row;
    uint64_t off = m_slab.start[rank - 1];
    for (size_t i = rank - 1; i > 0; --i) {
        const uint64_t ix = rest % m_slab.count[i - 1];
        rest /= m_slab.count[i - 1];
        off += (m_slab.start[i - 1] + ix) * m_stride[i - 1];
    }
    return off;
}

void copySlab(std::span<const std::byte> whole, const std::vector<uint64_t> &shape, size_t itemsize, const Slab &slab,
    std::span<std::byte> out)
{
    const size_t rank = shape.size();
    if (slab.numElements() == 0)
        return;
    if (rank == 0) {
        std::memcpy(out.data(), whole.data(), itemsize);
        return;
    }
    const SlabRows rows(shape, slab);
    const uint64_t rowBytes = rows.rowElements() * itemsize;
    std::byte *dst = out.data();
    for (uint64_t r = 0; r < rows.count(); ++r) {
        std::memcpy(dst, whole.data() + rows.offset(r) * itemsize, rowBytes);
        dst += rowBytes;
    }
}

void checkSlabOutput(const ArrayInfo &info, const Slab &slab, std::span<const std::byte> out)
{
    slab.validate(info.shape);
    if (out.size() != slab.numElements() * itemSize(info.dtype))
        fail(ErrorCategory::InvalidArgument, "output buffer does not match the slice size");
}

void ArraySource::readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress) const
{
    const ArrayInfo &ai = info();
    checkSlabOutput(ai, slab, out);
    std::vector<std::byte> whole = readAll(progress);
    copySlab(whole, ai.shape, itemSize(ai.dtype), slab, out);
}

std::vector<std::byte> ArraySource::readAll(const Progress &progress) const
{
    std::vector<std::byte> buf(info().numBytes());
    read(buf, progress);
    return buf;
}

MemoryArraySource::MemoryArraySource(ArrayInfo info, std::vector<std::byte> bytes, std::string location)
    : m_info(std::move(info))
    , m_bytes(std::move(bytes))
    , m_location(std::move(location))
{
    if (m_bytes.size() != m_info.numBytes())
        fail(ErrorCategory::InvalidArgument,
            "memory array holds " + std::to_string(m_bytes.size()) + " bytes, its shape needs "
                + std::to_string(m_info.numBytes()));
}

void MemoryArraySource::read(std::span<std::byte> out, const Progress &) const
{
    if (out.size() != m_bytes.size())
        fail(ErrorCategory::InvalidArgument, "output buffer does not match the array size");
    if (!m_bytes.empty()) // an empty array may have no storage at all: memcpy needs valid pointers
        std::memcpy(out.data(), m_bytes.data(), m_bytes.size());
}

void MemoryArraySource::readSlab(const Slab &slab, std::span<std::byte> out, const Progress &) const
{
    checkSlabOutput(m_info, slab, out);
    copySlab(m_bytes, m_info.shape, itemSize(m_info.dtype), slab, out);
}

} // namespace ckpt

namespace ckpt {

void readFlatRange(
    const ArraySource &source, uint64_t first, uint64_t count, std::span<std::byte> out, const Progress &progress)
{
    const ArrayInfo &info = source.info();
    const size_t item = itemSize(info.dtype);
    const size_t rank = info.shape.size();
    if (out.size() != count * item)
        fail(ErrorCategory::InvalidArgument, "output buffer does not match the element range");
    if (first > info.numElements() || count > info.numElements() - first)
        fail(ErrorCategory::InvalidArgument, "element range outside the array");
    if (count == 0)
        return;
    if (rank == 0) {
        source.read(out, progress);
        return;
    }
    // inner[j] = elements in one step of dimension j (product of the later dimensions).
    std::vector<uint64_t> inner(rank, 1);
    for (size_t j = rank - 1; j > 0; --j)
        inner[j - 1] = inner[j] * info.shape[j];
    uint64_t pos = first, left = count;
    size_t outPos = 0;
    while (left) {
        std::vector<uint64_t> idx(rank);
        uint64_t rest = pos;
        for (size_t j = 0; j < rank; ++j) {
            idx[j] = rest / inner[j];
            rest %= inner[j];
        }
        // Widest dimension j such that every later index is 0 and one step of j fits in what is left.
        size_t j = rank - 1;
        while (j > 0 && idx[j] == 0 && left >= inner[j - 1])
            --j;
        const uint64_t n = std::min(left / inner[j], info.shape[j] - idx[j]);
        Slab slab;
        slab.start = idx;
        slab.count.assign(rank, 1);
        slab.count[j] = n;
        for (size_t k = j + 1; k < rank; ++k)
            slab.count[k] = info.shape[k];
        const uint64_t elems = n * inner[j];
        source.readSlab(slab, out.subspan(outPos, elems * item), progress);
        outPos += elems * item;
        pos += elems;
        left -= elems;
    }
}

void streamArray(const ArraySource &source, const std::function<void(std::span<const std::byte>)> &sink,
    const Progress &progress, uint64_t pieceBytes)
{
    const ArrayInfo &info = source.info();
    const uint64_t total = info.numElements();
    const size_t item = itemSize(info.dtype);
    if (total * item <= pieceBytes || info.shape.empty()) {
        auto all = source.readAll(progress);
        sink(all);
        return;
    }
    const uint64_t step = std::max<uint64_t>(1, pieceBytes / item);
    std::vector<std::byte> buf;
    // Chunks larger than a piece decode front to back once instead of whole for every piece.
    const std::unique_ptr<SequentialChunkReader> chunks = SequentialChunkReader::make(source);
    for (uint64_t first = 0; first < total; first += step) {
        progress.throwIfCancelled();
        const uint64_t n = std::min(step, total - first);
        buf.resize(n * item);
        if (chunks)
            chunks->read(first, n, buf, progress);
        else
            readFlatRange(source, first, n, buf, progress);
        sink(buf);
    }
}

} // namespace ckpt
