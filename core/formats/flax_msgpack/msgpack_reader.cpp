#include "formats/flax_msgpack/msgpack_reader.h"

#include "base/error.h"
#include "formats/flax_msgpack/chunked_array.h"
#include "io/buffered_cursor.h"
#include "io/flat_array_source.h"
#include "io/path_ops.h"

#include <bit>
#include <cstring>

namespace ckpt::flaxmsgpack {
namespace {

// msgpack type bytes (https://github.com/msgpack/msgpack/blob/master/spec.md): wire constants, never change.
constexpr uint8_t kNil = 0xc0, kFalse = 0xc2, kTrue = 0xc3;
constexpr uint8_t kBin8 = 0xc4, kBin16 = 0xc5, kBin32 = 0xc6;
constexpr uint8_t kExt8 = 0xc7, kExt16 = 0xc8, kExt32 = 0xc9;
constexpr uint8_t kFloat32 = 0xca, kFloat64 = 0xcb;
constexpr uint8_t kUInt8 = 0xcc, kUInt64 = 0xcf, kInt8 = 0xd0, kInt64 = 0xd3;
constexpr uint8_t kFixExt1 = 0xd4, kFixExt16 = 0xd8;
constexpr uint8_t kStr8 = 0xd9, kStr16 = 0xda, kStr32 = 0xdb;
constexpr uint8_t kArray16 = 0xdc, kArray32 = 0xdd, kMap16 = 0xde, kMap32 = 0xdf;

// Ext type codes used by flax.serialization and orbax msgpack_utils.
constexpr int8_t kExtNdarray = 1, kExtComplex = 2, kExtNpScalar = 3, kExtTuple = 4;

/// A decoded msgpack value that is not a container (what we need for keys and ext payload fields).
struct Atom {
    enum class T { Nil, Bool, Int, UInt, Float, Str, Bin } t = T::Nil;
    int64_t i = 0;
    uint64_t u = 0;
    double f = 0;
    std::string s;
};

class Parser {
public:
    Parser(RandomAccessPtr src, const ReadLimits &limits, const Progress &progress)
        : m_cur(std::move(src))
        , m_limits(limits)
        , m_progress(progress)
    { }

    NodePtr parseDocument()
    {
        NodePtr root = parseValue(0);
        if (m_cur.remaining() != 0)
            m_cur.error("unexpected bytes after the msgpack object");
        return root;
    }

private:
    [[noreturn]] void fail(ErrorCategory c, const std::string &msg, uint64_t offset)
    {
        ckpt::fail(c, msg, m_cur.source()->name(), m_cur.source()->baseOffset() + offset, joinPath(m_path));
    }

    void checkDepth(int depth)
    {
        if (depth > m_limits.maxDepth)
            fail(ErrorCategory::Corrupt, "nesting deeper than " + std::to_string(m_limits.maxDepth) + " levels",
                m_cur.offset());
    }

    /// Every msgpack element takes at least one byte, so a count above the remaining bytes is a lie.
    void checkCount(uint64_t count, uint64_t perElement, uint64_t at)
    {
        if (count > m_cur.remaining() / perElement)
            fail(ErrorCategory::Corrupt,
                "declares " + std::to_string(count) + " elements but only " + std::to_string(m_cur.remaining())
                    + " bytes remain",
                at);
    }

    std::string takeString(uint64_t n, uint64_t at)
    {
        if (n > m_cur.remaining())
            fail(ErrorCategory::Corrupt,
                "string of " + std::to_string(n) + " bytes but only " + std::to_string(m_cur.remaining())
                    + " bytes remain",
                at);
        if (n > m_limits.maxStringBytes)
            fail(ErrorCategory::Unsupported, "string of " + std::to_string(n) + " bytes is over the limit", at);
        return m_cur.take(n);
    }

