#include "formats/safetensors/safetensors_writer.h"

#include "base/error.h"
#include "formats/safetensors/packed_bits.h"
#include "formats/safetensors/safetensors_dtype.h"
#include "io/atomic_file.h"
#include "ops/edit/edit_convert.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace fs = std::filesystem;

namespace ckpt::safetensors {
namespace {

/// One tensor to write.
struct Planned {
    std::string name;
    std::string path; ///< tree path, for messages
    DTypeName stored;
    ArraySourcePtr source;
    uint64_t bytes = 0; ///< in the file
};

std::optional<DType> widened(DType t)
{
    switch (t) {
    case DType::Int4:
    case DType::Int2: return DType::Int8;
    case DType::UInt4:
    case DType::UInt2: return DType::UInt8;
    case DType::Float8_e4m3:
    case DType::Float8_e3m4:
    case DType::Float8_e4m3b11fnuz: return DType::Float16;
    default: return std::nullopt;
    }
}

ArraySourcePtr scalarArray(const Scalar &s)
{
    ArrayInfo info;
    std::vector<std::byte> bytes(8);
    switch (s.type) {
    case Scalar::Type::Int:
        info.dtype = DType::Int64;
        std::memcpy(bytes.data(), &s.i, 8);
        break;
    case Scalar::Type::UInt:
        info.dtype = DType::UInt64;
        std::memcpy(bytes.data(), &s.u, 8);
        break;
    case Scalar::Type::Float:
        info.dtype = DType::Float64;
        std::memcpy(bytes.data(), &s.f, 8);
        break;
    case Scalar::Type::Bool:
        info.dtype = DType::Bool;
        bytes.assign(1, static_cast<std::byte>(s.i != 0));
        break;
    case Scalar::Type::Complex: return nullptr;
    }
    return std::make_shared<MemoryArraySource>(info, std::move(bytes), "python scalar");
}

struct Collected {
    std::vector<Planned> tensors;
    std::vector<std::string> warnings;
};

Collected collect(const NodePtr &root, const WriteOptions &o)
{
    Collected c;
    std::vector<std::string> refused, skipped, widenedLeaves;
    std::unordered_map<std::string, std::string> byName;
    std::string sepInKey;
    forEachLeaf(root, [&](const Path &p, const NodePtr &n) {
        const std::string path = joinPath(p);
        ArraySourcePtr src;
        switch (n->kind()) {
        case NodeKind::Array: src = n->array(); break;
        case NodeKind::Scalar:
            src = scalarArray(n->scalar());
            if (!src)
                refused.push_back(path + " (a complex Python scalar)");
            break;
        case NodeKind::String:
        case NodeKind::Bytes: refused.push_back(path + " (a " + std::string(n->kindName()) + " leaf)"); return;
        default: skipped.push_back(path.empty() ? "the root" : path); return;
        }
        if (!src)
            return;
        const DType t = src->info().dtype;
        auto stored = safetensorsDType(t);
        if (!stored && o.widen && widened(t)) {
            stored = safetensorsDType(*widened(t));
            widenedLeaves.push_back(path + " (" + std::string(dtypeName(t)) + " as " + std::string(stored->name) + ")");
        }
        if (!stored) {
            refused.push_back(path + " (" + std::string(dtypeName(t)) + ")");
            return;
        }
        std::string name;
        for (size_t i = 0; i < p.size(); ++i) {
            if (!o.nameSeparator.empty() && p[i].str().find(o.nameSeparator) != std::string::npos && sepInKey.empty())
                sepInKey = path;
            name += (i ? o.nameSeparator : "") + p[i].str();
        }
        if (name.empty())
            name = "tensor";
        if (auto [it, fresh] = byName.emplace(name, path); !fresh)
            fail(ErrorCategory::Mismatch,
                "\"" + it->second + "\" and \"" + path + "\" both become the tensor name \"" + name
                    + "\"; choose another name separator",
                {}, std::nullopt, path);
        const auto bytes = storedBytes(*stored, src->info().numElements());
        if (!bytes) {
            refused.push_back(path + " (" + std::to_string(src->info().numElements()) + " " + std::string(stored->name)
                + " elements are not a whole number of bytes)");
            return;
        }
        c.tensors.push_back({name, path, *stored, src, *bytes});
    });
    if (!refused.empty()) {
        std::string list;
        for (size_t i = 0; i < refused.size() && i < 20; ++i)
            list += (i ? ", " : "") + refused[i];
        if (refused.size() > 20)
            list += " and " + std::to_string(refused.size() - 20) + " more";
        fail(ErrorCategory::Unsupported,
            "safetensors cannot hold " + std::to_string(refused.size()) + " leaves: " + list
                + " (delete or cast them with a recipe first; --widen stores int4/uint4/int2/uint2 and the float8 "
                  "types "
                  "safetensors lacks in a wider type)");
    }
    if (!skipped.empty())
        c.warnings.push_back("left out " + std::to_string(skipped.size())
            + " leaves that hold no tensor (None or empty containers), e.g. " + skipped.front());
    if (!widenedLeaves.empty())
        c.warnings.push_back(
            "widened " + std::to_string(widenedLeaves.size()) + " leaves, e.g. " + widenedLeaves.front());
    if (!sepInKey.empty())
        c.warnings.push_back("the key path \"" + sepInKey + "\" holds the name separator \"" + o.nameSeparator
            + "\": reading the file back splits it differently (read with --flat-names)");
    return c;
}

/// huggingface_hub's sharding: tensors in order; a tensor that would take the current shard past
/// the limit starts a new one; a tensor larger than the limit gets a shard of its own, placed
/// before the shard being filled.
std::vector<std::vector<size_t>> shardTensors(const std::vector<Planned> &t, uint64_t maxBytes)
{
    std::vector<std::vector<size_t>> shards;
    std::vector<size_t> current;
    uint64_t currentBytes = 0;
    for (size_t i = 0; i < t.size(); ++i) {
        if (t[i].bytes > maxBytes) {
            shards.push_back({i});
            continue;
        }
        if (currentBytes + t[i].bytes > maxBytes) {
            shards.push_back(std::move(current));
            current.clear();
            currentBytes = 0;
        }
        current.push_back(i);
        currentBytes += t[i].bytes;
    }
    if (!current.empty() || shards.empty())
        shards.push_back(std::move(current));
    return shards;
}

/// One tensor's place in a file being written.
struct Job {
    const Planned *tensor;
    const AtomicFileWriter *file;
    uint64_t offset; ///< absolute file offset of its first byte
};

/// Writes the header of a file holding `members` (data sorted by element width, widest first, so
/// every tensor starts aligned to its element) and returns the jobs that fill in the data.
std::vector<Job> startFile(AtomicFileWriter &w, const std::vector<Planned> &all, std::vector<size_t> members,
    const std::map<std::string, std::string> &metadata)
{
    std::stable_sort(
        members.begin(), members.end(), [&](size_t a, size_t b) { return all[a].stored.bits > all[b].stored.bits; });
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    uint64_t at = 0;
    std::vector<std::pair<size_t, uint64_t>> placed;
    for (size_t i : members) {
        const Planned &t = all[i];
        header[t.name]
            = {{"dtype", t.stored.name}, {"shape", t.source->info().shape}, {"data_offsets", {at, at + t.bytes}}};
        placed.emplace_back(i, at);
        at += t.bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    uint64_t n = text.size();
    std::byte len[8];
    for (auto &b : len) {
        b = static_cast<std::byte>(n & 0xff);
        n >>= 8;
    }
    w.write(len, 8);
    w.write(text.data(), text.size());
    w.flushBuffered();
    std::vector<Job> jobs;
    for (const auto &[i, offset] : placed)
        jobs.push_back({&all[i], &w, 8 + text.size() + offset});
    return jobs;
}

/// Streams one tensor into its place: converted when widened, bit-packed for F4/F6.
void writeTensor(const Job &job, std::atomic<uint64_t> &done, uint64_t total, const Progress &progress)
{
    const Planned &t = *job.tensor;
    const DType from = t.source->info().dtype;
    uint64_t at = job.offset;
    std::vector<std::byte> converted;
    BitPacker packer(t.stored.bits);
    auto put = [&](std::span<const std::byte> bytes) {
        job.file->writeAt(at, bytes);
        at += bytes.size();
        progress.update(done += bytes.size(), total);
    };
    streamArray(
        *t.source,
        [&](std::span<const std::byte> piece) {
            progress.throwIfCancelled();
            std::span<const std::byte> out = piece;
            if (from != t.stored.dtype) {
                const size_t count = piece.size() / itemSize(from);
                converted.resize(count * itemSize(t.stored.dtype));
                convertElements(from, piece.data(), t.stored.dtype, converted.data(), count);
                out = converted;
            }
            if (t.stored.bits >= 8) {
                put(out);
                return;
            }
            packer.add(out);
            put(packer.bytes());
            packer.bytes().clear();
        },
        progress, 8u << 20);
    if (t.stored.bits < 8) {
        packer.finish();
        put(packer.bytes());
    }
}

/// Runs the jobs, largest first, on `threads` workers; rethrows the first failure once all stopped.
void runJobs(std::vector<Job> jobs, unsigned threads, const Progress &progress)
{
    std::sort(jobs.begin(), jobs.end(), [](const Job &a, const Job &b) { return a.tensor->bytes > b.tensor->bytes; });
    uint64_t total = 0;
    for (const Job &j : jobs)
        total += j.tensor->bytes;
    if (threads == 0)
        threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(1, jobs.size())));
    std::atomic<size_t> next{0};
    std::atomic<uint64_t> done{0};
    std::atomic<bool> stop{false};
    std::exception_ptr error;
    std::mutex errorMutex;
    auto work = [&] {
        for (size_t i = next++; i < jobs.size() && !stop; i = next++) {
            try {
                writeTensor(jobs[i], done, total, progress);
            } catch (...) {
                std::lock_guard lock(errorMutex);
                if (!error) {
                    error = std::current_exception();
                    try {
                        throw;
                    } catch (const Exception &e) {
                        error = std::make_exception_ptr(e.withKeyPath(jobs[i].tensor->path));
                    } catch (...) { }
                }
                stop = true;
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i)
        pool.emplace_back(work);
    work();
    for (auto &t : pool)
        t.join();
    if (error)
        std::rethrow_exception(error);
}

WriteSummary summaryOf(const Collected &c)
{
    WriteSummary s;
    s.tensors = c.tensors.size();
    for (const Planned &t : c.tensors)
        s.tensorBytes += t.bytes;
    s.warnings = c.warnings;
    return s;
}

std::vector<size_t> allIndices(size_t n)
{
    std::vector<size_t> v(n);
    for (size_t i = 0; i < n; ++i)
        v[i] = i;
    return v;
}

} // namespace

std::optional<uint64_t> parseSize(std::string_view text)
{
    static const std::pair<std::string_view, uint64_t> kUnits[]
        = {{"KIB", 1ull << 10}, {"MIB", 1ull << 20}, {"GIB", 1ull << 30}, {"TIB", 1ull << 40}, {"KB", 1'000},
            {"MB", 1'000'000}, {"GB", 1'000'000'000}, {"TB", 1'000'000'000'000}, {"B", 1}};
    std::string upper;
    for (char ch : text)
        if (ch != ' ')
            upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    uint64_t unit = 1;
    for (const auto &[name, factor] : kUnits) {
        if (upper.size() > name.size() && upper.ends_with(name)) {
            upper.resize(upper.size() - name.size());
            unit = factor;
            break;
        }
    }
    uint64_t n = 0;
    const auto [end, ec] = std::from_chars(upper.data(), upper.data() + upper.size(), n);
    if (ec != std::errc() || end != upper.data() + upper.size() || upper.empty() || n == 0 || n > UINT64_MAX / unit)
        return std::nullopt;
    return n * unit;
}

WriteSummary writeFile(
    const NodePtr &root, const std::string &path, const WriteOptions &options, bool overwrite, const Progress &progress)
{
    const Collected c = collect(root, options);
    AtomicFileWriter w(path, overwrite);
    runJobs(startFile(w, c.tensors, allIndices(c.tensors.size()), options.metadata), options.threads, progress);
    w.commit();
    WriteSummary s = summaryOf(c);
    s.files.push_back(path);
    return s;
}

WriteSummary writeFolder(
    const NodePtr &root, const std::string &dir, const WriteOptions &options, const Progress &progress)
{
    const Collected c = collect(root, options);
    const auto shards = shardTensors(c.tensors, std::max<uint64_t>(1, options.maxShardBytes));
    std::vector<std::unique_ptr<AtomicFileWriter>> writers;
    std::vector<Job> jobs;
    WriteSummary s = summaryOf(c);
    nlohmann::ordered_json weightMap = nlohmann::ordered_json::object();
    char name[64];
    for (size_t k = 0; k < shards.size(); ++k) {
        if (shards.size() == 1)
            std::snprintf(name, sizeof name, "%s", kSingleFileName);
        else
            std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", k + 1, shards.size());
        const std::string file = (fs::path(dir) / name).string();
        writers.push_back(std::make_unique<AtomicFileWriter>(file, false));
        auto more = startFile(*writers.back(), c.tensors, shards[k], options.metadata);
        jobs.insert(jobs.end(), more.begin(), more.end());
        for (size_t i : shards[k])
            weightMap[c.tensors[i].name] = name;
        s.files.push_back(file);
    }
    runJobs(std::move(jobs), options.threads, progress);
    for (auto &w : writers)
        w->commit();
    if (shards.size() > 1) {
        const nlohmann::ordered_json index
            = {{"metadata", {{"total_size", s.tensorBytes}}}, {"weight_map", std::move(weightMap)}};
        const std::string text = index.dump(2) + "\n";
        const std::string file = (fs::path(dir) / kIndexFileName).string();
        AtomicFileWriter w(file, false);
        w.write(text.data(), text.size());
        w.commit();
        s.files.push_back(file);
    }
    return s;
}

} // namespace ckpt::safetensors
