#include "formats/zarr/chunked_array_source.h"

#include "base/error.h"
#include "io/codecs/zstd_codec.h"
#include "io/file.h"
#include "io/guarded_read.h"
#include "tree/sequential_chunk_reader.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

namespace ckpt::zarr {

void rethrowForChunk(const Exception &e, const std::string &key, const std::string &store)
{
    Error err = e.error();
    err.message = "zarr chunk \"" + key + "\" in " + store + ": " + err.message;
    throw Exception(std::move(err));
}

ChunkReader::ChunkReader(KvStorePtr store)
    : m_store(std::move(store))
{ }

bool ChunkReader::readStored(const std::vector<uint64_t> &index, StoredChunk &out) const
{
    const std::string key = chunkKey(index);
    RandomAccessPtr value = m_store->get(key);
    if (!value)
        return false;
    try {
        out.file = value->name();
        out.offset = value->baseOffset();
        out.releaseMapping(); // an earlier mapping goes first
        if (std::shared_ptr<const MappedRange> m = value->map(0, value->size())) {
            out.mapped = m->bytes();
            out.owner = std::move(m);
            out.bytes.clear();
            return true;
        }
        out.bytes.resize(size_t(value->size()));
        value->readAt(0, out.bytes);
        return true;
    } catch (const Exception &e) {
        rethrowForChunk(e, key, m_store->describe());
    }
}

void ChunkReader::decodeNamed(
    const std::vector<uint64_t> &index, const StoredChunk &stored, std::span<std::byte> out) const
{
    if (out.size() != m_chunkBytes)
        fail(ErrorCategory::InvalidArgument, "chunk buffer does not match the chunk size");
    try {
        if (stored.isMapped() && !decodesMapped()) {
            StoredChunk copy;
            copy.file = stored.file;
            copy.offset = stored.offset;
            copy.bytes.resize(stored.mapped.size());
            guardedCopy(stored.mapped, copy.bytes.data(), stored.file, stored.offset);
            decode(copy, out);
        } else {
            decode(stored, out);
        }
    } catch (const Exception &e) {
        rethrowForChunk(e, chunkKey(index), m_store->describe());
    }
}

bool ChunkReader::readChunkInto(const std::vector<uint64_t> &index, std::span<std::byte> out) const
{
    StoredChunk stored;
    if (!readStored(index, stored))
        return false;
    decodeNamed(index, stored, out);
    return true;
}

std::unique_ptr<ChunkStream> ChunkReader::openStream(RandomAccessPtr, const std::vector<std::byte> &) const
{
    return nullptr;
}

namespace {

/// zstd frames, decoded front to back.
class ZstdChunkStream final : public ChunkStream {
public:
    explicit ZstdChunkStream(RandomAccessPtr value)
        : m_zstd(std::move(value))
    { }
    void read(std::span<std::byte> out) override { m_zstd.read(out); }

private:
    ZstdStream m_zstd;
};

/// Bytes as stored, read front to back.
class RawChunkStream final : public ChunkStream {
public:
    explicit RawChunkStream(RandomAccessPtr value)
        : m_value(std::move(value))
    { }
    void read(std::span<std::byte> out) override
    {
        m_value->readAt(m_done, out); // throws Corrupt past the stored bytes
        m_done += out.size();
    }

private:
    RandomAccessPtr m_value;
    uint64_t m_done = 0;
};

/// The fill value, element after element (a chunk that is not stored).
class FillStream final : public ChunkStream {
public:
    explicit FillStream(const std::vector<std::byte> &fill)
        : m_fill(fill)
    { }
    void read(std::span<std::byte> out) override
    {
        const size_t item = m_fill.size();
        for (size_t at = 0; at < out.size(); ++at)
            out[at] = m_fill[(m_done + at) % item];
        m_done += out.size();
    }

private:
    std::vector<std::byte> m_fill;
    uint64_t m_done = 0;
};

/// Prefixes a stream's errors with its chunk key.
class NamedStream final : public ChunkStream {
public:
    NamedStream(std::unique_ptr<ChunkStream> inner, std::string key, std::string store)
        : m_inner(std::move(inner))
        , m_key(std::move(key))
        , m_store(std::move(store))
    { }
    void read(std::span<std::byte> out) override
    {
        try {
            m_inner->read(out);
        } catch (const Exception &e) {
            rethrowForChunk(e, m_key, m_store);
        }
    }

private:
    std::unique_ptr<ChunkStream> m_inner;
    std::string m_key, m_store;
};

} // namespace

std::unique_ptr<ChunkStream> ChunkReader::openChunkStream(
    const std::vector<uint64_t> &index, const std::vector<std::byte> &fill) const
{
    if (!streams())
        return nullptr;
    const std::string key = chunkKey(index);
    RandomAccessPtr value;
    try {
        value = m_store->get(key);
    } catch (const Exception &e) {
        rethrowForChunk(e, key, m_store->describe());
    }
    if (!value)
        return fillChunkStream(fill);
    try {
        return std::make_unique<NamedStream>(openStream(std::move(value), fill), key, m_store->describe());
    } catch (const Exception &e) {
        rethrowForChunk(e, key, m_store->describe());
    }
}

std::unique_ptr<ChunkStream> zstdChunkStream(RandomAccessPtr value)
{
    return std::make_unique<ZstdChunkStream>(std::move(value));
}

std::unique_ptr<ChunkStream> rawChunkStream(RandomAccessPtr value)
{
    return std::make_unique<RawChunkStream>(std::move(value));
}

std::unique_ptr<ChunkStream> fillChunkStream(const std::vector<std::byte> &fill)
{
    return std::make_unique<FillStream>(fill);
}

std::string ChunkReader::fingerprint(const std::vector<uint64_t> &index) const
{
    return m_store->fingerprint(chunkKey(index));
}

namespace {

/// A byte buffer that is not zero-filled when it grows (decoders overwrite all of it).
class Scratch {
public:
    std::span<std::byte> get(size_t n)
    {
        if (n > m_size) {
            m_data.reset(new std::byte[n]);
            m_size = n;
        }
        return {m_data.get(), n};
    }

private:
    std::unique_ptr<std::byte[]> m_data;
    size_t m_size = 0;
};

std::vector<uint64_t> cStrides(const std::vector<uint64_t> &shape)
{
    std::vector<uint64_t> s(shape.size(), 1);
    for (size_t i = shape.size(); i > 1; --i)
        s[i - 2] = s[i - 1] * shape[i - 1];
    return s;
}

/// Calls fn(srcOffsetElems, dstOffsetElems) for every row (last dimension run) of a box of `count`
/// elements that starts at srcStart inside srcShape and at dstStart inside dstShape.
template <typename Fn>
void forEachRow(const std::vector<uint64_t> &srcShape, const std::vector<uint64_t> &srcStart,
    const std::vector<uint64_t> &dstShape, const std::vector<uint64_t> &dstStart, const std::vector<uint64_t> &count,
    Fn fn)
{
    const size_t rank = count.size();
    if (rank == 0) {
        fn(0, 0);
        return;
    }
    for (uint64_t c : count)
        if (c == 0)
            return;
    const auto ss = cStrides(srcShape);
    const auto ds = cStrides(dstShape);
    std::vector<uint64_t> idx(rank, 0);
    while (true) {
        uint64_t so = 0, doff = 0;
        for (size_t i = 0; i < rank; ++i) {
            so += (srcStart[i] + idx[i]) * ss[i];
            doff += (dstStart[i] + idx[i]) * ds[i];
        }
        fn(so, doff);
        // Advance all dimensions except the last (rows).
        size_t d = rank - 1;
        while (d > 0) {
            --d;
            if (++idx[d] < count[d])
                break;
            idx[d] = 0;
            if (d == 0)
                return;
        }
        if (rank == 1)
            return;
    }
}

} // namespace

unsigned decodeThreadCount(uint64_t jobs)
{
    unsigned hc = std::thread::hardware_concurrency();
    if (hc == 0)
        hc = 1;
    return unsigned(std::min<uint64_t>({uint64_t(hc), uint64_t(16), std::max<uint64_t>(jobs, 1)}));
}

void transposeToC(std::span<const std::byte> in, const std::vector<uint64_t> &outShape,
    const std::vector<size_t> &order, size_t itemsize, std::span<std::byte> out)
{
    const size_t rank = outShape.size();
    std::vector<uint64_t> encShape(rank);
    for (size_t k = 0; k < rank; ++k)
        encShape[k] = outShape[order[k]];
    const auto es = cStrides(encShape);
    std::vector<uint64_t> strideOfOut(rank);
    for (size_t k = 0; k < rank; ++k)
        strideOfOut[order[k]] = es[k];
    uint64_t n = 1;
    for (uint64_t d : outShape)
        n *= d;
    if (n == 0)
        return;
    std::vector<uint64_t> idx(rank, 0);
    uint64_t src = 0;
    for (uint64_t o = 0; o < n; ++o) {
        std::memcpy(out.data() + o * itemsize, in.data() + src * itemsize, itemsize);
        for (size_t d = rank; d-- > 0;) {
            ++idx[d];
            src += strideOfOut[d];
            if (idx[d] < outShape[d])
                break;
            src -= idx[d] * strideOfOut[d];
            idx[d] = 0;
        }
    }
}

ChunkedArraySource::ChunkedArraySource(
    ArrayInfo info, std::shared_ptr<const ChunkReader> reader, std::vector<std::byte> fill, std::string location)
    : m_info(std::move(info))
    , m_reader(std::move(reader))
    , m_fill(std::move(fill))
    , m_location(std::move(location))
{
    if (m_info.chunkShape.size() != m_info.shape.size())
        fail(ErrorCategory::Corrupt, "chunk shape rank differs from the array rank", m_location);
    for (uint64_t c : m_info.chunkShape)
        if (c == 0)
            fail(ErrorCategory::Corrupt, "chunk shape has a zero dimension", m_location);
    if (m_fill.size() != itemSize(m_info.dtype))
        fail(ErrorCategory::InvalidArgument, "fill value size does not match the dtype", m_location);
    ArrayInfo chunk{m_info.dtype, m_info.chunkShape, {}};
    (void)chunk.numBytes(); // throws on overflow
    (void)m_info.numBytes();
}

void ChunkedArraySource::read(std::span<std::byte> out, const Progress &progress) const
{
    if (out.size() != m_info.numBytes())
        fail(ErrorCategory::InvalidArgument, "output buffer does not match the array size");
    decodeInto(Slab::whole(m_info.shape), out, progress);
}

void ChunkedArraySource::readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress) const
{
    checkSlabOutput(m_info, slab, out);
    decodeInto(slab, out, progress);
}

