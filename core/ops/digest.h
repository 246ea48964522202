#pragma once

#include "base/progress.h"
#include "tree/node.h"

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace ckpt {

/// Incremental SHA-256 (FIPS 180-4).
class Sha256 {
public:
    /// `useHardware` false forces the portable code (tests compare both).
    explicit Sha256(bool useHardware = true);
    /// True when this CPU has the SHA extensions and they are used.
    static bool hardwareAvailable();
    void update(std::span<const std::byte> data);
    void update(const std::string &s);
    std::array<uint8_t, 32> finish();
    std::string finishHex();

private:
    void blocks(const uint8_t *p, size_t n);
    std::array<uint32_t, 8> m_h;
    bool m_hw;
    std::array<uint8_t, 64> m_buf{};
    size_t m_len = 0;
    uint64_t m_total = 0;
};

/// sha256 hex of an array's canonical bytes, read in bounded pieces (the `--digest` of the JSON contract).
std::string arrayDigest(const ArraySource &source, const Progress &progress = {});

/// sha256 hex of a bytes leaf.
std::string bytesDigest(const std::string &bytes);

} // namespace ckpt
