#include "io/codecs/blosc_codec.h"

#include "base/error.h"
#include "io/byte_reader.h"

#include <blosc.h>

namespace ckpt {

std::vector<std::byte> bloscDecompress(
    std::span<const std::byte> input, uint64_t maxOutput, const std::string &name, uint64_t baseOffset)
{
    ByteReader r(input, name, baseOffset);
    const uint8_t version = r.u8();
    r.u8(); // versionlz
    r.u8(); // flags
    r.u8(); // typesize
    const uint32_t nbytes = r.u32le();
    r.u32le(); // blocksize
    const uint32_t cbytes = r.u32le();
    r.check("blosc: chunk header");
    if (version == 0 || version > BLOSC_VERSION_FORMAT)
        fail(ErrorCategory::Unsupported, "blosc: chunk format version " + std::to_string(version) + " is not supported",
            name, baseOffset);
    if (cbytes < kBloscHeaderSize)
        fail(ErrorCategory::Corrupt, "blosc: compressed size " + std::to_string(cbytes) + " is smaller than the header",
            name, baseOffset + 12);
    if (cbytes > input.size())
        fail(ErrorCategory::Corrupt,
            "blosc: header says " + std::to_string(cbytes) + " compressed bytes but only "
                + std::to_string(input.size()) + " exist",
            name, baseOffset + 12);
    if (nbytes > maxOutput)
        fail(ErrorCategory::Corrupt,
            "blosc: header says " + std::to_string(nbytes) + " decoded bytes, more than the limit of "
                + std::to_string(maxOutput),
            name, baseOffset + 4);
    size_t validated = 0;
    if (blosc_cbuffer_validate(input.data(), cbytes, &validated) < 0 || validated != nbytes)
        fail(ErrorCategory::Corrupt, "blosc: invalid chunk header", name, baseOffset);
    std::vector<std::byte> out(nbytes);
    if (nbytes == 0)
        return out;
    const int n = blosc_decompress_ctx(input.data(), out.data(), out.size(), 1);
    if (n < 0 || uint32_t(n) != nbytes)
        fail(ErrorCategory::Corrupt, "blosc: chunk does not decode (code " + std::to_string(n) + ")", name, baseOffset);
    return out;
}

} // namespace ckpt
