#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ckpt {

/// One step in a pytree path: a dict key (name) or a sequence index.
class Key {
public:
    Key() = default;
    static Key name(std::string n);
    static Key index(uint64_t i);

    bool isIndex() const { return m_isIndex; }
    const std::string &name() const { return m_name; } ///< for an index: its decimal string
    uint64_t index() const { return m_index; } ///< meaningful only when isIndex()

    /// Text of the key as in the JSON contract: the name, or the index in decimal.
    const std::string &str() const { return m_name; }

    bool operator==(const Key &o) const { return m_isIndex == o.m_isIndex && m_name == o.m_name; }
    bool operator!=(const Key &o) const { return !(*this == o); }

private:
    bool m_isIndex = false;
    uint64_t m_index = 0;
    std::string m_name;
};

/// Keys from the root down to a node.
using Path = std::vector<Key>;

/// `a/b/0` form of a path (the root is the empty string).
std::string joinPath(const Path &p, char sep = '/');

/// Python subscript form: `['a']['b'][0]`.
std::string pythonPath(const Path &p);

/// Splits `a/b/0` into name keys (every part a name; empty string gives the root path).
Path parsePath(const std::string &s, char sep = '/');

} // namespace ckpt
