#pragma once

#include "io/atomic_file.h"
#include "io/kvstore/ocdbt_writer.h"

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ckpt {

/// Destination of the keys of an Orbax item (`a/.zarray`, `a/0`, ...): values are written as a
/// stream (begin, append..., finish) so a chunk never has to be held in memory. Not thread-safe.
class ValueStore {
public:
    virtual ~ValueStore() = default;
    virtual void begin(const std::string &key) = 0;
    virtual void append(std::span<const std::byte> bytes) = 0;
    virtual void finish() = 0;
    /// Makes everything durable (data files fsynced, OCDBT manifest written). Call once, last.
    virtual void commit() = 0;

    void put(const std::string &key, std::span<const std::byte> bytes);
    void put(const std::string &key, const std::string &text);
};

/// Keys as plain files below `dir` (Orbax `use_ocdbt=False`): `dir/<key>`, folders created as needed.
std::unique_ptr<ValueStore> makeFileValueStore(std::string dir);

/// Keys in a new single-generation OCDBT database at `dir` (docs/formats.md §4.8): values up to
/// options.maxInlineValueBytes inline, larger ones appended to `d/<32 hex>` data files, a new file
/// started once one reaches `targetDataFileBytes` (0 = never).
std::unique_ptr<ValueStore> makeOcdbtValueStore(
    std::string dir, uint64_t targetDataFileBytes, OcdbtWriteOptions options = {});

} // namespace ckpt
