#include "tree/key.h"

namespace ckpt {

Key Key::name(std::string n)
{
    Key k;
    k.m_name = std::move(n);
    return k;
}

Key Key::index(uint64_t i)
{
    Key k;
    k.m_isIndex = true;
    k.m_index = i;
    k.m_name = std::to_string(i);
    return k;
}

std::string joinPath(const Path &p, char sep)
{
    std::string s;
    for (size_t i = 0; i < p.size(); ++i) {
        if (i)
            s += sep;
        s += p[i].str();
    }
    return s;
}

std::string pythonPath(const Path &p)
{
    std::string s;
    for (const Key &k : p) {
        if (k.isIndex()) {
            s += '[' + k.str() + ']';
            continue;
        }
        s += "['";
        for (char c : k.name()) {
            if (c == '\'' || c == '\\')
                s += '\\';
            s += c;
        }
        s += "']";
    }
    return s;
}

Path parsePath(const std::string &s, char sep)
{
    Path p;
    if (s.empty())
        return p;
    size_t start = 0;
    while (true) {
        size_t end = s.find(sep, start);
        p.push_back(Key::name(s.substr(start, end == std::string::npos ? std::string::npos : end - start)));
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return p;
}

} // namespace ckpt
