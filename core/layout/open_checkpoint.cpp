#include "formats/flax_msgpack/msgpack_reader.h"
#include "io/file.h"
#include "layout/checkpoint.h"
#include "tree/error.h"

#include <charconv>
#include <filesystem>

namespace fs = std::filesystem;

namespace ckpt {

bool StepId::isInteger() const
{
    return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

Checkpoint openCheckpoint(const std::string &path, const OpenOptions &options, const Progress &progress)
{
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (ec || !fs::exists(st))
        fail(ErrorCategory::MissingData, "no such file or directory", path);
    if (fs::is_regular_file(st)) {
        auto file = File::open(path);
        if (!flaxmsgpack::looksLikeMsgpack(*file))
            fail(ErrorCategory::NotACheckpoint, "not a msgpack checkpoint (first byte is not a map)", path, 0);
        if (options.step || options.item)
            fail(ErrorCategory::InvalidArgument, "--step and --item apply to runs and composite checkpoints", path);
        Checkpoint c;
        c.path = path;
        c.format = kFormatFlaxMsgpack;
        c.era = "Flax msgpack";
        c.root = flaxmsgpack::parse(file, {}, progress);
        return c;
    }
    fail(ErrorCategory::NotACheckpoint, "directory layouts are not recognised yet", path);
}

} // namespace ckpt
