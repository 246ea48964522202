#include "formats/zarr/chunk_encoder.h"

#include "base/error.h"
#include "io/codecs/crc32c.h"
#include "tree/box_pieces.h"

#include <zstd.h>

#include <array>
#include <cstring>

namespace ckpt::zarr {
namespace {

/// One zstd frame written through a sink. Not thread-safe; one per chunk.
class ZstdFrameWriter {
public:
    ZstdFrameWriter(int level, uint64_t contentSize, std::function<void(std::span<const std::byte>)> sink)
        : m_ctx(ZSTD_createCCtx())
        , m_sink(std::move(sink))
        , m_out(ZSTD_CStreamOutSize())
    {
        if (!m_ctx)
            fail(ErrorCategory::Io, "out of memory creating a zstd context");
        ZSTD_CCtx_setParameter(m_ctx, ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setPledgedSrcSize(m_ctx, contentSize);
    }
    ~ZstdFrameWriter() { ZSTD_freeCCtx(m_ctx); }
    ZstdFrameWriter(const ZstdFrameWriter &) = delete;
    ZstdFrameWriter &operator=(const ZstdFrameWriter &) = delete;

    void write(std::span<const std::byte> in) { run(in, ZSTD_e_continue); }
    void end() { run({}, ZSTD_e_end); }

private:
    void run(std::span<const std::byte> in, ZSTD_EndDirective mode)
    {
        ZSTD_inBuffer input{in.data(), in.size(), 0};
        for (;;) {
            ZSTD_outBuffer output{m_out.data(), m_out.size(), 0};
            const size_t rc = ZSTD_compressStream2(m_ctx, &output, &input, mode);
            if (ZSTD_isError(rc))
                fail(ErrorCategory::Io, std::string("zstd compression failed: ") + ZSTD_getErrorName(rc));
            if (output.pos)
                m_sink(std::span<const std::byte>(m_out.data(), output.pos));
            if (mode == ZSTD_e_end ? rc == 0 : input.pos == input.size)
                break;
        }
    }

    ZSTD_CCtx *m_ctx;
    std::function<void(std::span<const std::byte>)> m_sink;
    std::vector<std::byte> m_out;
};

void putLE64(std::byte *p, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        p[i] = std::byte((v >> (8 * i)) & 0xff);
}

} // namespace

void encodeChunk(const ArraySource &source, const Slab &box, const ChunkEncoding &enc, ValueStore &store,
    const Progress &progress, const std::function<void(uint64_t)> &onBytes)
{
    const uint64_t rawBytes = box.numElements() * itemSize(source.info().dtype);
    uint64_t written = 0;
    auto sink = [&](std::span<const std::byte> b) {
        written += b.size();
        store.append(b);
    };
    if (enc.compress) {
        ZstdFrameWriter z(enc.zarr3 ? 3 : 1, rawBytes, sink);
        streamBox(
            source, box,
            [&](std::span<const std::byte> piece) {
                z.write(piece);
                if (onBytes)
                    onBytes(piece.size());
            },
            progress, enc.pieceBytes);
        z.end();
    } else {
        streamBox(
            source, box,
            [&](std::span<const std::byte> piece) {
                sink(piece);
                if (onBytes)
                    onBytes(piece.size());
            },
            progress, enc.pieceBytes);
    }
    if (enc.zarr3) {
        // Shard index: one entry {offset, nbytes} for the single inner chunk, then crc32c(index).
        std::array<std::byte, 20> index{};
        putLE64(index.data(), 0);
        putLE64(index.data() + 8, written);
        const uint32_t crc = crc32c(std::span<const std::byte>(index.data(), 16));
        for (int i = 0; i < 4; ++i)
            index[16 + size_t(i)] = std::byte((crc >> (8 * i)) & 0xff);
        store.append(index);
    }
}

} // namespace ckpt::zarr