    /// Reads a non-container value; fails on maps, arrays and ext.
    Atom parseAtom(const char *what)
    {
        const uint64_t at = m_cur.offset();
        const uint8_t b = m_cur.u8();
        Atom a;
        if (b <= 0x7f) {
            a.t = Atom::T::Int;
            a.i = b;
        } else if (b >= 0xe0) {
            a.t = Atom::T::Int;
            a.i = int8_t(b);
        } else if ((b & 0xe0) == 0xa0) {
            a.t = Atom::T::Str;
            a.s = takeString(b & 0x1f, at);
        } else if (b == kNil) {
            a.t = Atom::T::Nil;
        } else if (b == kFalse || b == kTrue) {
            a.t = Atom::T::Bool;
            a.i = b == kTrue;
        } else if (b >= kBin8 && b <= kBin32) {
            a.t = Atom::T::Bin;
            a.s = takeString(m_cur.be(1 << (b - kBin8)), at);
        } else if (b >= kStr8 && b <= kStr32) {
            a.t = Atom::T::Str;
            a.s = takeString(m_cur.be(1 << (b - kStr8)), at);
        } else if (b == kFloat32) {
            a.t = Atom::T::Float;
            a.f = std::bit_cast<float>(uint32_t(m_cur.be(4)));
        } else if (b == kFloat64) {
            a.t = Atom::T::Float;
            a.f = std::bit_cast<double>(m_cur.be(8));
        } else if (b >= kUInt8 && b <= kUInt64) {
            const uint64_t v = m_cur.be(1 << (b - kUInt8));
            if (v <= uint64_t(INT64_MAX)) {
                a.t = Atom::T::Int;
                a.i = int64_t(v);
            } else {
                a.t = Atom::T::UInt;
                a.u = v;
            }
        } else if (b >= kInt8 && b <= kInt64) {
            const int n = 1 << (b - kInt8);
            const uint64_t v = m_cur.be(n);
            a.t = Atom::T::Int;
            a.i = n == 8 ? int64_t(v) : int64_t(v << (64 - 8 * n)) >> (64 - 8 * n);
        } else {
            m_cur.seek(at);
            fail(ErrorCategory::Corrupt, std::string("expected ") + what + ", found msgpack type 0x" + hex(b), at);
        }
        return a;
    }

    static std::string hex(uint8_t b)
    {
        const char *d = "0123456789abcdef";
        return {d[b >> 4], d[b & 15]};
    }

    std::string keyText(const Atom &a)
    {
        switch (a.t) {
        case Atom::T::Str:
        case Atom::T::Bin: return a.s;
        case Atom::T::Int: return std::to_string(a.i);
        case Atom::T::UInt: return std::to_string(a.u);
        case Atom::T::Nil: return "None";
        case Atom::T::Bool: return a.i ? "True" : "False";
        case Atom::T::Float: return formatDouble(a.f);
        }
        return {};
    }

    NodePtr parseValue(int depth)
    {
        checkDepth(depth);
        if ((++m_count & 0x3fff) == 0)
            m_progress.throwIfCancelled();
        const uint64_t at = m_cur.offset();
        const uint8_t b = m_cur.peek();
        if ((b & 0xf0) == 0x80 || b == kMap16 || b == kMap32) {
            m_cur.u8();
            const uint64_t n = (b & 0xf0) == 0x80 ? (b & 0x0f) : m_cur.be(b == kMap16 ? 2 : 4);
            return parseMap(n, at, depth);
        }
        if ((b & 0xf0) == 0x90 || b == kArray16 || b == kArray32) {
            m_cur.u8();
            const uint64_t n = (b & 0xf0) == 0x90 ? (b & 0x0f) : m_cur.be(b == kArray16 ? 2 : 4);
            return parseArray(n, at, depth);
        }
        if ((b >= kFixExt1 && b <= kFixExt16) || (b >= kExt8 && b <= kExt32)) {
            m_cur.u8();
            const uint64_t len = b >= kFixExt1 ? (1u << (b - kFixExt1)) : m_cur.be(1 << (b - kExt8));
            const int8_t type = int8_t(m_cur.u8());
            if (len > m_cur.remaining())
                fail(ErrorCategory::Corrupt,
                    "ext payload of " + std::to_string(len) + " bytes but only " + std::to_string(m_cur.remaining())
                        + " bytes remain",
                    at);
            return parseExt(type, len, at, depth);
        }
        Atom a = parseAtom("a value");
        switch (a.t) {
        case Atom::T::Nil: return Node::makeNone();
        case Atom::T::Bool: return Node::makeScalar(Scalar::fromBool(a.i));
        case Atom::T::Int: return Node::makeScalar(Scalar::fromInt(a.i));
        case Atom::T::UInt: return Node::makeScalar(Scalar::fromUInt(a.u));
        case Atom::T::Float: return Node::makeScalar(Scalar::fromFloat(a.f));
        case Atom::T::Str: return Node::makeString(std::move(a.s));
        case Atom::T::Bin: return Node::makeBytes(std::move(a.s));
        }
        return Node::makeNone();
    }

