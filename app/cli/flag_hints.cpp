#include "flag_hints.h"

#include "io/atomic_file.h"

namespace ckpt::cli {

Exception withHint(const Exception &e, const std::string &hint)
{
    Error err = e.error();
    err.message += " (" + hint + ")";
    return Exception(std::move(err));
}

std::string openFlagHint(const Error &e, const OpenFlags &flags)
{
    if (e.category != ErrorCategory::InvalidArgument)
        return {};
    if (e.message == kNoStepsInCheckpoint)
        return flags.step + " applies to runs";
    if (e.message == kNoItemsInItem)
        return flags.item + " applies to composite checkpoints";
    if (e.message == kNoItemsInFileStep)
        return flags.item + " does not apply to a single-file step";
    if (e.message == kNoStepsOrItems)
        return flags.step + " and " + flags.item + " apply to runs and composite checkpoints";
    return {};
}

Checkpoint openNamingFlags(const std::string &path, const OpenOptions &options, const OpenFlags &flags)
{
    return namingOpenFlags(flags, [&] { return openCheckpoint(path, options); });
}

ExportResult exportNamingFlags(
    const NodePtr &root, const std::string &dst, const ExportOptions &options, const Progress &progress)
{
    try {
        return exportTree(root, dst, options, progress);
    } catch (const Exception &e) {
        const Error &err = e.error();
        if (err.category != ErrorCategory::InvalidArgument)
            throw;
        if (err.message == kDestinationExists || err.message == kDestinationAppeared
            || err.message == kStepFolderExists)
            throw withHint(e, "use --force to replace it");
        if (err.message == kAsStepEmpty)
            throw withHint(e, "--as-step needs a step number");
        if (err.message == kAsStepHdf5)
            throw withHint(e, "--as-step applies to Orbax and Flax exports");
        throw;
    }
}

} // namespace ckpt::cli
