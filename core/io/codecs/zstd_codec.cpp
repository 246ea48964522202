#include "io/codecs/zstd_codec.h"

#include "base/error.h"
#include "io/guarded_read.h"
#include "io/random_access.h"

#include <algorithm>
#include <memory>
#include <zstd.h>

namespace ckpt {

namespace {

struct DctxDeleter {
    void operator()(ZSTD_DCtx *c) const { ZSTD_freeDCtx(c); }
};
struct CctxDeleter {
    void operator()(ZSTD_CCtx *c) const { ZSTD_freeCCtx(c); }
};

[[noreturn]] void zstdFail(const std::string &what, const std::string &name, uint64_t offset)
{
    fail(ErrorCategory::Corrupt, "zstd: " + what, name, offset);
}

// Streams `input` into a buffer that `grow(pos)` may enlarge; returns the bytes produced.
// `grow` returns the new buffer (possibly unchanged when the limit is reached).
template <typename Grow>
size_t decompressStream(std::span<const std::byte> input, std::span<std::byte> buf, Grow &&grow, uint64_t maxOutput,
    const std::string &name, uint64_t baseOffset)
{
    std::unique_ptr<ZSTD_DCtx, DctxDeleter> ctx(ZSTD_createDCtx());
    if (!ctx)
        fail(ErrorCategory::Io, "zstd: out of memory", name, baseOffset);
    if (input.empty())
        zstdFail("empty input", name, baseOffset);
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    size_t produced = 0;
    for (;;) {
        if (produced == buf.size())
            buf = grow(produced);
        // With no room left, decode into a probe byte: any output means the limit is exceeded.
        const bool atLimit = produced == buf.size();
        std::byte probe[1];
        ZSTD_outBuffer out
            = atLimit ? ZSTD_outBuffer{probe, 1, 0} : ZSTD_outBuffer{buf.data() + produced, buf.size() - produced, 0};
        const size_t inBefore = in.pos;
        // The input may be a mapped file (see StoredChunk): read it inside a guarded call.
        size_t r = 0;
        if (!guarded([&] { r = ZSTD_decompressStream(ctx.get(), &out, &in); }))
            failShrunkWhileMapped(name, baseOffset + in.pos);
        if (ZSTD_isError(r))
            zstdFail(ZSTD_getErrorName(r), name, baseOffset + in.pos);
        if (atLimit && out.pos > 0)
            zstdFail("decoded data is larger than the limit of " + std::to_string(maxOutput) + " bytes", name,
                baseOffset + in.pos);
        if (!atLimit)
            produced += out.pos;
        if (r == 0 && in.pos == in.size)
            break; // last frame complete and flushed
        if (in.pos == in.size && in.pos == inBefore && out.pos == 0)
            zstdFail("truncated frame", name, baseOffset + in.pos);
    }
    return produced;
}

} // namespace

struct ZstdStream::Impl {
    std::shared_ptr<const RandomAccess> input;
    std::unique_ptr<ZSTD_DCtx, DctxDeleter> ctx{ZSTD_createDCtx()};
    std::vector<std::byte> buffer; // input bytes read but not consumed yet: buffer[pos, size)
    ZSTD_inBuffer in{nullptr, 0, 0};
    uint64_t readUpTo = 0; // input offset after the buffered bytes
    size_t last = 1; // last ZSTD_decompressStream result: 0 at a frame end
};

ZstdStream::ZstdStream(std::shared_ptr<const RandomAccess> input)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->input = std::move(input);
    if (!m_impl->ctx)
        fail(ErrorCategory::Io, "zstd: out of memory", m_impl->input->name(), m_impl->input->baseOffset());
    // Accept every valid frame (the default refuses windows over 128 MiB).
    ZSTD_DCtx_setParameter(
        m_impl->ctx.get(), ZSTD_d_windowLogMax, ZSTD_dParam_getBounds(ZSTD_d_windowLogMax).upperBound);
}

ZstdStream::~ZstdStream() = default;

void ZstdStream::read(std::span<std::byte> out)
{
    Impl &s = *m_impl;
    const std::string &name = s.input->name();
    const uint64_t base = s.input->baseOffset();
    ZSTD_outBuffer o{out.data(), out.size(), 0};
    while (o.pos < o.size) {
        if (s.in.pos == s.in.size) {
            const uint64_t left = s.input->size() - s.readUpTo;
            if (left == 0) {
                // No input left: whatever zstd still holds comes out, or the frames ended early.
                const size_t before = o.pos;
                s.last = ZSTD_decompressStream(s.ctx.get(), &o, &s.in);
                if (ZSTD_isError(s.last))
                    zstdFail(ZSTD_getErrorName(s.last), name, base + s.readUpTo);
                if (o.pos == before)
                    zstdFail(s.last == 0 ? "the data ends before the chunk does" : "truncated frame", name,
                        base + s.readUpTo);
                continue;
            }
            s.buffer.resize(size_t(std::min<uint64_t>(left, 1u << 20)));
            s.input->readAt(s.readUpTo, s.buffer);
            s.readUpTo += s.buffer.size();
            s.in = ZSTD_inBuffer{s.buffer.data(), s.buffer.size(), 0};
        }
        s.last = ZSTD_decompressStream(s.ctx.get(), &o, &s.in);
        if (ZSTD_isError(s.last))
            zstdFail(ZSTD_getErrorName(s.last), name, base + s.readUpTo - (s.in.size - s.in.pos));
    }
}

std::vector<std::byte> zstdDecompress(
    std::span<const std::byte> input, uint64_t maxOutput, const std::string &name, uint64_t baseOffset)
{
    std::vector<std::byte> out;
    uint64_t initial = std::max<uint64_t>(uint64_t(input.size()) * 4, 64 * 1024);
    const unsigned long long declared = ZSTD_getFrameContentSize(input.data(), input.size());
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR) {
        if (declared > maxOutput)
            zstdFail("frame declares " + std::to_string(declared) + " bytes, more than the limit of "
                    + std::to_string(maxOutput),
                name, baseOffset);
        initial = std::max<uint64_t>(declared, 1);
    }
    out.resize(size_t(std::min(initial, maxOutput)));
    auto grow = [&](size_t) -> std::span<std::byte> {
        if (out.size() < maxOutput)
            out.resize(size_t(std::min<uint64_t>(std::max<uint64_t>(uint64_t(out.size()) * 2, 4096), maxOutput)));
        return out;
    };
    const size_t n = decompressStream(input, out, grow, maxOutput, name, baseOffset);
    out.resize(n);
    return out;
}

size_t zstdDecompressInto(
    std::span<const std::byte> input, std::span<std::byte> out, const std::string &name, uint64_t baseOffset)
{
    auto grow = [&](size_t) { return out; };
    return decompressStream(input, out, grow, out.size(), name, baseOffset);
}

std::vector<std::byte> zstdCompress(std::span<const std::byte> input, int level)
{
    std::unique_ptr<ZSTD_CCtx, CctxDeleter> ctx(ZSTD_createCCtx());
    if (!ctx)
        fail(ErrorCategory::Io, "zstd: out of memory");
    ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_contentSizeFlag, 1);
    std::vector<std::byte> out(ZSTD_compressBound(input.size()));
    const size_t n = ZSTD_compress2(ctx.get(), out.data(), out.size(), input.data(), input.size());
    if (ZSTD_isError(n))
        fail(ErrorCategory::Io, std::string("zstd: compression failed: ") + ZSTD_getErrorName(n));
    out.resize(n);
    return out;
}

} // namespace ckpt