    NodePtr parseMap(uint64_t n, uint64_t at, int depth)
    {
        checkCount(n, 2, at);
        std::vector<Child> children;
        children.reserve(n);
        bool chunked = false;
        for (uint64_t i = 0; i < n; ++i) {
            std::string key = keyText(parseAtom("a map key"));
            if (key == kChunkedMarker)
                chunked = true;
            m_path.push_back(Key::name(key));
            NodePtr v = parseValue(depth + 1);
            m_path.pop_back();
            children.push_back({Key::name(std::move(key)), std::move(v)});
        }
        NodePtr dict = Node::makeDict(std::move(children));
        if (chunked) {
            try {
                return assembleChunkedArray(*dict);
            } catch (const Exception &e) {
                Error err = e.error();
                if (!err.byteOffset) {
                    err.file = m_cur.source()->name();
                    err.byteOffset = m_cur.source()->baseOffset() + at;
                }
                if (err.keyPath.empty())
                    err.keyPath = joinPath(m_path);
                throw Exception(err);
            }
        }
        return dict;
    }

    NodePtr parseArray(uint64_t n, uint64_t at, int depth)
    {
        checkCount(n, 1, at);
        std::vector<NodePtr> items;
        items.reserve(n);
        for (uint64_t i = 0; i < n; ++i) {
            m_path.push_back(Key::index(i));
            items.push_back(parseValue(depth + 1));
            m_path.pop_back();
        }
        return Node::makeList(std::move(items));
    }

    uint64_t readArrayHeader(const char *what)
    {
        const uint64_t at = m_cur.offset();
        const uint8_t b = m_cur.u8();
        if ((b & 0xf0) == 0x90)
            return b & 0x0f;
        if (b == kArray16 || b == kArray32)
            return m_cur.be(b == kArray16 ? 2 : 4);
        fail(ErrorCategory::Corrupt, std::string("expected ") + what + ", found msgpack type 0x" + hex(b), at);
    }

    NodePtr parseExt(int8_t type, uint64_t len, uint64_t at, int depth)
    {
        const uint64_t start = m_cur.offset();
        const uint64_t end = start + len;
        NodePtr result;
        switch (type) {
        case kExtNdarray:
        case kExtNpScalar: result = parseNdarray(type, end, depth); break;
        case kExtComplex: {
            const uint64_t n = readArrayHeader("[real, imag]");
            if (n != 2)
                fail(ErrorCategory::Corrupt, "complex ext must hold 2 numbers, holds " + std::to_string(n), at);
            const Atom re = parseAtom("a float"), im = parseAtom("a float");
            if (re.t != Atom::T::Float || im.t != Atom::T::Float)
                fail(ErrorCategory::Corrupt, "complex ext must hold two floats", at);
            result = Node::makeScalar(Scalar::fromComplex({re.f, im.f}));
            break;
        }
        case kExtTuple: {
            checkDepth(depth + 1);
            const uint64_t n = readArrayHeader("a tuple's elements");
            checkCount(n, 1, at);
            std::vector<NodePtr> items;
            items.reserve(n);
            for (uint64_t i = 0; i < n; ++i) {
                m_path.push_back(Key::index(i));
                items.push_back(parseValue(depth + 2));
                m_path.pop_back();
            }
            result = Node::makeList(std::move(items));
            break;
        }
        default: fail(ErrorCategory::Unsupported, "unknown msgpack ext type " + std::to_string(type), at);
        }
        if (m_cur.offset() != end)
            fail(ErrorCategory::Corrupt,
                "ext payload declares " + std::to_string(len) + " bytes but its content takes "
                    + std::to_string(m_cur.offset() - start),
                at);
        return result;
    }

