#pragma once

#include <complex>
#include <cstdint>
#include <string>
#include <string_view>

namespace ckpt {

/// A Python scalar leaf (not a NumPy scalar: those are 0-d arrays).
struct Scalar {
    enum class Type { Int, UInt, Float, Bool, Complex };
    Type type = Type::Int;
    int64_t i = 0; ///< Int and Bool (0/1)
    uint64_t u = 0; ///< UInt: non-negative ints above INT64_MAX
    double f = 0; ///< Float
    std::complex<double> c = {}; ///< Complex

    static Scalar fromInt(int64_t v) { return Scalar{Type::Int, v, 0, 0, {}}; }
    static Scalar fromUInt(uint64_t v) { return Scalar{Type::UInt, 0, v, 0, {}}; }
    static Scalar fromFloat(double v) { return Scalar{Type::Float, 0, 0, v, {}}; }
    static Scalar fromBool(bool v) { return Scalar{Type::Bool, v ? 1 : 0, 0, 0, {}}; }
    static Scalar fromComplex(std::complex<double> v) { return Scalar{Type::Complex, 0, 0, 0, v}; }

    /// "int", "float", "bool" or "complex": the `dtype` of the JSON contract.
    std::string_view typeName() const;
    /// Value as a double (real part for complex).
    double toDouble() const;
    /// Python repr: `4`, `0.5`, `True`, `(1+2j)`.
    std::string repr() const;

    bool operator==(const Scalar &o) const;
};

} // namespace ckpt
