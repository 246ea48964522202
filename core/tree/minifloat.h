#pragma once

#include "tree/dtype.h"

#include <optional>

namespace ckpt {

/// How a small float format spends its top encodings on NaN and infinity (ml_dtypes' naming):
/// Ieee: all-ones exponent is inf (mantissa 0) or NaN; FiniteNanAllOnes ("fn"): only all-ones
/// exponent and mantissa is NaN, no inf; FiniteNanNegZero ("fnuz"): the negative-zero pattern is
/// the one NaN, no inf, no -0; None: every pattern is a finite number.
enum class MiniFloatSpecial { Ieee, FiniteNanAllOnes, FiniteNanNegZero, None };

/// A sign + expBits + mantBits float with the given exponent bias.
struct MiniFloat {
    int expBits;
    int mantBits;
    int bias;
    MiniFloatSpecial special;
};

/// The layout of `t` when it is a sign/exponent/mantissa float of at most 16 bits: float16,
/// bfloat16 and the float8/6/4 types except float8_e8m0fnu (no sign, no mantissa); nullopt for
/// every other dtype. Decoding (tree/dtype.cpp) and encoding (ops/edit/edit_convert.cpp) both read this
/// one table. These are what the bytes mean on disk: they must never change.
constexpr std::optional<MiniFloat> miniFloatFormat(DType t)
{
    using S = MiniFloatSpecial;
    switch (t) {
    case DType::Float16: return MiniFloat{5, 10, 15, S::Ieee};
    case DType::BFloat16: return MiniFloat{8, 7, 127, S::Ieee};
    case DType::Float8_e4m3fn: return MiniFloat{4, 3, 7, S::FiniteNanAllOnes};
    case DType::Float8_e5m2: return MiniFloat{5, 2, 15, S::Ieee};
    case DType::Float8_e4m3fnuz: return MiniFloat{4, 3, 8, S::FiniteNanNegZero};
    case DType::Float8_e5m2fnuz: return MiniFloat{5, 2, 16, S::FiniteNanNegZero};
    case DType::Float8_e4m3b11fnuz: return MiniFloat{4, 3, 11, S::FiniteNanNegZero};
    case DType::Float8_e3m4: return MiniFloat{3, 4, 3, S::Ieee};
    case DType::Float8_e4m3: return MiniFloat{4, 3, 7, S::Ieee};
    case DType::Float6_e2m3fn: return MiniFloat{2, 3, 1, S::None};
    case DType::Float6_e3m2fn: return MiniFloat{3, 2, 3, S::None};
    case DType::Float4_e2m1fn: return MiniFloat{2, 1, 1, S::None};
    default: return std::nullopt;
    }
}

} // namespace ckpt
