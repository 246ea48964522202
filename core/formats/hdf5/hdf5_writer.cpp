#include "formats/hdf5/hdf5_writer.h"

#include "base/error.h"
#include "formats/hdf5/hdf5_common.h"
#include "formats/hdf5/hdf5_layout.h"
#include "io/atomic_file.h"
#include "io/temp_sibling.h"
#include "tree/box_pieces.h"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ckpt::hdf5 {
namespace {

class Writer {
public:
    Writer(std::string file, const WriteOptions &o, const Progress &p)
        : m_file(std::move(file))
        , m_opt(o)
        , m_progress(p)
    { }

    void check(herr_t rc, const std::string &what, const std::string &key = {}) const
    {
        if (rc < 0)
            fail(ErrorCategory::Io, "HDF5 " + what + " failed", m_file, std::nullopt, key);
    }
    Handle checked(hid_t id, const std::string &what, const std::string &key = {}) const
    {
        if (id < 0)
            fail(ErrorCategory::Io, "HDF5 " + what + " failed", m_file, std::nullopt, key);
        return Handle(id);
    }

    void attr(hid_t obj, const char *name, const std::string &value)
    {
        Handle t = checked(H5Tcopy(H5T_C_S1), "type copy");
        H5Tset_size(t.get(), H5T_VARIABLE);
        H5Tset_cset(t.get(), H5T_CSET_UTF8);
        Handle space = checked(H5Screate(H5S_SCALAR), "dataspace");
        Handle a = checked(H5Acreate2(obj, name, t.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "attribute create");
        const char *p = value.c_str();
        check(H5Awrite(a.get(), t.get(), &p), "attribute write");
    }

    Handle group(hid_t parent, const std::string &name, const std::string &key)
    {
        Handle gcpl = checked(H5Pcreate(H5P_GROUP_CREATE), "property list");
        H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
        return checked(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), "group create", key);
    }

    void markKey(hid_t obj, const std::string &name, const std::string &key)
    {
        if (name != key)
            attr(obj, kAttrKey, key);
    }

    void writeNode(hid_t parent, const Key &key, const NodePtr &node, Path &path)
    {
        const std::string name = linkNameForKey(key.str());
        const std::string keyPath = joinPath(path);
        switch (node->kind()) {
        case NodeKind::Dict:
        case NodeKind::List: {
            Handle g = group(parent, name, keyPath);
            markKey(g.get(), name, key.str());
            writeChildren(g.get(), node, path);
            return;
        }
        case NodeKind::None: {
            Handle g = group(parent, name, keyPath);
            markKey(g.get(), name, key.str());
            attr(g.get(), kAttrKind, "none");
            return;
        }
        case NodeKind::Array: writeArray(parent, name, key.str(), *node->array(), keyPath); return;
        case NodeKind::Scalar: writeScalar(parent, name, key.str(), node->scalar(), keyPath); return;
        case NodeKind::String:
        case NodeKind::Bytes: writeText(parent, name, key.str(), node, keyPath); return;
        }
    }

    void writeChildren(hid_t g, const NodePtr &node, Path &path)
    {
        attr(g, kAttrKind, node->kind() == NodeKind::List ? "list" : "dict");
        for (const auto &c : node->children()) {
            m_progress.throwIfCancelled();
            path.push_back(c.key);
            writeNode(g, c.key, c.node, path);
            path.pop_back();
        }
    }

