#include "formats/hdf5/hdf5_reader.h"

#include "base/error.h"
#include "formats/hdf5/hdf5_common.h"
#include "formats/hdf5/hdf5_layout.h"
#include "formats/zarr/zarr_dtype.h"

#include <cstring>
#include <fstream>

namespace ckpt::hdf5 {
namespace {

/// An open file shared by the sources made from it; closed under the library lock.
struct OpenFile {
    Handle file;
    std::string path;
    ~OpenFile()
    {
        std::lock_guard lock(libraryMutex());
        file.reset();
    }
};

[[noreturn]] void corrupt(const std::string &what, const std::string &file, const std::string &key = {})
{
    fail(ErrorCategory::Corrupt, "HDF5: " + what, file, std::nullopt, key);
}

std::optional<std::string> readStringAttr(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return std::nullopt;
    Handle a(H5Aopen(obj, name, H5P_DEFAULT));
    if (!a.valid())
        return std::nullopt;
    Handle ft(H5Aget_type(a.get()));
    if (H5Tget_class(ft.get()) != H5T_STRING)
        return std::nullopt;
    if (H5Tis_variable_str(ft.get()) > 0) {
        Handle mt(H5Tcopy(H5T_C_S1));
        H5Tset_size(mt.get(), H5T_VARIABLE);
        H5Tset_cset(mt.get(), H5Tget_cset(ft.get()));
        char *p = nullptr;
        if (H5Aread(a.get(), mt.get(), &p) < 0)
            return std::nullopt;
        std::string s = p ? p : "";
        H5free_memory(p);
        return s;
    }
    const size_t n = H5Tget_size(ft.get());
    if (n > (1u << 20))
        return std::nullopt;
    std::string s(n, '\0');
    if (H5Aread(a.get(), ft.get(), s.data()) < 0)
        return std::nullopt;
    s.resize(std::strlen(s.c_str()));
    return s;
}

/// The dtype a dataset's HDF5 type holds in canonical form, or nullopt.
std::optional<DType> dtypeOfType(hid_t t)
{
    const size_t size = H5Tget_size(t);
    switch (H5Tget_class(t)) {
    case H5T_INTEGER: {
        const bool sign = H5Tget_sign(t) == H5T_SGN_2;
        switch (size) {
        case 1: return sign ? DType::Int8 : DType::UInt8;
        case 2: return sign ? DType::Int16 : DType::UInt16;
        case 4: return sign ? DType::Int32 : DType::UInt32;
        case 8: return sign ? DType::Int64 : DType::UInt64;
        default: return std::nullopt;
        }
    }
    case H5T_FLOAT:
        return size == 2 ? std::optional(DType::Float16)
            : size == 4  ? std::optional(DType::Float32)
            : size == 8  ? std::optional(DType::Float64)
                         : std::nullopt;
    case H5T_ENUM: return size == 1 && H5Tget_nmembers(t) == 2 ? std::optional(DType::Bool) : std::nullopt;
    case H5T_COMPOUND:
        if (H5Tget_nmembers(t) == 2 && (size == 8 || size == 16))
            return size == 8 ? DType::Complex64 : DType::Complex128;
        return std::nullopt;
    default: return std::nullopt;
    }
}

/// Memory type for reading `dtype`'s canonical bytes out of a dataset of file type `ft`.
Handle memoryType(DType stored, hid_t ft)
{
    switch (H5Tget_class(ft)) {
    case H5T_ENUM: return boolType();
    case H5T_COMPOUND: return complexType(itemSize(stored));
    case H5T_FLOAT:
        if (stored == DType::Float16)
            return halfType();
        [[fallthrough]];
    default: return storageType(stored);
    }
}

class Hdf5ArraySource final : public ArraySource {
public:
    Hdf5ArraySource(std::shared_ptr<OpenFile> file, std::string dataset, ArrayInfo info, DType stored, bool widened)
        : m_file(std::move(file))
        , m_dataset(std::move(dataset))
        , m_info(std::move(info))
        , m_stored(stored)
        , m_widened(widened)
    { }
    const ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const Progress &progress) const override
    {
        readSlab(Slab::whole(m_info.shape), out, progress);
    }
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress) const override
    {
        slab.validate(m_info.shape);
        progress.throwIfCancelled();
        const uint64_t n = slab.numElements();
        const size_t item = itemSize(m_info.dtype);
        if (out.size() != n * item)
            fail(ErrorCategory::InvalidArgument, "output buffer has the wrong size", m_file->path);
        if (n == 0)
            return;
        std::vector<std::byte> wide;
        void *dst = out.data();
        if (m_widened) {
            wide.resize(n * 4);
            dst = wide.data();
        }
        {
            std::lock_guard lock(libraryMutex());
            silenceErrors();
            Handle d(H5Dopen2(m_file->file.get(), m_dataset.c_str(), H5P_DEFAULT));
            if (!d.valid())
                corrupt("cannot open dataset", m_file->path, m_dataset);
            Handle ft(H5Dget_type(d.get()));
            Handle mt = memoryType(m_stored, ft.get());
            herr_t rc;
            if (m_info.shape.empty()) {
                rc = H5Dread(d.get(), mt.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, dst);
            } else {
                Handle fs(H5Dget_space(d.get()));
                std::vector<hsize_t> start(slab.start.begin(), slab.start.end());
                std::vector<hsize_t> count(slab.count.begin(), slab.count.end());
                H5Sselect_hyperslab(fs.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
                Handle ms(H5Screate_simple(int(count.size()), count.data(), nullptr));
                rc = H5Dread(d.get(), mt.get(), ms.get(), fs.get(), H5P_DEFAULT, dst);
            }
            if (rc < 0)
                corrupt("reading the dataset failed", m_file->path, m_dataset);
        }
        if (m_widened) {
            for (uint64_t i = 0; i < n; ++i) {
                float f;
                std::memcpy(&f, wide.data() + i * 4, 4);
                uint32_t f32bits;
                std::memcpy(&f32bits, &f, 4);
                // bfloat16 is the upper half of a float32: truncation keeps NaN payloads and -0.
                const uint64_t bits = m_info.dtype == DType::BFloat16 ? uint64_t(f32bits >> 16)
                                                                      : zarr::encodeRealBits(m_info.dtype, double(f));
                std::memcpy(out.data() + i * item, &bits, item); // little-endian host
            }
        }
        if (m_info.dtype == DType::Bool)
            for (auto &b : out)
                b = std::byte(b != std::byte{0} ? 1 : 0);
    }
    std::string location() const override { return m_file->path + " : " + m_dataset; }

private:
    std::shared_ptr<OpenFile> m_file;
    std::string m_dataset;
    ArrayInfo m_info;
    DType m_stored;
    bool m_widened;
};

class Reader {
public:
    Reader(std::shared_ptr<OpenFile> f, const Progress &p)
        : m_file(std::move(f))
        , m_progress(p)
    { }

