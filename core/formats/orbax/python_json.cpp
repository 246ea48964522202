#include "formats/orbax/python_json.h"

#include <cstdio>

namespace ckpt::orbax {
namespace {

void dumpTo(const nlohmann::ordered_json &j, std::string &out)
{
    switch (j.type()) {
    case nlohmann::ordered_json::value_t::object: {
        out += '{';
        bool first = true;
        for (const auto &[k, v] : j.items()) {
            if (!first)
                out += ", ";
            first = false;
            out += nlohmann::ordered_json(k).dump(-1, ' ', true);
            out += ": ";
            dumpTo(v, out);
        }
        out += '}';
        break;
    }
    case nlohmann::ordered_json::value_t::array: {
        out += '[';
        for (size_t i = 0; i < j.size(); ++i) {
            if (i)
                out += ", ";
            dumpTo(j[i], out);
        }
        out += ']';
        break;
    }
    default: out += j.dump(-1, ' ', true);
    }
}

/// Python repr of one str (printable characters assumed; control characters escaped).
std::string reprString(const std::string &s)
{
    const bool hasSingle = s.find('\'') != std::string::npos;
    const bool hasDouble = s.find('"') != std::string::npos;
    const char q = hasSingle && !hasDouble ? '"' : '\'';
    std::string out(1, q);
    for (unsigned char c : s) {
        if (c == '\\')
            out += "\\\\";
        else if (c == q)
            out += std::string("\\") + char(c);
        else if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else
            out += char(c);
    }
    out += q;
    return out;
}

} // namespace

std::string pythonJsonDumps(const nlohmann::ordered_json &j)
{
    std::string out;
    dumpTo(j, out);
    return out;
}

std::string pythonTupleRepr(const std::vector<std::string> &items)
{
    std::string out = "(";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i)
            out += ", ";
        out += reprString(items[i]);
    }
    if (items.size() == 1)
        out += ",";
    return out + ")";
}

std::string base64UrlEncode(const std::string &bytes)
{
    static const char *kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i + 1 == bytes.size()) {
        const uint32_t v = uint8_t(bytes[i]) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

} // namespace ckpt::orbax
