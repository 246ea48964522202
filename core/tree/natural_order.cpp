#include "tree/natural_order.h"

namespace ckpt {
namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

} // namespace

bool naturalLess(std::string_view a, std::string_view b)
{
    size_t i = 0, j = 0;
    int padding = 0; // first difference in leading zeros, the last tie-breaker
    while (i < a.size() && j < b.size()) {
        if (isDigit(a[i]) && isDigit(b[j])) {
            size_t za = i, zb = j;
            while (za < a.size() && a[za] == '0')
                ++za;
            while (zb < b.size() && b[zb] == '0')
                ++zb;
            size_t ea = za, eb = zb;
            while (ea < a.size() && isDigit(a[ea]))
                ++ea;
            while (eb < b.size() && isDigit(b[eb]))
                ++eb;
            if (ea - za != eb - zb)
                return ea - za < eb - zb;
            const int c = a.substr(za, ea - za).compare(b.substr(zb, eb - zb));
            if (c != 0)
                return c < 0;
            if (padding == 0 && za - i != zb - j)
                padding = za - i < zb - j ? -1 : 1;
            i = ea;
            j = eb;
            continue;
        }
        if (a[i] != b[j])
            return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
        ++i;
        ++j;
    }
    if (i < a.size() || j < b.size())
        return j < b.size();
    return padding < 0;
}

} // namespace ckpt