    NodePtr group(hid_t g, const std::string &name, int depth)
    {
        if (depth > 256)
            corrupt("groups nested deeper than 256 levels", m_file->path, name);
        m_progress.throwIfCancelled();
        const auto kind = readStringAttr(g, kAttrKind).value_or("dict");
        if (kind == "none")
            return Node::makeNone();
        H5_index_t index = H5_INDEX_CRT_ORDER;
        {
            Handle gcpl(H5Gget_create_plist(g));
            unsigned flags = 0;
            if (!gcpl.valid() || H5Pget_link_creation_order(gcpl.get(), &flags) < 0 || !(flags & H5P_CRT_ORDER_INDEXED))
                index = H5_INDEX_NAME;
        }
        H5G_info_t info;
        if (H5Gget_info(g, &info) < 0)
            corrupt("cannot list group", m_file->path, name);
        std::vector<Child> children;
        for (hsize_t i = 0; i < info.nlinks; ++i) {
            const ssize_t len = H5Lget_name_by_idx(g, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
            if (len < 0)
                corrupt("cannot read a link name", m_file->path, name);
            std::string link(size_t(len), '\0');
            H5Lget_name_by_idx(g, ".", index, H5_ITER_INC, i, link.data(), size_t(len) + 1, H5P_DEFAULT);
            const std::string full = (name == "/" ? "/" : name + "/") + link;
            H5O_info_t oi;
            if (H5Oget_info_by_name(g, link.c_str(), &oi, H5P_DEFAULT) < 0)
                corrupt("cannot inspect member", m_file->path, full);
            Handle obj(H5Oopen(g, link.c_str(), H5P_DEFAULT));
            if (!obj.valid())
                corrupt("cannot open member", m_file->path, full);
            const std::string key = readStringAttr(obj.get(), kAttrKey).value_or(link);
            NodePtr child;
            if (oi.type == H5O_TYPE_GROUP)
                child = group(obj.get(), full, depth + 1);
            else if (oi.type == H5O_TYPE_DATASET)
                child = dataset(obj.get(), full);
            else
                continue;
            children.push_back({kind == "list" ? Key::index(children.size()) : Key::name(key), child});
        }
        if (kind == "list") {
            std::vector<NodePtr> items;
            for (auto &c : children)
                items.push_back(c.node);
            return Node::makeList(std::move(items));
        }
        return Node::makeDict(std::move(children));
    }

    NodePtr dataset(hid_t d, const std::string &name)
    {
        const auto kind = readStringAttr(d, kAttrKind).value_or("array");
        Handle ft(H5Dget_type(d));
        Handle space(H5Dget_space(d));
        const int rank = H5Sget_simple_extent_ndims(space.get());
        if (rank < 0 || rank > 64)
            corrupt("bad dataspace", m_file->path, name);
        std::vector<hsize_t> dims(static_cast<size_t>(rank));
        H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
        if (kind == "string" || kind == "bytes") {
            std::string text;
            if (H5Tget_class(ft.get()) == H5T_STRING) {
                if (H5Tis_variable_str(ft.get()) > 0) {
                    Handle mt(H5Tcopy(H5T_C_S1));
                    H5Tset_size(mt.get(), H5T_VARIABLE);
                    H5Tset_cset(mt.get(), H5Tget_cset(ft.get()));
                    char *p = nullptr;
                    if (rank != 0 || H5Dread(d, mt.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) < 0)
                        corrupt("cannot read string", m_file->path, name);
                    text = p ? p : "";
                    H5free_memory(p);
                } else {
                    const size_t n = H5Tget_size(ft.get());
                    if (rank != 0 || n > (64u << 20))
                        corrupt("bad string dataset", m_file->path, name);
                    text.assign(n, '\0');
                    if (H5Dread(d, ft.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0)
                        corrupt("cannot read string", m_file->path, name);
                    text.resize(std::strlen(text.c_str()));
                }
            } else {
                if (rank != 1 || H5Tget_size(ft.get()) != 1 || dims[0] > (uint64_t(1) << 32))
                    corrupt("bad byte-string dataset", m_file->path, name);
                text.assign(size_t(dims[0]), '\0');
                if (dims[0] && H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0)
                    corrupt("cannot read bytes", m_file->path, name);
            }
            return kind == "string" ? Node::makeString(std::move(text)) : Node::makeBytes(std::move(text));
        }
        const auto stored = dtypeOfType(ft.get());
        if (!stored)
            fail(ErrorCategory::Unsupported, "HDF5 dataset type has no NumPy equivalent", m_file->path, std::nullopt,
                name);
        ArrayInfo info;
        info.dtype = *stored;
        info.shape.assign(dims.begin(), dims.end());
        bool widened = false;
        if (auto dn = readStringAttr(d, kAttrDType)) {
            auto t = dtypeFromName(*dn);
            if (!t)
                fail(ErrorCategory::Unsupported, "unknown dtype \"" + *dn + "\"", m_file->path, std::nullopt, name);
            widened = readStringAttr(d, kAttrStoredAs).value_or("") == "float32";
            const size_t want = widened ? 4 : itemSize(*t);
            if ((widened && *stored != DType::Float32) || (!widened && itemSize(*stored) != want)
                || (!widened && !isExtensionDType(*t) && *t != *stored))
                corrupt("stored type does not match ckpt_dtype " + *dn, m_file->path, name);
            info.dtype = *t;
        }
        if (!info.checkedNumElements())
            corrupt("dataset too large", m_file->path, name);
        auto src = std::make_shared<Hdf5ArraySource>(m_file, name, info, *stored, widened);
        if (kind != "scalar")
            return Node::makeArray(src);
        if (!info.shape.empty())
            corrupt("scalar dataset has a shape", m_file->path, name);
        std::vector<std::byte> b(itemSize(info.dtype));
        src->read(b, Progress{});
        Scalar s;
        switch (dtypeClass(info.dtype)) {
        case DTypeClass::Bool: s = Scalar::fromBool(b[0] != std::byte{0}); break;
        case DTypeClass::SignedInt: s = Scalar::fromInt(toInt64(info.dtype, b.data())); break;
        case DTypeClass::UnsignedInt: {
            const uint64_t u = toUInt64(info.dtype, b.data());
            s = u <= uint64_t(INT64_MAX) ? Scalar::fromInt(int64_t(u)) : Scalar::fromUInt(u);
            break;
        }
        case DTypeClass::Float: s = Scalar::fromFloat(toDouble(info.dtype, b.data())); break;
        case DTypeClass::Complex: s = Scalar::fromComplex(toComplex(info.dtype, b.data())); break;
        }
        return Node::makeScalar(s);
    }

private:
    std::shared_ptr<OpenFile> m_file;
    Progress m_progress;
};

} // namespace

bool isHdf5File(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    char sig[8] = {};
    if (!in.read(sig, 8))
        return false;
    return std::memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0;
}

NodePtr readFile(const std::string &path, const Progress &progress)
{
    if (!isHdf5File(path))
        fail(ErrorCategory::NotACheckpoint, "not an HDF5 file (no signature at byte 0)", path, 0);
    auto f = std::make_shared<OpenFile>();
    f->path = path;
    std::lock_guard lock(libraryMutex());
    silenceErrors();
    f->file = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!f->file.valid())
        corrupt("cannot open the file (damaged or truncated)", path);
    Handle root(H5Gopen2(f->file.get(), "/", H5P_DEFAULT));
    if (!root.valid())
        corrupt("cannot open the root group", path);
    return Reader(f, progress).group(root.get(), "/", 0);
}

} // namespace ckpt::hdf5
