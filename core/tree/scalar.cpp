#include "tree/scalar.h"

#include "tree/dtype.h"

namespace ckpt {

std::string_view Scalar::typeName() const
{
    switch (type) {
    case Type::Int:
    case Type::UInt: return "int";
    case Type::Float: return "float";
    case Type::Bool: return "bool";
    case Type::Complex: return "complex";
    }
    return "int";
}

double Scalar::toDouble() const
{
    switch (type) {
    case Type::Int:
    case Type::Bool: return double(i);
    case Type::UInt: return double(u);
    case Type::Float: return f;
    case Type::Complex: return c.real();
    }
    return 0;
}

std::string Scalar::repr() const
{
    switch (type) {
    case Type::Int: return std::to_string(i);
    case Type::UInt: return std::to_string(u);
    case Type::Bool: return i ? "True" : "False";
    case Type::Float: return formatDouble(f);
    case Type::Complex: {
        std::string im = formatDouble(c.imag());
        if (im[0] != '-')
            im = "+" + im;
        return "(" + formatDouble(c.real()) + im + "j)";
    }
    }
    return {};
}

bool Scalar::operator==(const Scalar &o) const
{
    if (type != o.type)
        return false;
    switch (type) {
    case Type::Int:
    case Type::Bool: return i == o.i;
    case Type::UInt: return u == o.u;
    case Type::Float: return f == o.f || (f != f && o.f != o.f);
    case Type::Complex: return c == o.c;
    }
    return false;
}

} // namespace ckpt