    void writeScalar(
        hid_t parent, const std::string &name, const std::string &key, const Scalar &s, const std::string &keyPath)
    {
        Handle type;
        std::byte buf[16] = {};
        switch (s.type) {
        case Scalar::Type::Int:
            type = Handle(H5Tcopy(H5T_STD_I64LE));
            std::memcpy(buf, &s.i, 8);
            break;
        case Scalar::Type::UInt:
            type = Handle(H5Tcopy(H5T_STD_U64LE));
            std::memcpy(buf, &s.u, 8);
            break;
        case Scalar::Type::Float:
            type = Handle(H5Tcopy(H5T_IEEE_F64LE));
            std::memcpy(buf, &s.f, 8);
            break;
        case Scalar::Type::Bool:
            type = boolType();
            buf[0] = std::byte(s.i ? 1 : 0);
            break;
        case Scalar::Type::Complex: {
            type = complexType(16);
            const double c[2] = {s.c.real(), s.c.imag()};
            std::memcpy(buf, c, 16);
            break;
        }
        }
        Handle space = checked(H5Screate(H5S_SCALAR), "dataspace");
        Handle d
            = checked(H5Dcreate2(parent, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "dataset create", keyPath);
        check(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "dataset write", keyPath);
        attr(d.get(), kAttrKind, "scalar");
        markKey(d.get(), name, key);
    }

    void writeText(
        hid_t parent, const std::string &name, const std::string &key, const NodePtr &node, const std::string &keyPath)
    {
        const std::string &text = node->text();
        const bool isString = node->kind() == NodeKind::String;
        Handle d;
        if (isString && text.find('\0') == std::string::npos) {
            Handle t = checked(H5Tcopy(H5T_C_S1), "type copy");
            H5Tset_size(t.get(), H5T_VARIABLE);
            H5Tset_cset(t.get(), H5T_CSET_UTF8);
            Handle space = checked(H5Screate(H5S_SCALAR), "dataspace");
            d = checked(H5Dcreate2(parent, name.c_str(), t.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "dataset create", keyPath);
            const char *p = text.c_str();
            check(H5Dwrite(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), "dataset write", keyPath);
        } else {
            const hsize_t n = text.size();
            Handle space = checked(H5Screate_simple(1, &n, nullptr), "dataspace");
            d = checked(
                H5Dcreate2(parent, name.c_str(), H5T_STD_U8LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "dataset create", keyPath);
            if (n)
                check(H5Dwrite(d.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()), "dataset write",
                    keyPath);
        }
        attr(d.get(), kAttrKind, isString ? "string" : "bytes");
        markKey(d.get(), name, key);
    }

    void writeArray(hid_t parent, const std::string &name, const std::string &key, const ArraySource &src,
        const std::string &keyPath)
    {
        const ArrayInfo &info = src.info();
        const bool widen = m_opt.widen && isExtensionDType(info.dtype) && isFloating(info.dtype);
        Handle type = widen ? Handle(H5Tcopy(H5T_IEEE_F32LE)) : storageType(info.dtype);
        const size_t storedItem = widen ? 4 : itemSize(info.dtype);
        const size_t rank = info.shape.size();
        std::vector<hsize_t> dims(info.shape.begin(), info.shape.end());
        Handle space = checked(rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(int(rank), dims.data(), nullptr),
            "dataspace", keyPath);
        Handle dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), "property list");
        const uint64_t n = info.numElements();
        if (rank > 0 && n > 0 && n * storedItem >= m_opt.compressMinBytes) {
            std::vector<hsize_t> chunk = dims;
            auto bytes = [&] {
                uint64_t b = storedItem;
                for (auto c : chunk)
                    b *= c;
                return b;
            };
            while (bytes() > (1u << 20)) {
                auto it = std::max_element(chunk.begin(), chunk.end());
                if (*it <= 1)
                    break;
                *it = (*it + 1) / 2;
            }
            check(H5Pset_chunk(dcpl.get(), int(rank), chunk.data()), "set chunk", keyPath);
            check(H5Pset_shuffle(dcpl.get()), "set shuffle", keyPath);
            check(H5Pset_deflate(dcpl.get(), 4), "set deflate", keyPath);
        }
        Handle d
            = checked(H5Dcreate2(parent, name.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                "dataset create", keyPath);
        attr(d.get(), kAttrKind, "array");
        attr(d.get(), kAttrDType, std::string(dtypeName(info.dtype)));
        if (widen)
            attr(d.get(), kAttrStoredAs, "float32");
        markKey(d.get(), name, key);

        const size_t item = itemSize(info.dtype);
        std::vector<std::byte> buf, wide;
        auto writePiece = [&](const Slab &piece) {
            m_progress.throwIfCancelled();
            buf.resize(piece.numElements() * item);
            try {
                src.readSlab(piece, buf, m_progress);
            } catch (const Exception &e) {
                throw e.withKeyPath(keyPath);
            }
            const void *data = buf.data();
            if (widen) {
                wide.resize(piece.numElements() * 4);
                for (uint64_t i = 0; i < piece.numElements(); ++i) {
                    const float f = float(toDouble(info.dtype, buf.data() + i * item));
                    std::memcpy(wide.data() + i * 4, &f, 4);
                }
                data = wide.data();
            }
            if (rank == 0) {
                check(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "dataset write", keyPath);
            } else {
                std::vector<hsize_t> start(piece.start.begin(), piece.start.end());
                std::vector<hsize_t> count(piece.count.begin(), piece.count.end());
                check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
                    "select", keyPath);
                Handle mem = checked(H5Screate_simple(int(rank), count.data(), nullptr), "dataspace", keyPath);
                check(
                    H5Dwrite(d.get(), type.get(), mem.get(), space.get(), H5P_DEFAULT, data), "dataset write", keyPath);
            }
            m_done += piece.numElements() * item;
            m_progress.update(m_done, m_total);
        };
        forEachPieceBox(Slab::whole(info.shape), item, m_opt.pieceBytes, writePiece);
    }

    void run(const NodePtr &root)
    {
        if (!root->isContainer())
            fail(ErrorCategory::Unsupported, "HDF5 export needs a dict or a list at the root of the tree", m_file);
        m_total = root->arrayBytes();
        Handle fcpl = checked(H5Pcreate(H5P_FILE_CREATE), "property list");
        H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
        Handle f = checked(H5Fcreate(m_file.c_str(), H5F_ACC_EXCL, fcpl.get(), H5P_DEFAULT), "file create");
        Handle g = checked(H5Gopen2(f.get(), "/", H5P_DEFAULT), "open root group");
        attr(g.get(), kAttrFormat, kFormatName);
        attr(g.get(), kAttrFormatVersion, kFormatVersion);
        Path path;
        writeChildren(g.get(), root, path);
        g.reset();
        check(H5Fflush(f.get(), H5F_SCOPE_GLOBAL), "flush");
        f.reset();
    }

private:
    std::string m_file;
    WriteOptions m_opt;
    Progress m_progress;
    uint64_t m_done = 0;
    uint64_t m_total = 0;
};

void fsyncFile(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const std::string err = std::strerror(errno);
        if (fd >= 0)
            ::close(fd);
        fail(ErrorCategory::Io, "fsync failed: " + err, path);
    }
    ::close(fd);
}

} // namespace

