#include "formats/flax_msgpack/msgpack_writer.h"

#include "base/error.h"
#include "formats/flax_msgpack/msgpack_reader.h"
#include "io/atomic_file.h"

#include <msgpack.hpp>

#include <bit>

namespace ckpt::flaxmsgpack {
namespace {

// Ext type codes of flax.serialization: on-disk constants, never change.
constexpr int8_t kExtNdarray = 1, kExtComplex = 2, kExtNpScalar = 3;

/// msgpack::packer stream that forwards to the sink through a small buffer.
class SinkStream {
public:
    explicit SinkStream(const std::function<void(std::span<const std::byte>)> &sink)
        : m_sink(sink)
    { }
    ~SinkStream() = default;
    void write(const char *p, size_t n)
    {
        if (m_buf.size() + n > kBuffer)
            flush();
        if (n >= kBuffer) {
            m_sink(std::span<const std::byte>(reinterpret_cast<const std::byte *>(p), n));
            return;
        }
        m_buf.append(p, n);
    }
    void flush()
    {
        if (!m_buf.empty())
            m_sink(std::span<const std::byte>(reinterpret_cast<const std::byte *>(m_buf.data()), m_buf.size()));
        m_buf.clear();
    }

private:
    static constexpr size_t kBuffer = 1u << 20;
    const std::function<void(std::span<const std::byte>)> &m_sink;
    std::string m_buf;
};

/// Collects bytes in memory, for small nested payloads.
struct StringStream {
    std::string s;
    void write(const char *p, size_t n) { s.append(p, n); }
};

/// float64 (0xcb) always, like Python's packer. msgpack::packer::pack_double would turn integral
/// values such as 1.0 into msgpack ints, which Flax never writes.
template <typename Stream> void packFloat64(Stream &out, double d)
{
    char buf[9];
    buf[0] = char(0xcb);
    const uint64_t bits = std::bit_cast<uint64_t>(d);
    for (int i = 0; i < 8; ++i)
        buf[1 + i] = char(uint8_t(bits >> (56 - 8 * i)));
    out.write(buf, 9);
}

class Writer {
public:
    Writer(SinkStream &out, const WriteOptions &options, const Progress &progress)
        : m_out(out)
        , m_pk(out)
        , m_options(options)
        , m_progress(progress)
    { }

    void value(const NodePtr &n, bool inDict)
    {
        switch (n->kind()) {
        case NodeKind::Dict:
            m_pk.pack_map(uint32_t(n->children().size()));
            for (const Child &c : n->children()) {
                key(c.key.str());
                m_path.push_back(c.key);
                value(c.node, true);
                m_path.pop_back();
            }
            break;
        case NodeKind::List:
            if (m_options.listsAsMaps)
                m_pk.pack_map(uint32_t(n->children().size()));
            else
                m_pk.pack_array(uint32_t(n->children().size()));
            for (const Child &c : n->children()) {
                if (m_options.listsAsMaps)
                    key(c.key.str());
                m_path.push_back(c.key);
                value(c.node, m_options.listsAsMaps);
                m_path.pop_back();
            }
            break;
        case NodeKind::Array: array(*n, inDict); break;
        case NodeKind::Scalar: scalar(n->scalar()); break;
        case NodeKind::String:
            m_pk.pack_str(uint32_t(n->text().size()));
            m_pk.pack_str_body(n->text().data(), uint32_t(n->text().size()));
            break;
        case NodeKind::Bytes:
            m_pk.pack_bin(uint32_t(n->text().size()));
            m_pk.pack_bin_body(n->text().data(), uint32_t(n->text().size()));
            break;
        case NodeKind::None: m_pk.pack_nil(); break;
        }
    }

private:
    void key(const std::string &k)
    {
        m_pk.pack_str(uint32_t(k.size()));
        m_pk.pack_str_body(k.data(), uint32_t(k.size()));
    }

    void scalar(const Scalar &s)
    {
        switch (s.type) {
        case Scalar::Type::Int: m_pk.pack_int64(s.i); break;
        case Scalar::Type::UInt: m_pk.pack_uint64(s.u); break;
        case Scalar::Type::Float: packFloat64(m_out, s.f); break;
        case Scalar::Type::Bool: s.i ? m_pk.pack_true() : m_pk.pack_false(); break;
        case Scalar::Type::Complex: {
            StringStream inner;
            msgpack::packer<StringStream> ipk(inner);
            ipk.pack_array(2);
            packFloat64(inner, s.c.real());
            packFloat64(inner, s.c.imag());
            m_pk.pack_ext(inner.s.size(), kExtComplex);
            m_pk.pack_ext_body(inner.s.data(), uint32_t(inner.s.size()));
            break;
        }
        }
    }

