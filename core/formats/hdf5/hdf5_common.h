#pragma once

#include "tree/dtype.h"

#include <hdf5.h>

#include <mutex>
#include <optional>
#include <string>

namespace ckpt::hdf5 {

/// The HDF5 library of the system is built without thread safety: every HDF5 call in the core
/// happens under this lock.
std::recursive_mutex &libraryMutex();

/// Silences HDF5's own error printing (errors become ckpt::Exception instead). Call under the lock.
void silenceErrors();

/// Owns one HDF5 identifier and closes it with the right H5*close. Not thread-safe.
class Handle {
public:
    Handle() = default;
    explicit Handle(hid_t id)
        : m_id(id)
    { }
    ~Handle() { reset(); }
    Handle(Handle &&o) noexcept
        : m_id(o.m_id)
    {
        o.m_id = -1;
    }
    Handle &operator=(Handle &&o) noexcept
    {
        if (this != &o) {
            reset();
            m_id = o.m_id;
            o.m_id = -1;
        }
        return *this;
    }
    Handle(const Handle &) = delete;
    Handle &operator=(const Handle &) = delete;
    hid_t get() const { return m_id; }
    bool valid() const { return m_id >= 0; }
    void reset();

private:
    hid_t m_id = -1;
};

/// HDF5 type used in the file (and in memory: all little-endian) for `dtype` as stored; for the
/// non-NumPy dtypes this is the raw-bits integer type of the layout (hdf5_layout.h).
Handle storageType(DType dtype);

/// The bool enum h5py uses (int8 FALSE = 0, TRUE = 1).
Handle boolType();
/// Complex compound {r, i} of float32 (itemsize 8) or float64 (16).
Handle complexType(size_t itemsize);
/// IEEE binary16 as h5py defines it.
Handle halfType();

/// True for dtypes HDF5 and NumPy lack, stored as raw bits or widened (bfloat16, float8, int4, ...).
bool isExtensionDType(DType dtype);

} // namespace ckpt::hdf5
