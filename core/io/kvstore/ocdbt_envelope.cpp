#include "io/kvstore/ocdbt_envelope.h"

#include "base/error.h"
#include "io/byte_reader.h"
#include "io/codecs/crc32c.h"
#include "io/codecs/zstd_codec.h"

#include <cstdio>
#include <cstring>

namespace ckpt {

namespace {
constexpr uint64_t kFormatVersion = 0; // the only OCDBT format version
constexpr uint64_t kCompressionRaw = 0;
constexpr uint64_t kCompressionZstd = 1;

std::string hex32(uint32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}
} // namespace

OcdbtBody decodeOcdbtEnvelope(std::span<const std::byte> encoded, uint32_t magic, uint64_t maxBodyBytes,
    const std::string &file, uint64_t baseOffset)
{
    auto corrupt
        = [&](const std::string &msg, uint64_t at) { fail(ErrorCategory::Corrupt, msg, file, baseOffset + at); };
    if (encoded.size() < kOcdbtMinEnvelopeSize)
        corrupt("OCDBT object of " + std::to_string(encoded.size()) + " bytes is shorter than the minimum of 16", 0);
    ByteReader r(encoded.first(encoded.size() - 4), file, baseOffset);
    const uint32_t got = r.u32be();
    if (got != magic)
        corrupt("OCDBT magic " + hex32(got) + " where " + hex32(magic) + " was expected", 0);
    const uint64_t length = r.u64le();
    if (length != encoded.size())
        corrupt("OCDBT length field says " + std::to_string(length) + " bytes but the object has "
                + std::to_string(encoded.size()),
            4);
    const size_t crcPos = encoded.size() - 4;
    uint32_t stored = 0;
    for (int i = 0; i < 4; ++i)
        stored |= uint32_t(uint8_t(encoded[crcPos + i])) << (8 * i);
    const uint32_t actual = crc32c(encoded.first(crcPos));
    if (stored != actual)
        corrupt("OCDBT CRC-32C mismatch: stored " + hex32(stored) + ", computed " + hex32(actual), crcPos);
    const uint64_t version = r.varint();
    r.check("OCDBT header");
    if (version != kFormatVersion)
        corrupt("unsupported OCDBT format version " + std::to_string(version), 12);
    const size_t compressionPos = r.pos();
    const uint64_t compression = r.varint();
    r.check("OCDBT header");
    const size_t payloadPos = r.pos();
    auto payload = encoded.subspan(payloadPos, crcPos - payloadPos);

    OcdbtBody body;
    body.file = file;
    body.envelopeOffset = baseOffset;
    body.bodyOffset = baseOffset + payloadPos;
    if (compression == kCompressionRaw) {
        if (payload.size() > maxBodyBytes)
            corrupt("OCDBT body of " + std::to_string(payload.size()) + " bytes exceeds the limit of "
                    + std::to_string(maxBodyBytes),
                payloadPos);
        body.bytes.assign(payload.begin(), payload.end());
    } else if (compression == kCompressionZstd) {
        body.compressed = true;
        body.bytes = zstdDecompress(payload, maxBodyBytes, file, baseOffset + payloadPos);
    } else {
        corrupt("unknown OCDBT compression method " + std::to_string(compression), compressionPos);
    }
    return body;
}

void rethrowOcdbtBodyError(const OcdbtBody &body)
{
    try {
        throw;
    } catch (const Exception &e) {
        Error err = e.error();
        if (err.category != ErrorCategory::Corrupt || err.file != body.file)
            throw;
        const uint64_t at = err.byteOffset.value_or(0);
        if (body.compressed) {
            err.message += " (at byte " + std::to_string(at) + " of the zstd-compressed body)";
            err.byteOffset = body.envelopeOffset;
        } else {
            err.byteOffset = body.bodyOffset + at;
        }
        throw Exception(std::move(err));
    }
}

std::vector<std::byte> encodeOcdbtEnvelope(
    uint32_t magic, std::span<const std::byte> body, bool compress, int zstdLevel)
{
    std::vector<std::byte> out;
    for (int i = 3; i >= 0; --i)
        out.push_back(std::byte(uint8_t(magic >> (8 * i))));
    appendU64le(out, 0); // length, patched below
    appendVarint(out, kFormatVersion);
    if (compress) {
        appendVarint(out, kCompressionZstd);
        appendBytes(out, zstdCompress(body, zstdLevel));
    } else {
        appendVarint(out, kCompressionRaw);
        appendBytes(out, body);
    }
    const uint64_t length = out.size() + 4;
    for (int i = 0; i < 8; ++i)
        out[4 + i] = std::byte(uint8_t(length >> (8 * i)));
    appendU32le(out, crc32c(out));
    return out;
}

void appendVarint(std::vector<std::byte> &out, uint64_t v)
{
    while (v >= 0x80) {
        out.push_back(std::byte(uint8_t(v | 0x80)));
        v >>= 7;
    }
    out.push_back(std::byte(uint8_t(v)));
}

void appendU64le(std::vector<std::byte> &out, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        out.push_back(std::byte(uint8_t(v >> (8 * i))));
}

void appendU32le(std::vector<std::byte> &out, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        out.push_back(std::byte(uint8_t(v >> (8 * i))));
}

void appendBytes(std::vector<std::byte> &out, std::span<const std::byte> bytes)
{
    out.insert(out.end(), bytes.begin(), bytes.end());
}

void appendString(std::vector<std::byte> &out, std::string_view s)
{
    const auto *p = reinterpret_cast<const std::byte *>(s.data());
    out.insert(out.end(), p, p + s.size());
}

} // namespace ckpt