bool ChunkedArraySource::readThroughStreams(const Slab &slab, std::span<std::byte> out, const Progress &progress) const
{
    const uint64_t chunkBytes = m_reader->chunkBytes();
    if (chunkBytes <= kWholeChunkLimit || out.size() >= chunkBytes)
        return false;
    auto reader = SequentialChunkReader::make(*this);
    if (!reader)
        return false;
    // Runs of the slab that are contiguous in C order: the last dimension, extended outwards over
    // dimensions the slab spans whole. Their positions only grow, so every chunk streams once.
    const size_t rank = m_info.shape.size();
    size_t d = rank - 1;
    uint64_t run = slab.count[d];
    while (d > 0 && slab.start[d] == 0 && slab.count[d] == m_info.shape[d]) {
        --d;
        run *= slab.count[d];
    }
    uint64_t inner = 1; // elements per index of dimension d
    for (size_t i = d + 1; i < rank; ++i)
        inner *= m_info.shape[i];
    const size_t item = itemSize(m_info.dtype);
    std::vector<uint64_t> idx(slab.start.begin(), slab.start.begin() + long(d)); // outer index
    for (uint64_t at = 0; at < out.size(); at += run * item) {
        uint64_t flat = 0;
        for (size_t i = 0; i < d; ++i)
            flat = flat * m_info.shape[i] + idx[i];
        flat = (flat * m_info.shape[d] + slab.start[d]) * inner;
        reader->read(flat, run, out.subspan(size_t(at), size_t(run * item)), progress);
        for (size_t i = d; i-- > 0;) { // next outer index, last dimension fastest
            if (++idx[i] < slab.start[i] + slab.count[i])
                break;
            idx[i] = slab.start[i];
        }
    }
    return true;
}

