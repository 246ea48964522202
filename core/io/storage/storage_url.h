#pragma once

#include "io/storage/storage.h"

#include <string>
#include <string_view>

namespace ckpt {

/// A parsed storage URL: `gs://bucket/key`, `s3://bucket/key`, `http(s)://host[:port]/key`.
struct StorageUrl {
    std::string scheme; ///< "gs", "s3", "http", "https"
    std::string bucket; ///< bucket name, or host[:port] for http(s)
    std::string key; ///< object key or folder, without a leading '/', percent-decoded for http(s)
};

/// True when `path` starts with one of the schemes above (case-insensitive). Everything else is a
/// local path.
bool isStorageUrl(std::string_view path);

/// Parses `url`; throws Exception{InvalidArgument} for an empty bucket or host, a query or a
/// fragment, or a key that climbs out with "..".
StorageUrl parseStorageUrl(std::string_view url);

/// The store of `url`'s bucket or host, shared by every caller (and so are its caches).
/// Credentials and endpoints come from the environment (docs/storage.md).
StoragePtr storageFor(const StorageUrl &url);

/// Folder URL `dir` joined with `name` (one or more '/'-separated segments).
std::string joinStorageUrl(std::string_view dir, std::string_view name);

} // namespace ckpt