    /// `[shape, dtype_name, data]` of flax.serialization._ndarray_to_bytes.
    NodePtr parseNdarray(int8_t type, uint64_t end, int depth)
    {
        const uint64_t at = m_cur.offset();
        checkDepth(depth + 2);
        if (readArrayHeader("[shape, dtype, data]") != 3)
            fail(ErrorCategory::Corrupt, "ndarray ext must be a 3-element array", at);
        ArrayInfo info;
        const uint64_t shapeAt = m_cur.offset();
        const uint64_t rank = readArrayHeader("a shape");
        if (rank > 64)
            fail(ErrorCategory::Unsupported, "array rank " + std::to_string(rank) + " is above 64", shapeAt);
        for (uint64_t i = 0; i < rank; ++i) {
            const Atom d = parseAtom("a dimension");
            if (d.t != Atom::T::Int || d.i < 0)
                fail(ErrorCategory::Corrupt, "array dimension must be a non-negative integer", shapeAt);
            info.shape.push_back(uint64_t(d.i));
        }
        const uint64_t dtypeAt = m_cur.offset();
        const Atom name = parseAtom("a dtype name");
        if (name.t != Atom::T::Str && name.t != Atom::T::Bin)
            fail(ErrorCategory::Corrupt, "dtype name must be a string", dtypeAt);
        auto dt = dtypeFromName(name.s);
        if (!dt)
            fail(ErrorCategory::Unsupported, "unknown dtype '" + name.s + "'", dtypeAt);
        info.dtype = *dt;
        const uint64_t dataAt = m_cur.offset();
        const uint8_t b = m_cur.u8();
        uint64_t n = 0;
        if (b >= kBin8 && b <= kBin32)
            n = m_cur.be(1 << (b - kBin8));
        else if (b >= kStr8 && b <= kStr32)
            n = m_cur.be(1 << (b - kStr8));
        else if ((b & 0xe0) == 0xa0)
            n = b & 0x1f;
        else
            fail(ErrorCategory::Corrupt, "array data must be bytes, found msgpack type 0x" + hex(b), dataAt);
        const uint64_t payload = m_cur.offset();
        if (n > end - payload)
            fail(ErrorCategory::Corrupt,
                "array data of " + std::to_string(n) + " bytes runs past its ext payload ("
                    + std::to_string(end - payload) + " bytes left)",
                dataAt);
        auto elems = info.checkedNumElements();
        if (!elems || *elems > UINT64_MAX / itemSize(info.dtype) || *elems * itemSize(info.dtype) != n)
            fail(ErrorCategory::Corrupt,
                "array data has " + std::to_string(n) + " bytes but " + std::string(dtypeName(info.dtype))
                    + shapeString(info.shape) + " needs "
                    + (elems && *elems <= UINT64_MAX / itemSize(info.dtype)
                            ? std::to_string(*elems * itemSize(info.dtype))
                            : std::string("more than 2^64")),
                dataAt);
        m_cur.skip(n);
        auto src = std::make_shared<FlatArraySource>(
            info, std::vector<FlatArraySource::Piece>{{m_cur.source(), payload, n}});
        NodePtr node = Node::makeArray(std::move(src));
        if (type == kExtNpScalar)
            node = node->withAnnotation(kNumpyScalarAnnotation, "3");
        return node;
    }

    BufferedCursor m_cur;
    const ReadLimits &m_limits;
    const Progress &m_progress;
    Path m_path;
    uint64_t m_count = 0;
};

} // namespace

NodePtr parse(const RandomAccessPtr &src, const ReadLimits &limits, const Progress &progress)
{
    if (src->size() == 0)
        fail(ErrorCategory::Corrupt, "empty file: no msgpack object", src->name(), 0);
    Parser p(src, limits, progress);
    return p.parseDocument();
}

NodePtr readFile(const std::string &path, const ReadLimits &limits, const Progress &progress)
{
    return parse(openPath(path), limits, progress);
}

bool looksLikeMsgpack(const RandomAccess &src)
{
    if (src.size() == 0)
        return false;
    std::byte b;
    src.readAt(0, std::span<std::byte>(&b, 1));
    const uint8_t t = uint8_t(b);
    return (t & 0xf0) == 0x80 || t == kMap16 || t == kMap32 || (t >= kFixExt1 && t <= kFixExt16)
        || (t >= kExt8 && t <= kExt32);
}

} // namespace ckpt::flaxmsgpack
