#include "io/flat_array_source.h"

#include "base/error.h"
#include "io/file.h"

#include <algorithm>

namespace ckpt {

FlatArraySource::FlatArraySource(ArrayInfo info, std::vector<Piece> pieces)
    : m_info(std::move(info))
    , m_pieces(std::move(pieces))
{
    uint64_t total = 0;
    for (const Piece &p : m_pieces) {
        m_pieceStart.push_back(total);
        total += p.bytes;
    }
    const uint64_t want = m_info.numBytes();
    if (total != want) {
        const Piece *first = m_pieces.empty() ? nullptr : &m_pieces.front();
        fail(ErrorCategory::Corrupt,
            "array data holds " + std::to_string(total) + " bytes but dtype " + std::string(dtypeName(m_info.dtype))
                + " and shape " + shapeString(m_info.shape) + " need " + std::to_string(want),
            first ? first->src->name() : std::string(), first ? std::optional<uint64_t>(first->offset) : std::nullopt);
    }
}

std::string FlatArraySource::location() const
{
    if (m_pieces.empty())
        return "empty";
    const Piece &p = m_pieces.front();
    std::string s = p.src->name() + " @ byte " + std::to_string(p.src->baseOffset() + p.offset);
    if (m_pieces.size() > 1)
        s += " (+" + std::to_string(m_pieces.size() - 1) + " more pieces)";
    return s;
}

std::string FlatArraySource::storageFingerprint() const
{
    // Only plain files have a stable identity; a buffer's name may be shared by different bytes.
    std::string s = "flat:" + std::string(dtypeName(m_info.dtype)) + shapeString(m_info.shape);
    for (const Piece &p : m_pieces) {
        const auto *file = dynamic_cast<const File *>(p.src.get());
        if (!file)
            return {};
        s += "|" + file->path() + ":" + std::to_string(file->size()) + ":" + std::to_string(p.offset) + "+"
            + std::to_string(p.bytes);
    }
    return s;
}

void FlatArraySource::readBytes(uint64_t byteOffset, std::span<std::byte> out) const
{
    // First piece that contains byteOffset.
    auto it = std::upper_bound(m_pieceStart.begin(), m_pieceStart.end(), byteOffset);
    size_t i = size_t(it - m_pieceStart.begin()) - 1;
    size_t done = 0;
    while (done < out.size()) {
        const Piece &p = m_pieces[i];
        const uint64_t within = byteOffset + done - m_pieceStart[i];
        const uint64_t n = std::min<uint64_t>(p.bytes - within, out.size() - done);
        p.src->readAt(p.offset + within, out.subspan(done, n));
        done += n;
        ++i;
    }
}

void FlatArraySource::read(std::span<std::byte> out, const Progress &progress) const
{
    if (out.size() != m_info.numBytes())
        fail(ErrorCategory::InvalidArgument, "output buffer does not match the array size");
    constexpr uint64_t kStep = 64u << 20; // report and check cancel every 64 MiB
    for (uint64_t off = 0; off < out.size(); off += kStep) {
        progress.throwIfCancelled();
        const uint64_t n = std::min<uint64_t>(kStep, out.size() - off);
        readBytes(off, out.subspan(off, n));
        progress.update(off + n, out.size());
    }
}

void FlatArraySource::readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress) const
{
    slab.validate(m_info.shape);
    const size_t item = itemSize(m_info.dtype);
    if (out.size() != slab.numElements() * item)
        fail(ErrorCategory::InvalidArgument, "output buffer does not match the slice size");
    const size_t rank = m_info.shape.size();
    if (out.empty())
        return;
    if (rank == 0) {
        readBytes(0, out);
        return;
    }
    // Rows along the last dimension; consecutive rows that touch in the file are read at once.
    const SlabRows rows(m_info.shape, slab);
    const uint64_t rowElems = rows.rowElements();
    uint64_t runStart = 0, runLen = 0; // flat element range pending
    size_t outPos = 0;
    auto flush = [&] {
        if (runLen) {
            readBytes(runStart * item, out.subspan(outPos, runLen * item));
            outPos += runLen * item;
        }
        runLen = 0;
    };
    for (uint64_t r = 0; r < rows.count(); ++r) {
        if ((r & 0xfff) == 0)
            progress.throwIfCancelled();
        const uint64_t off = rows.offset(r);
        if (runLen && runStart + runLen == off && runLen < (16u << 20)) {
            runLen += rowElems;
        } else {
            flush();
            runStart = off;
            runLen = rowElems;
        }
    }
    flush();
}

} // namespace ckpt
