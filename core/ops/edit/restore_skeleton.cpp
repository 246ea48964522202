#include "base/error.h"
#include "ops/edit/edit_sources.h"
#include "ops/edit/edit_tree.h"
#include "ops/edit/edit_values.h"
#include "ops/edit/restore.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

namespace ckpt {
namespace {

double jsonReal(const nlohmann::json &v, const std::string &where)
{
    if (v.is_number())
        return v.get<double>();
    if (v == "nan")
        return std::numeric_limits<double>::quiet_NaN();
    if (v == "inf")
        return std::numeric_limits<double>::infinity();
    if (v == "-inf")
        return -std::numeric_limits<double>::infinity();
    fail(ErrorCategory::InvalidArgument, "skeleton value " + v.dump() + " is not a number", {}, std::nullopt, where);
}

NodePtr skeletonLeaf(const nlohmann::json &leaf, const std::string &where)
{
    const std::string kind = leaf.value("kind", "");
    if (kind == "array") {
        ArrayInfo info;
        info.dtype = dtypeOrFail(leaf.value("dtype", ""), where);
        if (!leaf.contains("shape") || !leaf["shape"].is_array())
            fail(ErrorCategory::InvalidArgument, "skeleton array without a shape", {}, std::nullopt, where);
        for (const auto &d : leaf["shape"]) {
            if (!d.is_number_unsigned())
                fail(ErrorCategory::InvalidArgument, "skeleton shape entries must be non-negative integers", {},
                    std::nullopt, where);
            info.shape.push_back(d.get<uint64_t>());
        }
        auto src
            = std::make_shared<ConstantArraySource>(info, encodeJsonValue(info.dtype, 0, where), "zeros (skeleton)");
        return Node::makeArray(src)->withAnnotation("skeleton", "zeros of the target's dtype and shape");
    }
    if (kind == "scalar") {
        const std::string dt = leaf.value("dtype", "");
        const nlohmann::json &v = leaf.contains("value") ? leaf["value"] : nlohmann::json();
        if (dt == "bool" && v.is_boolean())
            return Node::makeScalar(Scalar::fromBool(v.get<bool>()));
        if (dt == "int" && v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX))
            return Node::makeScalar(Scalar::fromUInt(v.get<uint64_t>()));
        if (dt == "int" && v.is_number_integer())
            return Node::makeScalar(Scalar::fromInt(v.get<int64_t>()));
        if (dt == "float")
            return Node::makeScalar(Scalar::fromFloat(jsonReal(v, where)));
        if (dt == "complex" && v.is_array() && v.size() == 2)
            return Node::makeScalar(Scalar::fromComplex({jsonReal(v[0], where), jsonReal(v[1], where)}));
        fail(ErrorCategory::InvalidArgument, "skeleton scalar with dtype '" + dt + "' and value " + v.dump(), {},
            std::nullopt, where);
    }
    if (kind == "string" && leaf.contains("value") && leaf["value"].is_string())
        return Node::makeString(leaf["value"].get<std::string>());
    if (kind == "bytes")
        return Node::makeBytes({});
    if (kind == "none")
        return Node::makeNone();
    if (kind == "empty_dict")
        return Node::makeDict({});
    if (kind == "empty_list")
        return Node::makeList({});
    fail(ErrorCategory::InvalidArgument, "skeleton leaf of unknown kind '" + kind + "'", {}, std::nullopt, where);
}

} // namespace

NodePtr loadSkeleton(const nlohmann::json &doc, const std::string &file)
{
    if (!doc.is_object() || !doc.contains("leaves") || !doc["leaves"].is_array()) {
        std::string why = "not a `ckpt tree --json` document (no \"leaves\")";
        if (doc.is_object() && doc.contains("error") && doc["error"].is_string())
            why = "the document is an error: " + doc["error"].get<std::string>();
        fail(ErrorCategory::InvalidArgument, why, file);
    }
    NodePtr root = Node::makeDict({});
    for (const auto &leaf : doc["leaves"]) {
        if (!leaf.is_object() || !leaf.contains("path") || !leaf["path"].is_array())
            fail(ErrorCategory::InvalidArgument, "skeleton leaf without a path array", file);
        Path p;
        for (const auto &k : leaf["path"]) {
            if (!k.is_string())
                fail(ErrorCategory::InvalidArgument, "skeleton path keys must be strings", file);
            p.push_back(Key::name(k.get<std::string>()));
        }
        const std::string where = joinPath(p);
        NodePtr node;
        try {
            node = skeletonLeaf(leaf, where);
        } catch (const Exception &e) {
            Error err = e.error();
            if (err.file.empty())
                err.file = file;
            throw Exception(err);
        }
        if (p.empty()) {
            if (doc["leaves"].size() != 1)
                fail(ErrorCategory::InvalidArgument, "skeleton has a root leaf and other leaves", file);
            return node;
        }
        root = insertAt(root, p, node);
    }
    return root;
}

bool isSkeletonFile(const std::string &path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return false;
    std::ifstream in(path, std::ios::binary);
    char c = 0;
    while (in.get(c))
        if (!std::isspace(static_cast<unsigned char>(c)))
            return c == '{';
    return false;
}

} // namespace ckpt
