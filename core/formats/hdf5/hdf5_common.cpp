#include "formats/hdf5/hdf5_common.h"

namespace ckpt::hdf5 {

std::recursive_mutex &libraryMutex()
{
    static std::recursive_mutex m;
    return m;
}

void silenceErrors()
{
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

void Handle::reset()
{
    if (m_id < 0)
        return;
    switch (H5Iget_type(m_id)) {
    case H5I_FILE: H5Fclose(m_id); break;
    case H5I_GROUP: H5Gclose(m_id); break;
    case H5I_DATASET: H5Dclose(m_id); break;
    case H5I_DATASPACE: H5Sclose(m_id); break;
    case H5I_DATATYPE: H5Tclose(m_id); break;
    case H5I_ATTR: H5Aclose(m_id); break;
    case H5I_GENPROP_LST: H5Pclose(m_id); break;
    default: break;
    }
    m_id = -1;
}

Handle boolType()
{
    Handle t(H5Tenum_create(H5T_NATIVE_INT8));
    int8_t v = 0;
    H5Tenum_insert(t.get(), "FALSE", &v);
    v = 1;
    H5Tenum_insert(t.get(), "TRUE", &v);
    return t;
}

Handle complexType(size_t itemsize)
{
    const size_t half = itemsize / 2;
    Handle t(H5Tcreate(H5T_COMPOUND, itemsize));
    const hid_t member = half == 4 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    H5Tinsert(t.get(), "r", 0, member);
    H5Tinsert(t.get(), "i", half, member);
    return t;
}

Handle halfType()
{
    Handle t(H5Tcopy(H5T_IEEE_F32LE));
    H5Tset_fields(t.get(), 15, 10, 5, 0, 10);
    H5Tset_size(t.get(), 2);
    H5Tset_ebias(t.get(), 15);
    return t;
}

bool isExtensionDType(DType t)
{
    switch (t) {
    case DType::Bool:
    case DType::Int8:
    case DType::Int16:
    case DType::Int32:
    case DType::Int64:
    case DType::UInt8:
    case DType::UInt16:
    case DType::UInt32:
    case DType::UInt64:
    case DType::Float16:
    case DType::Float32:
    case DType::Float64:
    case DType::Complex64:
    case DType::Complex128: return false;
    default: return true;
    }
}

Handle storageType(DType t)
{
    switch (t) {
    case DType::Bool: return boolType();
    case DType::Int8: return Handle(H5Tcopy(H5T_STD_I8LE));
    case DType::Int16: return Handle(H5Tcopy(H5T_STD_I16LE));
    case DType::Int32: return Handle(H5Tcopy(H5T_STD_I32LE));
    case DType::Int64: return Handle(H5Tcopy(H5T_STD_I64LE));
    case DType::UInt8: return Handle(H5Tcopy(H5T_STD_U8LE));
    case DType::UInt16: return Handle(H5Tcopy(H5T_STD_U16LE));
    case DType::UInt32: return Handle(H5Tcopy(H5T_STD_U32LE));
    case DType::UInt64: return Handle(H5Tcopy(H5T_STD_U64LE));
    case DType::Float16: return halfType();
    case DType::Float32: return Handle(H5Tcopy(H5T_IEEE_F32LE));
    case DType::Float64: return Handle(H5Tcopy(H5T_IEEE_F64LE));
    case DType::Complex64: return complexType(8);
    case DType::Complex128: return complexType(16);
    case DType::BFloat16: return Handle(H5Tcopy(H5T_STD_U16LE));
    case DType::Int4:
    case DType::Int2: return Handle(H5Tcopy(H5T_STD_I8LE));
    default: return Handle(H5Tcopy(H5T_STD_U8LE));
    }
}

} // namespace ckpt::hdf5
