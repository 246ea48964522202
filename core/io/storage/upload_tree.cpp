#include "io/storage/upload_tree.h"

#include "base/error.h"
#include "io/atomic_file.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

namespace fs = std::filesystem;

namespace ckpt {

namespace {

constexpr const char *kCommitMarker = "commit_success.txt";
/// Objects uploaded (or deleted) at once; each upload holds at most a few parts in memory.
constexpr size_t kWorkers = 4;

struct Upload {
    std::string file;
    std::string key;
    uint64_t size = 0;
};

bool isMarker(const std::string &key)
{
    return key == kCommitMarker || key.ends_with(std::string("/") + kCommitMarker);
}

std::vector<Upload> plan(const std::string &local, const std::string &key)
{
    std::error_code ec;
    if (fs::is_regular_file(local, ec))
        return {{local, key, fs::file_size(local)}};
    if (!fs::is_directory(local, ec))
        fail(ErrorCategory::MissingData, "nothing to upload", local);
    std::vector<Upload> out;
    for (auto it = fs::recursive_directory_iterator(local, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (!it->is_regular_file(ec))
            continue;
        const std::string rel = fs::relative(it->path(), local).generic_string();
        out.push_back({it->path().string(), key + "/" + rel, it->file_size(ec)});
    }
    if (ec)
        fail(ErrorCategory::Io, "cannot list the staged output: " + ec.message(), local);
    std::sort(out.begin(), out.end(), [](const Upload &a, const Upload &b) { return a.key < b.key; });
    return out;
}

/// Runs `job(i)` for i in [0, n) on up to kWorkers threads. The first exception stops the others
/// from starting new jobs and is rethrown once all have finished.
template <typename Job> void forEachParallel(size_t n, Job job)
{
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr first;
    std::mutex m;
    auto worker = [&] {
        for (size_t i = next++; i < n && !failed; i = next++) {
            try {
                job(i);
            } catch (...) {
                std::lock_guard lock(m);
                if (!first)
                    first = std::current_exception();
                failed = true;
            }
        }
    };
    std::vector<std::thread> threads;
    for (size_t t = 1; t < std::min(n, kWorkers); ++t)
        threads.emplace_back(worker);
    worker();
    for (auto &t : threads)
        t.join();
    if (first)
        std::rethrow_exception(first);
}

/// Deletes `keys`, markers first; returns those that could not be deleted.
std::vector<std::string> removeAll(const Storage &store, std::vector<std::string> keys)
{
    std::stable_partition(keys.begin(), keys.end(), isMarker);
    std::vector<std::string> left;
    std::mutex m;
    const size_t markers = size_t(std::count_if(keys.begin(), keys.end(), isMarker));
    auto remove = [&](size_t i) {
        try {
            store.remove(keys[i]);
        } catch (const Exception &) {
            std::lock_guard lock(m);
            left.push_back(keys[i]);
        }
    };
    for (size_t i = 0; i < markers; ++i)
        remove(i);
    forEachParallel(keys.size() - markers, [&](size_t i) { remove(markers + i); });
    std::sort(left.begin(), left.end());
    return left;
}

[[noreturn]] void rethrowAfterCleanup(const Storage &store, const std::vector<std::string> &written)
{
    const std::vector<std::string> left = removeAll(store, written);
    try {
        throw;
    } catch (const Exception &e) {
        if (left.empty())
            throw;
        Error err = e.error();
        err.message += "; " + std::to_string(left.size()) + " object(s) written before the failure could not be "
            + "deleted, e.g. " + store.urlOf(left.front());
        throw Exception(std::move(err));
    }
}

} // namespace

bool storageKeyExists(const Storage &store, const std::string &key)
{
    if (store.stat(key))
        return true;
    const StorageListing below = store.list(key + "/", true);
    return !below.objects.empty() || !below.prefixes.empty();
}

void uploadTree(const Storage &store, const std::string &local, const std::string &key, UploadReplace replace,
    const Progress &progress)
{
    std::vector<Upload> uploads = plan(local, key);
    const bool folder = uploads.size() != 1 || uploads.front().key != key;
    if (replace == UploadReplace::Refuse && storageKeyExists(store, key))
        fail(ErrorCategory::InvalidArgument, kDestinationExists, store.urlOf(key));
    if (replace == UploadReplace::Replace && folder) {
        std::vector<std::string> old;
        for (const ListedObject &o : store.list(key + "/", false).objects)
            old.push_back(o.key);
        if (store.stat(key))
            old.push_back(key);
        if (const auto left = removeAll(store, old); !left.empty())
            fail(ErrorCategory::Io,
                "cannot delete the old " + store.urlOf(left.front()) + " to replace it (" + std::to_string(left.size())
                    + " object(s) left)",
                store.urlOf(key));
    }

    std::stable_partition(uploads.begin(), uploads.end(), [](const Upload &u) { return !isMarker(u.key); });
    const auto firstMarker
        = std::find_if(uploads.begin(), uploads.end(), [](const Upload &u) { return isMarker(u.key); });
    std::sort(firstMarker, uploads.end(), [](const Upload &a, const Upload &b) {
        return std::count(a.key.begin(), a.key.end(), '/') > std::count(b.key.begin(), b.key.end(), '/');
    });
    const size_t ordinary = size_t(firstMarker - uploads.begin());

    uint64_t total = 0;
    for (const Upload &u : uploads)
        total += u.size;
    std::atomic<uint64_t> sent{0};
    std::mutex m;
    std::vector<std::string> written; // every key an upload was started for
    auto upload = [&](size_t i) {
        progress.throwIfCancelled();
        {
            std::lock_guard lock(m);
            written.push_back(uploads[i].key);
        }
        uint64_t mine = 0;
        Progress p;
        p.isCancelled = progress.isCancelled;
        p.report = [&](uint64_t done, uint64_t) {
            if (done > mine) {
                progress.update(sent += done - mine, total);
                mine = done;
            }
        };
        store.putFile(uploads[i].key, uploads[i].file, p);
    };
    try {
        progress.update(0, total);
        forEachParallel(ordinary, upload);
        for (size_t i = ordinary; i < uploads.size(); ++i)
            upload(i);
    } catch (...) {
        rethrowAfterCleanup(store, written);
    }
}

} // namespace ckpt
