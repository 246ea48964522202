#pragma once

#include "base/progress.h"
#include "io/storage/storage.h"

#include <string>

namespace ckpt {

/// What uploadTree() does to an existing destination.
enum class UploadReplace {
    Refuse, ///< throw Exception{InvalidArgument, kDestinationExists} when anything is there
    Replace, ///< delete what is there first (its commit markers before anything else)
};

/// Uploads the local file or folder `local` to `key` of `store`: a file becomes the object `key`,
/// a folder the objects `key/<relative path>` (object stores have no empty folders). Object stores
/// cannot rename, so the order makes the result safe to read while it appears (docs/storage.md §6):
/// every ordinary object first, several at a time, then the commit markers (`commit_success.txt`),
/// deepest first, so the one naming the whole checkpoint is the very last object written. On any
/// failure or cancel every object this call wrote is deleted again and no marker is written; the
/// exception names the objects that could not be deleted. `progress` gets bytes sent of the total.
/// Replacing a folder deletes the old one before the new one is complete: there is no atomic way.
void uploadTree(const Storage &store, const std::string &local, const std::string &key, UploadReplace replace,
    const Progress &progress = {});

/// Whether `key` exists in `store` as an object or as a non-empty folder.
bool storageKeyExists(const Storage &store, const std::string &key);

} // namespace ckpt
