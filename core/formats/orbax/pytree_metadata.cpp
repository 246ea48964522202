#include "formats/orbax/pytree_metadata.h"

#include "base/error.h"
#include "io/codecs/base64.h"

namespace ckpt::orbax {
namespace {

std::optional<bool> optBool(const nlohmann::json &j, const char *field)
{
    if (j.contains(field) && j[field].is_boolean())
        return j[field].get<bool>();
    return std::nullopt;
}

std::optional<std::vector<uint64_t>> optDims(const nlohmann::json &j, const char *field)
{
    if (!j.contains(field) || !j[field].is_array())
        return std::nullopt;
    std::vector<uint64_t> dims;
    for (const auto &d : j[field]) {
        if (!d.is_number_unsigned())
            return std::nullopt;
        dims.push_back(d.get<uint64_t>());
    }
    return dims;
}

} // namespace

PyTreeMetadata parsePyTreeMetadata(std::string_view text, const std::string &file)
{
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        fail(ErrorCategory::Corrupt, "_METADATA is not a JSON object", file);
    PyTreeMetadata m;
    m.useOcdbt = optBool(j, "use_ocdbt");
    m.useZarr3 = optBool(j, "use_zarr3");
    m.storeArrayDataEqualToFillValue = optBool(j, "store_array_data_equal_to_fill_value");
    m.customMetadata = j.value("custom_metadata", nlohmann::json());
    // References, not copies: a 10,000-leaf tree_metadata is tens of MB of nlohmann objects.
    const auto treeIt = j.find("tree_metadata");
    if (treeIt == j.end() || !treeIt->is_object())
        fail(ErrorCategory::Corrupt, "_METADATA has no \"tree_metadata\" object", file);
    const nlohmann::json &tree = *treeIt;
    m.entries.reserve(tree.size());
    for (const auto &[reprKey, entry] : tree.items()) {
        if (!entry.is_object() || !entry.contains("key_metadata") || !entry["key_metadata"].is_array())
            fail(ErrorCategory::Corrupt, "tree_metadata entry " + reprKey + " has no key_metadata list", file);
        TreeEntry e;
        for (const auto &k : entry["key_metadata"]) {
            if (!k.is_object() || !k.contains("key"))
                fail(ErrorCategory::Corrupt, "tree_metadata entry " + reprKey + " has a malformed key", file);
            const auto &key = k["key"];
            const std::string name = key.is_string() ? key.get<std::string>() : key.dump();
            const int type
                = k.contains("key_type") && k["key_type"].is_number_integer() ? k["key_type"].get<int>() : kKeyTypeDict;
            if (type == kKeyTypeSequence) {
                uint64_t index = 0;
                bool digits = !name.empty() && name.size() < 20;
                for (char c : name)
                    digits = digits && c >= '0' && c <= '9';
                if (!digits)
                    fail(ErrorCategory::Corrupt, "sequence key \"" + name + "\" of " + reprKey + " is not an index",
                        file);
                for (char c : name)
                    index = index * 10 + uint64_t(c - '0');
                e.path.push_back(Key::index(index));
            } else {
                e.path.push_back(Key::name(name));
            }
        }
        const auto vmIt = entry.find("value_metadata");
        if (vmIt != entry.end() && vmIt->is_object()) {
            const nlohmann::json &vm = *vmIt;
            if (vm.contains("value_type") && vm["value_type"].is_string())
                e.valueType = vm["value_type"].get<std::string>();
            e.skipDeserialize = optBool(vm, "skip_deserialize").value_or(false);
            e.writeShape = optDims(vm, "write_shape");
        }
        m.entries.push_back(std::move(e));
    }
    return m;
}

std::string paramName(const Path &path)
{
    std::string s;
    for (size_t i = 0; i < path.size(); ++i) {
        if (i)
            s += '.';
        s += path[i].str();
    }
    return s;
}

LeafStorage leafStorage(const std::string &valueType)
{
    if (valueType == "jax.Array" || valueType == "np.ndarray" || valueType == "scalar" || valueType == "int"
        || valueType == "float" || valueType == "Array" || valueType == "jax.random.PRNGKey"
        || valueType == "np.generic")
        return LeafStorage::Array;
    if (valueType == "string" || valueType == "str")
        return LeafStorage::String;
    if (valueType == "Dict" || valueType == "NamedTuple")
        return LeafStorage::EmptyDict;
    if (valueType == "List" || valueType == "Tuple")
        return LeafStorage::EmptyList;
    if (valueType == "None")
        return LeafStorage::None;
    return LeafStorage::Unknown;
}

std::map<std::string, std::string> parseShardingFile(std::string_view text, const std::string &file)
{
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        fail(ErrorCategory::Corrupt, "_sharding is not a JSON object", file);
    std::map<std::string, std::string> out;
    for (const auto &[key, value] : j.items()) {
        auto name = base64Decode(key);
        if (!name)
            continue;
        out[*name] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    return out;
}

void parseArrayMetadatas(std::string_view text, const std::string &file, std::map<std::string, ArrayMetadata> &out)
{
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("array_metadatas") || !j["array_metadatas"].is_array())
        fail(ErrorCategory::Corrupt, "array metadata file has no \"array_metadatas\" list", file);
    for (const auto &item : j["array_metadatas"]) {
        if (!item.is_object())
            continue;
        const auto am = item.value("array_metadata", nlohmann::json());
        if (!am.is_object() || !am.contains("param_name") || !am["param_name"].is_string())
            continue;
        ArrayMetadata a;
        a.writeShape = optDims(am, "write_shape").value_or(std::vector<uint64_t>{});
        a.chunkShape = optDims(am, "chunk_shape").value_or(std::vector<uint64_t>{});
        out[am["param_name"].get<std::string>()] = std::move(a);
    }
}

} // namespace ckpt::orbax
