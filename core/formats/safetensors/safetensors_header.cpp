#include "formats/safetensors/safetensors_header.h"

#include "base/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace ckpt::safetensors {
namespace {

uint64_t lengthField(const RandomAccess &src)
{
    std::array<std::byte, 8> b{};
    src.readAt(0, b);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | std::to_integer<uint64_t>(b[static_cast<size_t>(i)]);
    return n;
}

/// Where a tensor's entry starts in the file: the first occurrence of its quoted name.
uint64_t entryOffset(const std::string &text, const std::string &name)
{
    const std::string quoted = nlohmann::json(name).dump();
    const size_t at = text.find(quoted);
    return 8 + (at == std::string::npos ? 0 : at);
}

struct Parser {
    const RandomAccess &src;
    const std::string &text;

    [[noreturn]] void bad(const std::string &name, const std::string &what) const
    {
        fail(ErrorCategory::Corrupt, "safetensors header: tensor \"" + name + "\": " + what, src.name(),
            entryOffset(text, name), name);
    }

    uint64_t unsignedInt(const std::string &name, const nlohmann::json &v, const char *what) const
    {
        if (!v.is_number_unsigned())
            bad(name, std::string(what) + " holds " + v.dump() + ", not a non-negative integer");
        return v.get<uint64_t>();
    }

    TensorEntry entry(const std::string &name, const nlohmann::json &j) const
    {
        if (!j.is_object())
            bad(name, "the entry is " + std::string(j.type_name()) + ", not an object");
        for (const char *member : {"dtype", "shape", "data_offsets"})
            if (!j.contains(member))
                bad(name, std::string("no \"") + member + "\"");
        const auto &d = j["dtype"];
        if (!d.is_string())
            bad(name, "dtype is " + d.dump() + ", not a string");
        const auto dtype = dtypeFromSafetensorsName(d.get<std::string>());
        if (!dtype)
            fail(ErrorCategory::Unsupported, "safetensors header: tensor \"" + name + "\": unknown dtype " + d.dump(),
                src.name(), entryOffset(text, name), name);
        TensorEntry e{name, *dtype, {}, 0, 0};
        const auto &s = j["shape"];
        if (!s.is_array())
            bad(name, "shape is " + s.dump() + ", not a list");
        uint64_t elements = 1;
        bool overflow = false;
        for (const auto &dim : s) {
            e.shape.push_back(unsignedInt(name, dim, "shape"));
            const uint64_t n = e.shape.back();
            overflow = overflow || (n != 0 && elements > UINT64_MAX / n);
            elements = overflow ? elements : elements * n;
        }
        const auto &o = j["data_offsets"];
        if (!o.is_array() || o.size() != 2)
            bad(name, "data_offsets is " + o.dump() + ", not [begin, end]");
        e.begin = unsignedInt(name, o[0], "data_offsets");
        e.end = unsignedInt(name, o[1], "data_offsets");
        if (e.end < e.begin)
            bad(name, "data_offsets " + o.dump() + " end before they begin");
        const auto want = overflow ? std::nullopt : storedBytes(e.dtype, elements);
        if (!want)
            bad(name, "shape " + s.dump() + " of " + std::string(e.dtype.name) + " is not a whole number of bytes");
        if (*want != e.end - e.begin)
            bad(name,
                "data_offsets " + o.dump() + " hold " + std::to_string(e.end - e.begin) + " bytes but "
                    + std::string(e.dtype.name) + " " + s.dump() + " needs " + std::to_string(*want));
        return e;
    }
};

} // namespace

bool looksLikeSafetensors(const RandomAccess &src)
{
    if (src.size() < 10)
        return false;
    const uint64_t n = lengthField(src);
    if (n < 2 || n > kMaxHeaderBytes || n > src.size() - 8)
        return false;
    std::array<std::byte, 1> first{};
    src.readAt(8, first);
    return first[0] == std::byte{'{'};
}

Header readHeader(const RandomAccess &src)
{
    if (src.size() < 8)
        fail(ErrorCategory::Corrupt,
            "safetensors file of " + std::to_string(src.size()) + " bytes is shorter than its 8-byte header length",
            src.name(), 0);
    const uint64_t n = lengthField(src);
    if (n > kMaxHeaderBytes)
        fail(ErrorCategory::Corrupt,
            "safetensors header length " + std::to_string(n) + " exceeds the limit of "
                + std::to_string(kMaxHeaderBytes) + " bytes",
            src.name(), 0);
    if (n > src.size() - 8)
        fail(ErrorCategory::Corrupt,
            "safetensors header claims " + std::to_string(n) + " bytes but the file holds "
                + std::to_string(src.size() - 8) + " after the length field",
            src.name(), 0);
    std::string text(n, '\0');
    src.readAt(8, std::as_writable_bytes(std::span(text)));
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error &e) {
        fail(ErrorCategory::Corrupt, std::string("safetensors header is not valid JSON: ") + e.what(), src.name(),
            8 + (e.byte > 0 ? e.byte - 1 : 0));
    } catch (const nlohmann::json::exception &e) {
        // out_of_range: a number too large for any JSON type (found by fuzz_safetensors).
        fail(ErrorCategory::Corrupt, std::string("safetensors header is not valid JSON: ") + e.what(), src.name(), 8);
    }
    if (!doc.is_object())
        fail(ErrorCategory::Corrupt, "safetensors header is a JSON " + std::string(doc.type_name()) + ", not an object",
            src.name(), 8);
    Header h;
    h.dataStart = 8 + n;
    const Parser p{src, text};
    for (const auto &[name, value] : doc.items()) {
        if (name == "__metadata__") {
            if (!value.is_object())
                fail(ErrorCategory::Corrupt, "safetensors __metadata__ is not an object", src.name(),
                    entryOffset(text, name), name);
            for (const auto &[k, v] : value.items()) {
                if (!v.is_string())
                    fail(ErrorCategory::Corrupt,
                        "safetensors __metadata__ \"" + k + "\" is " + v.dump() + ", not a string", src.name(),
                        entryOffset(text, name), name);
                h.metadata[k] = v.get<std::string>();
            }
            continue;
        }
        h.tensors.push_back(p.entry(name, value));
    }
    std::sort(h.tensors.begin(), h.tensors.end(), [](const TensorEntry &a, const TensorEntry &b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    const uint64_t dataBytes = src.size() - h.dataStart;
    uint64_t at = 0;
    for (const auto &t : h.tensors) {
        if (t.begin != at)
            p.bad(t.name,
                t.begin < at ? "its data overlaps the tensor before it (begins at " + std::to_string(t.begin)
                        + ", the previous one ends at " + std::to_string(at) + ")"
                             : "a gap of " + std::to_string(t.begin - at) + " bytes lies before its data");
        if (t.end > dataBytes)
            p.bad(t.name,
                "its data ends at " + std::to_string(t.end) + ", past the end of the file (" + std::to_string(dataBytes)
                    + " data bytes)");
        at = t.end;
    }
    if (at != dataBytes)
        fail(ErrorCategory::Corrupt,
            "safetensors data section holds " + std::to_string(dataBytes) + " bytes but its tensors cover "
                + std::to_string(at),
            src.name(), h.dataStart + at);
    return h;
}

} // namespace ckpt::safetensors
