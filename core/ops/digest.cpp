#include "ops/digest.h"

#include "io/flat_array_source.h"
#include "tree/sequential_chunk_reader.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace ckpt {
namespace {

constexpr uint32_t kRound[64] = {0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
    0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138,
    0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70,
    0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
    0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa,
    0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t rotr(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

void portableBlock(std::array<uint32_t, 8> &m_h, const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
        w[i] = uint32_t(p[4 * i]) << 24 | uint32_t(p[4 * i + 1]) << 16 | uint32_t(p[4 * i + 2]) << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; ++i) {
        const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = m_h[0], b = m_h[1], c = m_h[2], d = m_h[3], e = m_h[4], f = m_h[5], g = m_h[6], h = m_h[7];
    for (int i = 0; i < 64; ++i) {
        const uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        const uint32_t ch = (e & f) ^ (~e & g);
        const uint32_t t1 = h + S1 + ch + kRound[i] + w[i];
        const uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        const uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        const uint32_t t2 = S0 + maj;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    m_h[0] += a;
    m_h[1] += b;
    m_h[2] += c;
    m_h[3] += d;
    m_h[4] += e;
    m_h[5] += f;
    m_h[6] += g;
    m_h[7] += h;
}

#if defined(__x86_64__)
/// SHA-256 compression with the x86 SHA extensions: four rounds per sha256rnds2 pair, the message
/// schedule from sha256msg1/sha256msg2.
__attribute__((target("sha,sse4.1,ssse3"))) void shaNiBlocks(std::array<uint32_t, 8> &h, const uint8_t *p, size_t n)
{
    const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(&h[0])), 0xB1); // CDAB
    __m128i state1 = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(&h[4])), 0x1B); // EFGH
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8); // ABEF
    state1 = _mm_blend_epi16(state1, tmp, 0xF0); // CDGH
    for (size_t b = 0; b < n; ++b, p += 64) {
        const __m128i abefSave = state0, cdghSave = state1;
        __m128i w[4];
        for (int g = 0; g < 16; ++g) {
            __m128i &cur = w[g & 3];
            if (g < 4) {
                cur = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p + 16 * g)), byteSwap);
            } else {
                // W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16] for four t at once.
                const __m128i &m4 = w[g & 3], &m3 = w[(g + 1) & 3], &m2 = w[(g + 2) & 3], &m1 = w[(g + 3) & 3];
                __m128i x = _mm_sha256msg1_epu32(m4, m3);
                x = _mm_add_epi32(x, _mm_alignr_epi8(m1, m2, 4));
                cur = _mm_sha256msg2_epu32(x, m1);
            }
            __m128i msg = _mm_add_epi32(cur, _mm_loadu_si128(reinterpret_cast<const __m128i *>(kRound + 4 * g)));
            state1 = _mm_sha256rnds2_epu32(state1, state0, msg);
            msg = _mm_shuffle_epi32(msg, 0x0E);
            state0 = _mm_sha256rnds2_epu32(state0, state1, msg);
        }
        state0 = _mm_add_epi32(state0, abefSave);
        state1 = _mm_add_epi32(state1, cdghSave);
    }
    tmp = _mm_shuffle_epi32(state0, 0x1B); // FEBA
    state1 = _mm_shuffle_epi32(state1, 0xB1); // DCHG
    state0 = _mm_blend_epi16(tmp, state1, 0xF0); // DCBA
    state1 = _mm_alignr_epi8(state1, tmp, 8); // HGFE
    _mm_storeu_si128(reinterpret_cast<__m128i *>(&h[0]), state0);
    _mm_storeu_si128(reinterpret_cast<__m128i *>(&h[4]), state1);
}
#endif

} // namespace

bool Sha256::hardwareAvailable()
{
#if defined(__x86_64__)
    static const bool available = [] {
        unsigned a, b, c, d;
        if (!__get_cpuid(1, &a, &b, &c, &d))
            return false;
        const bool sse = (c & (1u << 19)) && (c & (1u << 9)); // SSE4.1, SSSE3
        if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
            return false;
        return sse && (b & (1u << 29)); // SHA
    }();
    return available;
#else
    return false;
#endif
}

Sha256::Sha256(bool useHardware)
    : m_h{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}
    , m_hw(useHardware && hardwareAvailable())
{ }