void ChunkedArraySource::decodeInto(const Slab &slab, std::span<std::byte> out, const Progress &progress) const
{
    const size_t rank = m_info.shape.size();
    const size_t itemsize = itemSize(m_info.dtype);
    if (slab.numElements() == 0)
        return;
    if (readThroughStreams(slab, out, progress))
        return;
    const auto &cs = m_info.chunkShape;
    std::vector<uint64_t> firstChunk(rank), chunksPerDim(rank);
    uint64_t jobs = 1;
    for (size_t i = 0; i < rank; ++i) {
        firstChunk[i] = slab.start[i] / cs[i];
        chunksPerDim[i] = (slab.start[i] + slab.count[i] - 1) / cs[i] - firstChunk[i] + 1;
        jobs *= chunksPerDim[i];
    }

    std::atomic<uint64_t> next{0}, done{0};
    std::atomic<bool> stop{false};
    std::exception_ptr firstError;
    std::mutex errorMutex;

    auto runJob = [&](uint64_t job, Scratch &scratch) {
        std::vector<uint64_t> index(rank), lo(rank), count(rank), inChunk(rank), inOut(rank);
        uint64_t rest = job;
        for (size_t i = rank; i-- > 0;) {
            index[i] = firstChunk[i] + rest % chunksPerDim[i];
            rest /= chunksPerDim[i];
        }
        for (size_t i = 0; i < rank; ++i) {
            const uint64_t chunkLo = index[i] * cs[i];
            lo[i] = std::max(chunkLo, slab.start[i]);
            const uint64_t hi = std::min(chunkLo + cs[i], slab.start[i] + slab.count[i]);
            count[i] = hi - lo[i];
            inChunk[i] = lo[i] - chunkLo;
            inOut[i] = lo[i] - slab.start[i];
        }
        const uint64_t rowElems = rank ? count[rank - 1] : 1;
        // A whole chunk spanning the slab's later dimensions is one contiguous run of `out`.
        bool direct = true;
        for (size_t i = 0; i < rank && direct; ++i)
            direct = count[i] == cs[i] && (i == 0 || count[i] == slab.count[i]);
        if (direct) {
            const auto outStrides = cStrides(slab.count);
            uint64_t at = 0;
            for (size_t i = 0; i < rank; ++i)
                at += inOut[i] * outStrides[i];
            std::span<std::byte> dst = out.subspan(at * itemsize, m_reader->chunkBytes());
            if (!m_reader->readChunkInto(index, dst))
                for (uint64_t e = 0; e < dst.size() / itemsize; ++e)
                    std::memcpy(dst.data() + e * itemsize, m_fill.data(), itemsize);
        } else if (StoredChunk stored; m_reader->readStored(index, stored)) {
            std::span<std::byte> chunk = scratch.get(m_reader->chunkBytes());
            m_reader->decodeNamed(index, stored, chunk);
            forEachRow(cs, inChunk, slab.count, inOut, count, [&](uint64_t so, uint64_t doff) {
                std::memcpy(out.data() + doff * itemsize, chunk.data() + so * itemsize, rowElems * itemsize);
            });
        } else {
            forEachRow(cs, inChunk, slab.count, inOut, count, [&](uint64_t, uint64_t doff) {
                std::byte *dst = out.data() + doff * itemsize;
                for (uint64_t e = 0; e < rowElems; ++e)
                    std::memcpy(dst + e * itemsize, m_fill.data(), itemsize);
            });
        }
        progress.update(++done, jobs);
    };

    auto worker = [&]() {
        Scratch scratch;
        while (!stop.load()) {
            const uint64_t job = next.fetch_add(1);
            if (job >= jobs)
                return;
            try {
                progress.throwIfCancelled();
                runJob(job, scratch);
            } catch (...) {
                std::lock_guard lock(errorMutex);
                if (!firstError)
                    firstError = std::current_exception();
                stop = true;
            }
        }
    };

    const unsigned threads = decodeThreadCount(jobs);
    if (threads <= 1) {
        worker();
    } else {
        std::vector<std::thread> pool;
        pool.reserve(threads);
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back(worker);
        for (auto &t : pool)
            t.join();
    }
    if (firstError)
        std::rethrow_exception(firstError);
}