    /// ext payload `[shape, dtype_name, <bin header>]` without the data bytes.
    static std::string ndarrayPrefix(const std::vector<uint64_t> &shape, DType dtype, uint64_t dataBytes)
    {
        StringStream s;
        msgpack::packer<StringStream> pk(s);
        pk.pack_array(3);
        pk.pack_array(uint32_t(shape.size()));
        for (uint64_t d : shape)
            pk.pack_uint64(d);
        const std::string_view name = dtypeName(dtype);
        pk.pack_str(uint32_t(name.size()));
        pk.pack_str_body(name.data(), uint32_t(name.size()));
        pk.pack_bin(uint32_t(dataBytes));
        return s.s;
    }

    void ndarray(
        const ArraySource &src, int8_t extType, const std::vector<uint64_t> &shape, uint64_t firstElem, uint64_t elems)
    {
        const DType dtype = src.info().dtype;
        const uint64_t bytes = elems * itemSize(dtype);
        if (bytes > UINT32_MAX)
            fail(ErrorCategory::Unsupported,
                "array piece of " + std::to_string(bytes)
                    + " bytes does not fit a msgpack bin (use a smaller chunk size)",
                {}, std::nullopt, joinPath(m_path));
        const std::string prefix = ndarrayPrefix(shape, dtype, bytes);
        m_pk.pack_ext(prefix.size() + bytes, extType);
        m_out.write(prefix.data(), prefix.size());
        if (firstElem == 0 && elems == src.info().numElements()) {
            streamArray(
                src,
                [this](
                    std::span<const std::byte> b) { m_out.write(reinterpret_cast<const char *>(b.data()), b.size()); },
                m_progress);
            return;
        }
        const uint64_t step = std::max<uint64_t>(1, (16u << 20) / itemSize(dtype));
        std::vector<std::byte> buf;
        for (uint64_t at = 0; at < elems; at += step) {
            const uint64_t n = std::min(step, elems - at);
            buf.resize(n * itemSize(dtype));
            readFlatRange(src, firstElem + at, n, buf, m_progress);
            m_out.write(reinterpret_cast<const char *>(buf.data()), buf.size());
        }
    }

    void array(const Node &n, bool inDict)
    {
        m_progress.throwIfCancelled();
        const ArraySource &src = *n.array();
        const ArrayInfo &info = src.info();
        const bool npScalar = n.annotations().count(kNumpyScalarAnnotation) != 0;
        const bool mayChunk = !npScalar && (inDict || m_path.empty());
        try {
            if (!mayChunk || info.numBytes() <= m_options.maxChunkBytes) {
                ndarray(src, npScalar ? kExtNpScalar : kExtNdarray, info.shape, 0, info.numElements());
                return;
            }
            // flax.serialization._chunk: {"__msgpack_chunked_array__": True, "shape": {...}, "chunks": {...}}
            const uint64_t total = info.numElements();
            const uint64_t per = std::max<uint64_t>(1, m_options.maxChunkBytes / itemSize(info.dtype));
            m_pk.pack_map(3);
            key(kChunkedMarker);
            m_pk.pack_true();
            key("shape");
            m_pk.pack_map(uint32_t(info.shape.size()));
            for (size_t i = 0; i < info.shape.size(); ++i) {
                key(std::to_string(i));
                m_pk.pack_uint64(info.shape[i]);
            }
            key("chunks");
            const uint64_t pieces = (total + per - 1) / per;
            m_pk.pack_map(uint32_t(pieces));
            for (uint64_t p = 0; p < pieces; ++p) {
                key(std::to_string(p));
                const uint64_t n = std::min(per, total - p * per);
                ndarray(src, kExtNdarray, {n}, p * per, n);
            }
        } catch (const Exception &e) {
            throw e.withKeyPath(joinPath(m_path));
        }
    }

    SinkStream &m_out;
    msgpack::packer<SinkStream> m_pk;
    const WriteOptions &m_options;
    const Progress &m_progress;
    Path m_path;
};

} // namespace

void serialize(const NodePtr &root, const std::function<void(std::span<const std::byte>)> &sink,
    const WriteOptions &options, const Progress &progress)
{
    SinkStream out(sink);
    Writer w(out, options, progress);
    w.value(root, false);
    out.flush();
}

std::vector<std::byte> serializeToBytes(const NodePtr &root, const WriteOptions &options)
{
    std::vector<std::byte> bytes;
    serialize(
        root, [&bytes](std::span<const std::byte> b) { bytes.insert(bytes.end(), b.begin(), b.end()); }, options);
    return bytes;
}

void writeFile(const NodePtr &root, const std::string &path, const WriteOptions &options, const Progress &progress)
{
    AtomicFileWriter file(path, options.overwrite);
    serialize(
        root, [&file](std::span<const std::byte> b) { file.write(b); }, options, progress);
    file.commit();
}

} // namespace ckpt::flaxmsgpack