void Sha256::blocks(const uint8_t *p, size_t n)
{
#if defined(__x86_64__)
    if (m_hw) {
        shaNiBlocks(m_h, p, n);
        return;
    }
#endif
    for (size_t i = 0; i < n; ++i)
        portableBlock(m_h, p + 64 * i);
}

void Sha256::update(std::span<const std::byte> data)
{
    const auto *p = reinterpret_cast<const uint8_t *>(data.data());
    size_t n = data.size();
    m_total += n;
    if (m_len) {
        const size_t take = std::min(n, 64 - m_len);
        std::memcpy(m_buf.data() + m_len, p, take);
        m_len += take;
        p += take;
        n -= take;
        if (m_len == 64) {
            blocks(m_buf.data(), 1);
            m_len = 0;
        }
    }
    if (n >= 64) {
        blocks(p, n / 64);
        p += n / 64 * 64;
        n %= 64;
    }
    if (n) {
        std::memcpy(m_buf.data(), p, n);
        m_len = n;
    }
}

void Sha256::update(const std::string &s)
{
    update(std::span<const std::byte>(reinterpret_cast<const std::byte *>(s.data()), s.size()));
}

std::array<uint8_t, 32> Sha256::finish()
{
    const uint64_t bits = m_total * 8;
    const uint8_t pad = 0x80;
    update(std::span<const std::byte>(reinterpret_cast<const std::byte *>(&pad), 1));
    const uint8_t zero = 0;
    while (m_len != 56)
        update(std::span<const std::byte>(reinterpret_cast<const std::byte *>(&zero), 1));
    uint8_t len[8];
    for (int i = 0; i < 8; ++i)
        len[i] = uint8_t(bits >> (56 - 8 * i));
    update(std::span<const std::byte>(reinterpret_cast<const std::byte *>(len), 8));
    std::array<uint8_t, 32> out{};
    for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 4; ++j)
            out[4 * i + j] = uint8_t(m_h[i] >> (24 - 8 * j));
    return out;
}

std::string Sha256::finishHex()
{
    const auto d = finish();
    static const char *hex = "0123456789abcdef";
    std::string s;
    for (uint8_t b : d) {
        s += hex[b >> 4];
        s += hex[b & 15];
    }
    return s;
}

std::string arrayDigest(const ArraySource &source, const Progress &progress)
{
    const ArrayInfo &info = source.info();
    const uint64_t total = info.numBytes();
    Sha256 h;
    const std::unique_ptr<SequentialChunkReader> chunks = SequentialChunkReader::make(source);
    if (chunks || dynamic_cast<const FlatArraySource *>(&source)) {
        // Bytes stored as they are, or chunks that decode front to back: hash them through one
        // small buffer per thread, so no array-sized allocation (and its page faults) happens per
        // leaf, and every chunk is decoded once.
        thread_local std::vector<std::byte> piece;
        constexpr uint64_t kPiece = 4u << 20;
        const uint64_t elems = info.numElements();
        const uint64_t step = std::max<uint64_t>(1, kPiece / itemSize(info.dtype));
        for (uint64_t first = 0; first < elems; first += step) {
            progress.throwIfCancelled();
            const uint64_t n = std::min(step, elems - first);
            piece.resize(n * itemSize(info.dtype));
            if (chunks)
                chunks->read(first, n, piece, progress);
            else
                readFlatRange(source, first, n, piece, progress);
            h.update(piece);
        }
        return h.finishHex();
    }
    if (info.shape.empty() || total <= (64u << 20)) {
        h.update(source.readAll(progress));
        return h.finishHex();
    }
    const size_t item = itemSize(info.dtype);
    const uint64_t rowBytes = (info.numElements() / std::max<uint64_t>(1, info.shape[0])) * item;
    if (rowBytes == 0)
        return h.finishHex();
    const uint64_t rowsPerStep = std::max<uint64_t>(1, (64u << 20) / rowBytes);
    std::vector<std::byte> buf;
    for (uint64_t r = 0; r < info.shape[0]; r += rowsPerStep) {
        progress.throwIfCancelled();
        Slab slab = Slab::whole(info.shape);
        slab.start[0] = r;
        slab.count[0] = std::min(rowsPerStep, info.shape[0] - r);
        buf.resize(slab.count[0] * rowBytes);
        source.readSlab(slab, buf, progress);
        h.update(buf);
    }
    return h.finishHex();
}

std::string bytesDigest(const std::string &bytes)
{
    Sha256 h;
    h.update(bytes);
    return h.finishHex();
}

} // namespace ckpt