uint64_t ChunkReader::storedSize(const std::vector<uint64_t> &index) const
{
    const RandomAccessPtr value = m_store->get(chunkKey(index));
    return value ? value->size() : 0;
}

std::optional<uint64_t> ChunkedArraySource::storedBytes() const
{
    const size_t rank = m_info.shape.size();
    std::vector<uint64_t> grid(rank), index(rank, 0);
    for (size_t d = 0; d < rank; ++d) {
        if (m_info.shape[d] == 0)
            return 0;
        grid[d] = (m_info.shape[d] + m_info.chunkShape[d] - 1) / m_info.chunkShape[d];
    }
    uint64_t total = 0;
    while (true) {
        total += m_reader->storedSize(index);
        size_t d = rank;
        while (d > 0 && ++index[d - 1] == grid[d - 1])
            index[--d] = 0;
        if (d == 0)
            return total;
    }
}

std::string ChunkedArraySource::encodingKey() const
{
    std::string fill;
    for (std::byte b : m_fill)
        fill += std::to_string(int(b)) + ",";
    return m_reader->encodingKey() + "|fill:" + fill;
}

std::string ChunkedArraySource::chunkFingerprint(const std::vector<uint64_t> &index) const
{
    return m_reader->fingerprint(index);
}

bool ChunkedArraySource::readStoredChunk(const std::vector<uint64_t> &index, StoredChunk &out) const
{
    return m_reader->readStored(index, out);
}

void ChunkedArraySource::decodeChunk(
    const std::vector<uint64_t> &index, const StoredChunk *stored, std::span<std::byte> out) const
{
    if (out.size() != m_reader->chunkBytes())
        fail(ErrorCategory::InvalidArgument, "chunk buffer does not match the chunk size", m_location);
    if (stored) {
        m_reader->decodeNamed(index, *stored, out);
        return;
    }
    const size_t item = m_fill.size();
    for (size_t e = 0; e < out.size() / item; ++e)
        std::memcpy(out.data() + e * item, m_fill.data(), item);
}

} // namespace ckpt::zarr
