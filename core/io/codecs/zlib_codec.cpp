#include "io/codecs/zlib_codec.h"

#include "base/error.h"

#include <algorithm>
#include <climits>
#include <zlib.h>

namespace ckpt {

namespace {

// Window bits as zlib defines them: 15 = zlib wrapper, 15 + 16 = gzip wrapper.
constexpr int kZlibWindowBits = 15;
constexpr int kGzipWindowBits = 15 + 16;

std::vector<std::byte> inflateAll(
    std::span<const std::byte> input, uint64_t maxOutput, const std::string &name, uint64_t baseOffset, bool gzip)
{
    const char *codec = gzip ? "gzip: " : "zlib: ";
    z_stream zs{};
    if (inflateInit2(&zs, gzip ? kGzipWindowBits : kZlibWindowBits) != Z_OK)
        fail(ErrorCategory::Io, std::string(codec) + "cannot initialise inflate", name, baseOffset);
    struct Guard {
        z_stream *s;
        ~Guard() { inflateEnd(s); }
    } guard{&zs};

    auto failAt = [&](const std::string &what, size_t inPos) {
        fail(ErrorCategory::Corrupt, codec + what, name, baseOffset + inPos);
    };
    if (input.empty())
        failAt("empty input", 0);

    std::vector<std::byte> out(
        size_t(std::min<uint64_t>(std::max<uint64_t>(uint64_t(input.size()) * 4, 4096), maxOutput)));
    size_t inPos = 0;
    size_t produced = 0;
    for (;;) {
        // At the limit with a full buffer, decode into a probe byte: any output means "too large".
        const bool atLimit = produced == out.size() && out.size() >= maxOutput;
        if (produced == out.size() && !atLimit)
            out.resize(size_t(std::min<uint64_t>(uint64_t(out.size()) * 2, maxOutput)));
        Bytef probe = 0;
        const size_t chunk = std::min<size_t>(input.size() - inPos, UINT_MAX);
        const size_t room = atLimit ? 1 : std::min<size_t>(out.size() - produced, UINT_MAX);
        zs.next_in = reinterpret_cast<Bytef *>(const_cast<std::byte *>(input.data() + inPos));
        zs.avail_in = uInt(chunk);
        zs.next_out = atLimit ? &probe : reinterpret_cast<Bytef *>(out.data() + produced);
        zs.avail_out = uInt(room);
        const int r = inflate(&zs, Z_NO_FLUSH);
        inPos += chunk - zs.avail_in;
        const size_t written = room - zs.avail_out;
        if (atLimit && written > 0)
            failAt("decoded data is larger than the limit of " + std::to_string(maxOutput) + " bytes", inPos);
        if (!atLimit)
            produced += written;
        if (r == Z_STREAM_END) {
            if (inPos == input.size())
                break;
            if (!gzip)
                failAt("trailing bytes after the end of the stream", inPos);
            if (inflateReset(&zs) != Z_OK) // another gzip member follows
                failAt("cannot reset inflate", inPos);
            continue;
        }
        if (r != Z_OK && r != Z_BUF_ERROR)
            failAt(zs.msg ? zs.msg : "invalid data", inPos);
        if (inPos == input.size() && (atLimit || produced < out.size()))
            failAt("truncated stream", inPos);
    }
    out.resize(produced);
    return out;
}

} // namespace

std::vector<std::byte> zlibDecompress(
    std::span<const std::byte> input, uint64_t maxOutput, const std::string &name, uint64_t baseOffset)
{
    return inflateAll(input, maxOutput, name, baseOffset, false);
}

std::vector<std::byte> gzipDecompress(
    std::span<const std::byte> input, uint64_t maxOutput, const std::string &name, uint64_t baseOffset)
{
    return inflateAll(input, maxOutput, name, baseOffset, true);
}

} // namespace ckpt
