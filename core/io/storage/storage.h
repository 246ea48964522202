#pragma once

#include "base/progress.h"
#include "io/random_access.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ckpt {

/// What a store knows about one object without reading it.
struct ObjectInfo {
    uint64_t size = 0;
    /// The stored version the object's reads are pinned to: a GCS generation, an S3 or HTTP ETag.
    /// Empty when the server gives none (reads are then not pinned).
    std::string version;
};

/// One entry of a listing: a full key (relative to the store's root) and its size.
struct ListedObject {
    std::string key;
    ObjectInfo info;
};

/// A listing of a prefix. With a delimiter, `prefixes` holds the "sub-folders" (full keys ending
/// in '/'); without one, every object under the prefix is in `objects`.
struct StorageListing {
    std::vector<ListedObject> objects; ///< sorted by key
    std::vector<std::string> prefixes; ///< sorted
};

/// An object store: a GCS or S3 bucket, or an HTTP server root. Keys are '/'-separated paths
/// without a leading '/'. Implementations are thread-safe and immutable after construction apart
/// from their caches. Every failure is an Exception naming the object's URL (never a secret):
/// {MissingData} for an absent object a read needs, {Auth} when the credentials are refused,
/// {Io} for the network, {Unsupported} for what the store cannot do (listing a plain web server).
class Storage {
public:
    Storage() = default;
    Storage(const Storage &) = delete;
    Storage &operator=(const Storage &) = delete;
    Storage(Storage &&) = delete;
    Storage &operator=(Storage &&) = delete;
    virtual ~Storage() = default;

    /// The URL of `key` as people write it: "gs://bucket/key", "s3://bucket/key", "https://host/key".
    virtual std::string urlOf(std::string_view key) const = 0;

    /// Size and version of `key`, or nullopt when no such object exists.
    virtual std::optional<ObjectInfo> stat(const std::string &key) const = 0;

    /// Objects (and, when `delimited`, sub-prefixes) whose keys start with `prefix`.
    virtual StorageListing list(const std::string &prefix, bool delimited) const = 0;

    /// Whether list() works at all (a plain web server may offer no listing).
    virtual bool canList() const { return true; }

    /// The object as lazily read bytes whose reads are pinned to `info.version`; reads fetch only
    /// the byte ranges they need.
    virtual RandomAccessPtr open(const std::string &key, const ObjectInfo &info) const = 0;

    /// Creates or replaces `key` with `bytes`. Throws Exception{Unsupported} on read-only stores.
    virtual void put(const std::string &key, std::string_view bytes) const = 0;

    /// Creates or replaces `key` with the local file `path`, read part by part so memory stays
    /// bounded whatever its size (S3 multipart upload, GCS resumable upload). `progress` gets the
    /// bytes of this object sent so far and may cancel; a cancelled or failed upload leaves no
    /// object behind (an S3 multipart upload is aborted). Throws like put(), {Io} when the file
    /// cannot be read.
    virtual void putFile(const std::string &key, const std::string &path, const Progress &progress) const = 0;

    /// Deletes `key`; deleting an absent key is not an error.
    virtual void remove(const std::string &key) const = 0;

    /// Forgets what the caches know below `prefix`, so the next question asks the server again
    /// (a run being written gets new steps).
    virtual void refresh(const std::string &prefix) const { (void)prefix; }
};

using StoragePtr = std::shared_ptr<const Storage>;

} // namespace ckpt