std::string linkNameForKey(const std::string &key)
{
    if (key.empty())
        return "%00";
    if (key == ".")
        return "%2E";
    std::string out;
    for (char c : key) {
        if (c == '%')
            out += "%25";
        else if (c == '/')
            out += "%2F";
        else
            out += c;
    }
    return out;
}

void writeFile(const NodePtr &root, const std::string &path, const WriteOptions &options, const Progress &progress)
{
    if (!root)
        fail(ErrorCategory::InvalidArgument, "no tree to write");
    std::error_code ec;
    if (!options.overwrite && fs::symlink_status(path, ec).type() != fs::file_type::not_found)
        fail(ErrorCategory::InvalidArgument, kDestinationExists, path);
    removeStaleTempSiblings(path);
    const std::string tmp = tempSiblingPath(path).string();
    {
        // Probe the folder first so an unwritable one is a clean io error, not an HDF5 one.
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            fail(ErrorCategory::Io, std::string("cannot create a temporary file: ") + std::strerror(errno), tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
    }
    try {
        std::lock_guard lock(libraryMutex());
        silenceErrors();
        Writer(tmp, options, progress).run(root);
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    try {
        fsyncFile(tmp);
        fs::rename(tmp, path, ec);
        if (ec)
            fail(ErrorCategory::Io, "cannot rename the new file into place: " + ec.message(), path);
        syncDirectory(fs::path(tmp).parent_path().string());
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
}

} // namespace ckpt::hdf5
