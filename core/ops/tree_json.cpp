#include "ops/tree_json.h"

#include "ops/digest.h"

#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

namespace ckpt {
namespace {

nlohmann::json jsonNumber(double v)
{
    // JSON has no NaN or infinity; spell them as Python does.
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v < 0 ? "-inf" : "inf";
    return v;
}

nlohmann::json pathJson(const Path &p)
{
    nlohmann::json a = nlohmann::json::array();
    for (const Key &k : p)
        a.push_back(k.str());
    return a;
}

} // namespace

nlohmann::json sourceJson(const Checkpoint &c)
{
    nlohmann::json s = {{"path", c.path}, {"format", c.format}};
    if (!c.era.empty())
        s["era"] = c.era;
    if (c.step) {
        if (c.step->isInteger())
            s["step"] = std::stoll(c.step->text);
        else
            s["step"] = c.step->value;
    }
    if (!c.item.empty())
        s["item"] = c.item;
    return s;
}

nlohmann::json leafJson(const Path &path, const Node &leaf, bool digest, const Progress &progress)
{
    nlohmann::json j = {{"path", pathJson(path)}, {"kind", std::string(leaf.kindName())}};
    switch (leaf.kind()) {
    case NodeKind::Array: {
        const ArrayInfo &info = leaf.arrayInfo();
        j["dtype"] = std::string(dtypeName(info.dtype));
        j["shape"] = info.shape;
        if (digest)
            j["sha256"] = arrayDigest(*leaf.array(), progress);
        break;
    }
    case NodeKind::Scalar: {
        const Scalar &s = leaf.scalar();
        j["dtype"] = std::string(s.typeName());
        switch (s.type) {
        case Scalar::Type::Int: j["value"] = s.i; break;
        case Scalar::Type::UInt: j["value"] = s.u; break;
        case Scalar::Type::Bool: j["value"] = s.i != 0; break;
        case Scalar::Type::Float: j["value"] = jsonNumber(s.f); break;
        case Scalar::Type::Complex: j["value"] = {jsonNumber(s.c.real()), jsonNumber(s.c.imag())}; break;
        }
        break;
    }
    case NodeKind::String: j["value"] = leaf.text(); break;
    case NodeKind::Bytes:
        j["size"] = leaf.text().size();
        if (digest)
            j["sha256"] = bytesDigest(leaf.text());
        break;
    default: break;
    }
    return j;
}

nlohmann::json treeJson(const Checkpoint &c, const TreeJsonOptions &options, const Progress &progress)
{
    nlohmann::json doc = {{"ckpt_json", kCkptJsonVersion}, {"source", sourceJson(c)}};
    std::vector<std::pair<Path, NodePtr>> selected;
    forEachLeaf(c.root, [&](const Path &p, const NodePtr &n) {
        if (!options.filter || std::regex_search(joinPath(p), *options.filter))
            selected.emplace_back(p, n);
    });
    std::vector<nlohmann::json> leaves(selected.size());
    // Digests read every array: spread the leaves over the cores (each reads in bounded pieces).
    const size_t workers = options.digest ? std::max(1u, std::min(8u, std::thread::hardware_concurrency())) : 1;
    std::atomic<size_t> next{0};
    std::mutex failMutex;
    std::optional<Exception> failure;
    auto work = [&] {
        for (size_t i = next++; i < selected.size(); i = next++) {
            {
                std::lock_guard lock(failMutex);
                if (failure)
                    return;
            }
            try {
                progress.throwIfCancelled();
                leaves[i] = leafJson(selected[i].first, *selected[i].second, options.digest, progress);
            } catch (const Exception &e) {
                std::lock_guard lock(failMutex);
                if (!failure)
                    failure = e.withKeyPath(joinPath(selected[i].first));
                return;
            }
        }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < workers; ++t)
        pool.emplace_back(work);
    work();
    for (std::thread &t : pool)
        t.join();
    if (failure)
        throw *failure;
    doc["leaves"] = std::move(leaves);
    if (!c.warnings.empty())
        doc["warnings"] = c.warnings;
    return doc;
}

nlohmann::json errorJson(const Error &e)
{
    std::string msg = std::string(categoryName(e.category)) + ": " + e.message;
    nlohmann::json j = {{"ckpt_json", kCkptJsonVersion}, {"error", msg}};
    if (!e.file.empty())
        j["file"] = e.file;
    if (e.byteOffset)
        j["byte_offset"] = *e.byteOffset;
    if (!e.keyPath.empty())
        j["key_path"] = e.keyPath;
    return j;
}

} // namespace ckpt
