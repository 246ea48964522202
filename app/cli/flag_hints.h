#pragma once

#include "base/error.h"
#include "layout/checkpoint.h"
#include "ops/export.h"

#include <string>

namespace ckpt::cli {

// Core messages say what is wrong and never name a flag (the GUI shows them as they are); where
// the CLI catches them it appends the flag that answers them, e.g. "destination exists (use
// --force to replace it)".

/// The flags that chose the step and the item of one opened checkpoint.
struct OpenFlags {
    std::string step = "--step";
    std::string item = "--item";
};

/// `e` with " (<hint>)" appended to its message.
Exception withHint(const Exception &e, const std::string &hint);

/// openCheckpoint(); an error about a step or item that `path` does not have names `flags`.
Checkpoint openNamingFlags(const std::string &path, const OpenOptions &options, const OpenFlags &flags = {});

/// Runs `f` (which opens checkpoints with OpenOptions chosen by `flags`) and names `flags` in an
/// error about a step or item that does not apply, as openNamingFlags() does.
template <typename F> auto namingOpenFlags(const OpenFlags &flags, F &&f) -> decltype(f());

/// The hint for an error of openCheckpoint(), or empty when no flag answers it.
std::string openFlagHint(const Error &e, const OpenFlags &flags);

/// exportTree(); an error that --force or --as-step answers names it.
ExportResult exportNamingFlags(
    const NodePtr &root, const std::string &dst, const ExportOptions &options, const Progress &progress = {});

template <typename F> auto namingOpenFlags(const OpenFlags &flags, F &&f) -> decltype(f())
{
    try {
        return f();
    } catch (const Exception &e) {
        const std::string hint = openFlagHint(e.error(), flags);
        if (hint.empty())
            throw;
        throw withHint(e, hint);
    }
}

} // namespace ckpt::cli
