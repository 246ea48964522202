#include "export_test_helpers.h"

#include "io/file.h"
#include "ops/digest.h"
#include "ops/tree_json.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace ckpt::testing {
namespace {

template <typename T> NodePtr array(DType t, std::vector<uint64_t> shape, const std::vector<T> &values)
{
    ArrayInfo info;
    info.dtype = t;
    info.shape = std::move(shape);
    std::vector<std::byte> bytes(values.size() * sizeof(T));
    if (!values.empty())
        std::memcpy(bytes.data(), values.data(), bytes.size());
    return Node::makeArray(std::make_shared<MemoryArraySource>(info, std::move(bytes)));
}

} // namespace

NodePtr exportSampleTree(bool withEmptyList, uint64_t bigRows)
{
    std::vector<float> big(bigRows * 257);
    uint32_t state = 12345; // LCG noise: compresses poorly, so chunks go out of line in OCDBT
    for (size_t i = 0; i < big.size(); ++i) {
        state = state * 1664525u + 1013904223u;
        big[i] = float(int32_t(state >> 8) - (1 << 23)) / 4096.0f;
    }
    std::vector<uint16_t> bf16 = {0x3f80, 0xc000, 0x7fc0, 0x0001, 0x8000, 0x4049};
    std::vector<int8_t> int4 = {-8, -1, 0, 7, 3, -3};
    std::vector<uint8_t> f8 = {0x00, 0x38, 0xb8, 0x7e, 0x01, 0x40};
    std::vector<uint8_t> bools = {1, 0, 0, 1};
    std::vector<float> c64 = {1.f, 2.f, -3.f, 0.5f};
    std::vector<double> zeroD = {2.5};
    std::vector<int32_t> ints = {0, 1, 2, 3, 4, 5, 6, 7};
    std::vector<Child> params = {
        {Key::name("kernel"), array(DType::Float32, {bigRows, 257}, big)},
        {Key::name("bias"), array(DType::Int32, {8}, ints)},
        {Key::name("bf16"), array(DType::BFloat16, {2, 3}, bf16)},
        {Key::name("int4"), array(DType::Int4, {6}, int4)},
        {Key::name("f8"), array(DType::Float8_e4m3fn, {3, 2}, f8)},
    };
    std::vector<NodePtr> list
        = {array(DType::Bool, {4}, bools), Node::makeScalar(Scalar::fromInt(11)), Node::makeString("in a list")};
    std::vector<Child> top = {
        {Key::name("params"), Node::makeDict(params)},
        {Key::name("c64"), array(DType::Complex64, {2}, c64)},
        {Key::name("zero_d"), array(DType::Float64, {}, zeroD)},
        {Key::name("empty_arr"), array(DType::Float32, {0, 3}, std::vector<float>{})},
        {Key::name("step"), Node::makeScalar(Scalar::fromInt(-42))},
        {Key::name("huge"), Node::makeScalar(Scalar::fromUInt(18446744073709551615ull))},
        {Key::name("lr"), Node::makeScalar(Scalar::fromFloat(3e-4))},
        {Key::name("flag"), Node::makeScalar(Scalar::fromBool(true))},
        {Key::name("z"), Node::makeScalar(Scalar::fromComplex({1.5, -2}))},
        {Key::name("name"), Node::makeString("run \"7\" é")},
        {Key::name("nothing"), Node::makeNone()},
        {Key::name("empty_dict"), Node::makeDict({})},
        {Key::name("seq"), Node::makeList(list)},
    };
    if (withEmptyList)
        top.push_back({Key::name("empty_list"), Node::makeList({})});
    return Node::makeDict(top);
}

nlohmann::json digestLeaves(const NodePtr &root)
{
    std::vector<nlohmann::json> leaves;
    forEachLeaf(root, [&](const Path &p, const NodePtr &n) { leaves.push_back(leafJson(p, *n, true)); });
    std::sort(leaves.begin(), leaves.end(), [](const auto &a, const auto &b) { return a["path"] < b["path"]; });
    return nlohmann::json(leaves);
}

std::map<std::string, std::string> fileDigests(const std::string &dir)
{
    std::map<std::string, std::string> out;
    auto digestOf = [](const fs::path &p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return bytesDigest(ss.str());
    };
    if (fs::is_regular_file(dir)) {
        out[""] = digestOf(dir);
        return out;
    }
    for (const auto &e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file())
            out[fs::relative(e.path(), dir).string()] = digestOf(e.path());
    return out;
}

} // namespace ckpt::testing
