#pragma once

#include "ops/export.h"

namespace ckpt {

/// exportTree() to a gs:// or s3:// URL. The export is written to a local staging folder first
/// (CKPT_STAGING_DIR, else the system temporary folder; it needs room for the whole output and is
/// removed afterwards), then uploaded with uploadTree(): ordinary objects first, the commit markers
/// Orbax itself writes on object stores (`commit_success.txt`) last. A destination that exists
/// (an object, or any object below the folder) is refused with the same InvalidArgument errors as
/// a local one unless `options.force`; a destination inside or around a source is refused. On
/// failure or cancel every object written is deleted again. Progress: the staging write as
/// exportTree() reports it, then bytes uploaded of the total. Result paths are URLs.
ExportResult exportToStorage(
    const NodePtr &root, const std::string &dst, const ExportOptions &options, const Progress &progress);

} // namespace ckpt
