#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ckpt {

// OCDBT object magics (big-endian u32 at offset 0 of every encoded object). On-disk constants
// defined by TensorStore's OCDBT format; never change them.
inline constexpr uint32_t kOcdbtManifestMagic = 0x0cdb3a2a;
inline constexpr uint32_t kOcdbtVersionNodeMagic = 0x0cdb1234;
inline constexpr uint32_t kOcdbtBtreeNodeMagic = 0x0cdb20de;
/// Smallest possible envelope: magic + length + crc32c.
inline constexpr size_t kOcdbtMinEnvelopeSize = 16;
/// Keys and paths are at most this long (their lengths are u16 varints).
inline constexpr uint64_t kOcdbtMaxPathLength = 65535;

/// A decoded envelope body and where errors inside it should point.
struct OcdbtBody {
    std::vector<std::byte> bytes; ///< the (decompressed) body
    bool compressed = false; ///< body was a zstd frame
    std::string file; ///< file holding the envelope
    uint64_t envelopeOffset = 0; ///< file offset of the magic
    uint64_t bodyOffset = 0; ///< file offset of the raw body (meaningful when !compressed)
};

/// Checks and unwraps an envelope (docs/formats.md §4.2): magic, length field == encoded.size(), format
/// version 0, crc32c of everything before the last 4 bytes, compression 0 (raw) or 1 (zstd, at most
/// `maxBodyBytes` decoded). Throws Exception{Corrupt} naming `file` and the file offset
/// (`baseOffset` = offset of encoded[0] in `file`); a CRC mismatch names the offset of the CRC field.
OcdbtBody decodeOcdbtEnvelope(std::span<const std::byte> encoded, uint32_t magic, uint64_t maxBodyBytes,
    const std::string &file, uint64_t baseOffset = 0);

/// Wraps `body`: magic, length, version 0, compression (zstd at `zstdLevel` when `compress`), crc32c.
std::vector<std::byte> encodeOcdbtEnvelope(
    uint32_t magic, std::span<const std::byte> body, bool compress, int zstdLevel = 0);

/// Runs `parse` and rethrows a Corrupt error raised while reading body bytes so that it names the
/// real place: the file offset for raw bodies, or the envelope offset plus "body byte N" for zstd
/// bodies. `parse` must report positions as offsets into body.bytes (ByteReader base 0).
template <typename F> auto withOcdbtBodyContext(const OcdbtBody &body, F &&parse) -> decltype(parse());
[[noreturn]] void rethrowOcdbtBodyError(const OcdbtBody &body);

template <typename F> auto withOcdbtBodyContext(const OcdbtBody &body, F &&parse) -> decltype(parse())
{
    try {
        return parse();
    } catch (...) {
        rethrowOcdbtBodyError(body);
    }
}

/// Little helpers for encoders: unsigned LEB128 and fixed little-endian integers appended to `out`.
void appendVarint(std::vector<std::byte> &out, uint64_t v);
void appendU64le(std::vector<std::byte> &out, uint64_t v);
void appendU32le(std::vector<std::byte> &out, uint32_t v);
void appendBytes(std::vector<std::byte> &out, std::span<const std::byte> bytes);
void appendString(std::vector<std::byte> &out, std::string_view s);

} // namespace ckpt
