// ckpt show: the values of one leaf.
#include "commands.h"
#include "open_args.h"

#include "base/error.h"
#include "ops/format_array.h"
#include "ops/slice_spec.h"
#include "ops/tree_json.h"

#include <cmath>
#include <iostream>

namespace ckpt::cli {
namespace {

nlohmann::json elementJson(DType t, const std::byte *p)
{
    switch (dtypeClass(t)) {
    case DTypeClass::Bool: return toInt64(t, p) != 0;
    case DTypeClass::SignedInt: return toInt64(t, p);
    case DTypeClass::UnsignedInt: return toUInt64(t, p);
    case DTypeClass::Float: {
        const double v = toDouble(t, p);
        if (std::isfinite(v))
            return v;
        return formatDouble(v);
    }
    case DTypeClass::Complex: {
        auto c = toComplex(t, p);
        auto part = [](double v) -> nlohmann::json {
            return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(formatDouble(v));
        };
        return {part(c.real()), part(c.imag())};
    }
    }
    return nullptr;
}

nlohmann::json nestedJson(DType t, const std::vector<uint64_t> &shape, const std::byte *data, size_t dim)
{
    if (dim == shape.size())
        return elementJson(t, data);
    uint64_t inner = 1;
    for (size_t i = dim + 1; i < shape.size(); ++i)
        inner *= shape[i];
    nlohmann::json a = nlohmann::json::array();
    for (uint64_t i = 0; i < shape[dim]; ++i)
        a.push_back(nestedJson(t, shape, data + i * inner * itemSize(t), dim + 1));
    return a;
}

} // namespace

int cmdShow(const std::vector<std::string> &args)
{
    std::set<std::string> valued = kOpenValued;
    valued.insert("slice");
    const CliArgs a = parseArgs(args, withOpenFlags({"json", "full"}), valued);
    expectPositionals(a, 2, 2, "ckpt show PATH KEYPATH [--slice '0,:,2:5'] [--full] [--json]");
    const Checkpoint c = openFromArgs(a.positional[0], a);
    const NodePtr n = findOrFail(c, a.positional[1]);
    const Path path = parsePath(a.positional[1]);
    if (n->kind() != NodeKind::Array) {
        if (a.has("slice"))
            fail(ErrorCategory::InvalidArgument,
                "--slice applies to arrays; this leaf is " + std::string(n->kindName()), c.path, std::nullopt,
                a.positional[1]);
        if (a.has("json")) {
            nlohmann::json j = {{"ckpt_json", kCkptJsonVersion}, {"leaf", leafJson(path, *n, false)}};
            std::cout << j.dump() << std::endl;
            return 0;
        }
        switch (n->kind()) {
        case NodeKind::Scalar: std::cout << n->scalar().repr() << "\n"; break;
        case NodeKind::String: std::cout << n->text() << "\n"; break;
        case NodeKind::Bytes: std::cout << "bytes[" << n->text().size() << "]\n"; break;
        case NodeKind::None: std::cout << "None\n"; break;
        default: {
            std::cout << n->kindName() << " with " << n->children().size() << " children:\n";
            for (const Child &ch : n->children())
                std::cout << "  " << ch.key.str() << "  (" << ch.node->kindName() << ")\n";
        }
        }
        return 0;
    }
    const ArrayInfo &info = n->arrayInfo();
    const SliceSpec spec = parseSlice(a.get("slice", ""), info.shape);
    const uint64_t elems = spec.slab.numElements();
    if (elems > (uint64_t(1) << 28) && (a.has("json") || a.has("full")))
        fail(ErrorCategory::InvalidArgument,
            "slice of " + std::to_string(elems) + " elements is too large to print; narrow it with --slice");
    std::vector<std::byte> buf(elems * itemSize(info.dtype));
    n->array()->readSlab(spec.slab, buf);
    if (a.has("json")) {
        nlohmann::json j = {{"ckpt_json", kCkptJsonVersion}, {"path", parsePath(a.positional[1]).size()},
            {"dtype", std::string(dtypeName(info.dtype))}, {"shape", spec.resultShape},
            {"values", nestedJson(info.dtype, spec.resultShape, buf.data(), 0)}};
        j["path"] = nlohmann::json::array();
        for (const Key &k : path)
            j["path"].push_back(k.str());
        std::cout << j.dump() << std::endl;
        return 0;
    }
    FormatOptions fo;
    if (a.has("full"))
        fo.threshold = UINT64_MAX;
    std::cout << formatArray(info.dtype, spec.resultShape, buf, fo) << "\n";
    return 0;
}

} // namespace ckpt::cli
