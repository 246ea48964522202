#pragma once

#include "base/progress.h"
#include "tree/node.h"

#include <string>

namespace ckpt::hdf5 {

/// True when `path` is a regular file starting with the HDF5 signature `\x89HDF\r\n\x1a\n`.
bool isHdf5File(const std::string &path);

/// Opens an HDF5 file lazily: groups become dicts / lists / None per the layout of hdf5_layout.h
/// (groups without `ckpt_kind` are dicts, so other HDF5 files open too), datasets become leaves
/// whose ArraySource reads hyperslabs on demand (thread-safe: reads are serialised on the HDF5
/// library lock). The file stays open while any of its sources lives.
/// Throws Exception{NotACheckpoint} for non-HDF5 files, {Corrupt} for unreadable structure and
/// {Unsupported} for dataset types without a NumPy equivalent.
NodePtr readFile(const std::string &path, const Progress &progress = {});

} // namespace ckpt::hdf5
