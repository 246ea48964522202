#include "ops/edit/recipe.h"

#include "base/error.h"
#include "io/atomic_file.h"

#include <fstream>
#include <set>
#include <sstream>

namespace ckpt {
namespace {

using nlohmann::json;

template <class... Ts> struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

[[noreturn]] void bad(const std::string &where, const std::string &what)
{
    fail(ErrorCategory::InvalidArgument, where + ": " + what);
}

/// Checked access to the members of one operation object.
class Reader {
public:
    Reader(const json &j, std::string where)
        : m_j(j)
        , m_where(std::move(where))
    { }
    bool has(const char *k) const { return m_j.contains(k); }
    const json &raw(const char *k)
    {
        m_seen.insert(k);
        if (!m_j.contains(k))
            bad(m_where, std::string("missing \"") + k + "\"");
        return m_j[k];
    }
    std::string str(const char *k)
    {
        const json &v = raw(k);
        if (!v.is_string())
            bad(m_where, std::string("\"") + k + "\" must be a string");
        return v.get<std::string>();
    }
    std::string str(const char *k, const std::string &fallback) { return has(k) ? str(k) : fallback; }
    uint64_t uint(const char *k, uint64_t fallback)
    {
        if (!has(k))
            return fallback;
        const json &v = raw(k);
        if (!v.is_number_unsigned())
            bad(m_where, std::string("\"") + k + "\" must be a non-negative integer");
        return v.get<uint64_t>();
    }
    bool boolean(const char *k, bool fallback)
    {
        if (!has(k))
            return fallback;
        const json &v = raw(k);
        if (!v.is_boolean())
            bad(m_where, std::string("\"") + k + "\" must be true or false");
        return v.get<bool>();
    }
    std::vector<std::string> strings(const char *k, bool required = true)
    {
        if (!required && !has(k))
            return {};
        const json &v = raw(k);
        std::vector<std::string> out;
        if (!v.is_array())
            bad(m_where, std::string("\"") + k + "\" must be a list of strings");
        for (const json &e : v) {
            if (!e.is_string())
                bad(m_where, std::string("\"") + k + "\" must be a list of strings");
            out.push_back(e.get<std::string>());
        }
        return out;
    }
    template <typename T> std::vector<T> ints(const char *k, bool allowNegative)
    {
        if (!has(k))
            return {};
        const json &v = raw(k);
        std::vector<T> out;
        if (!v.is_array())
            bad(m_where, std::string("\"") + k + "\" must be a list of integers");
        for (const json &e : v) {
            if (!e.is_number_integer() || (!allowNegative && !e.is_number_unsigned()))
                bad(m_where,
                    std::string("\"") + k + "\" must be a list of " + (allowNegative ? "" : "non-negative ")
                        + "integers");
            out.push_back(e.get<T>());
        }
        return out;
    }
    edit::SourceRef source(const char *k)
    {
        const json &v = raw(k);
        if (!v.is_object())
            bad(m_where, std::string("\"") + k + "\" must be an object {\"path\": ...}");
        Reader r(v, m_where + " " + k);
        edit::SourceRef s;
        s.path = r.str("path");
        if (r.has("step")) {
            const json &st = r.raw("step");
            if (st.is_string())
                s.step = st.get<std::string>();
            else if (st.is_number_integer())
                s.step = std::to_string(st.get<int64_t>());
            else
                bad(m_where, "\"step\" must be a string or an integer");
        }
        if (r.has("item"))
            s.item = r.str("item");
        r.done();
        return s;
    }
    const std::string &where() const { return m_where; }
    /// Unknown members are errors: a misspelt option must not be ignored silently.
    void done() const
    {
        for (const auto &[k, v] : m_j.items())
            if (!m_seen.count(k))
                bad(m_where, "unknown member \"" + k + "\"");
    }

private:
    const json &m_j;
    std::string m_where;
    std::set<std::string> m_seen;
};

json sourceJson(const edit::SourceRef &s)
{
    json j = {{"path", s.path}};
    if (s.step)
        j["step"] = *s.step;
    if (s.item)
        j["item"] = *s.item;
    return j;
}

std::string fillName(edit::AddLeaf::Fill f)
{
    switch (f) {
    case edit::AddLeaf::Fill::Zeros: return "zeros";
    case edit::AddLeaf::Fill::Ones: return "ones";
    case edit::AddLeaf::Fill::Constant: return "constant";
    }
    return "zeros";
}

} // namespace

json operationToJson(const edit::Operation &op)
{
    using namespace edit;
    return std::visit(Overloaded{
                          [](const Rename &o) -> json {
                              if (!o.match.empty())
                                  return {{"op", "rename"}, {"match", o.match}, {"to", o.to}};
                              return {{"op", "rename"}, {"from", o.from}, {"to", o.to}};
                          },
                          [](const Delete &o) -> json {
                              if (!o.match.empty())
                                  return {{"op", "delete"}, {"match", o.match}};
                              return {{"op", "delete"}, {"path", o.path}};
                          },
                          [](const Graft &o) -> json {
                              json j = {{"op", "graft"}, {"to", o.to}, {"source", sourceJson(o.source)}};
                              if (!o.from.empty())
                                  j["from"] = o.from;
                              if (o.replace)
                                  j["replace"] = true;
                              return j;
                          },
                          [](const AddLeaf &o) -> json {
                              json j = {{"op", "add"}, {"path", o.path}, {"fill", fillName(o.fill)}};
                              if (o.fill == AddLeaf::Fill::Constant)
                                  j["value"] = o.value;
                              if (!o.like.empty()) {
                                  j["like"] = o.like;
                              } else {
                                  if (o.dtype != "float32")
                                      j["dtype"] = o.dtype;
                                  if (!o.shape.empty())
                                      j["shape"] = o.shape;
                              }
                              return j;
                          },
                          [](const Cast &o) -> json {
                              if (!o.match.empty())
                                  return {{"op", "cast"}, {"match", o.match}, {"dtype", o.dtype}};
                              return {{"op", "cast"}, {"path", o.path}, {"dtype", o.dtype}};
                          },
                          [](const Reshape &o) -> json {
                              return {{"op", "reshape"}, {"path", o.path}, {"shape", o.shape}};
                          },
                          [](const Transpose &o) -> json {
                              json j = {{"op", "transpose"}};
                              if (!o.match.empty())
                                  j["match"] = o.match;
                              else
                                  j["path"] = o.path;
                              if (!o.axes.empty())
                                  j["axes"] = o.axes;
                              return j;
                          },
                          [](const Stack &o) -> json {
                              json j = {{"op", "stack"}, {"from", o.from}, {"to", o.to}};
                              if (o.axis)
                                  j["axis"] = o.axis;
                              return j;
                          },
                          [](const Unstack &o) -> json {
                              json j = {{"op", "unstack"}};
                              if (!o.match.empty()) {
                                  j["match"] = o.match;
                                  j["to"] = o.to.empty() ? std::string() : o.to.front();
                              } else {
                                  j["from"] = o.from;
                                  j["to"] = o.to;
                              }
                              if (o.axis)
                                  j["axis"] = o.axis;
                              return j;
                          },
                          [](const SetValue &o) -> json {
                              return {{"op", "set"}, {"path", o.path}, {"value", o.value}};
                          },
                          [](const SetElements &o) -> json {
                              json els = json::array();
                              for (const SetElements::Element &e : o.elements)
                                  els.push_back({{"index", e.index}, {"value", e.value}});
                              return {{"op", "set_elements"}, {"path", o.path}, {"elements", els}};
                          },
                          [](const ApplyTarget &o) -> json {
                              json j = {{"op", "apply_target"}, {"target", sourceJson(o.target)}};
                              if (!o.renames.empty())
                                  j["renames"] = o.renames;
                              if (!o.originalKeys.empty())
                                  j["original_keys"] = o.originalKeys;
                              return j;
                          },
                      },
        op);
}

edit::Operation operationFromJson(const json &j, const std::string &where)
{
    using namespace edit;
    if (!j.is_object() || !j.contains("op") || !j["op"].is_string())
        bad(where, "must be an object with a string \"op\"");
    const std::string kind = j["op"].get<std::string>();
    Reader r(j, where + " (" + kind + ")");
    r.raw("op");
    Operation result;
    // `match` (a regex over leaf paths) stands in for the path member of these operations.
    const bool match = r.has("match");
    auto pathOrMatch = [&](const char *member) {
        if (match && r.has(member))
            bad(r.where(), std::string("\"match\" excludes \"") + member + "\"");
        return match ? std::string() : r.str(member);
    };
    auto matchText = [&] { return match ? r.str("match") : std::string(); };
    if (match && kind != "rename" && kind != "delete" && kind != "cast" && kind != "transpose" && kind != "unstack")
        bad(r.where(), "\"match\" applies to rename, delete, cast, transpose and unstack");
    if (kind == "rename") {
        const std::string from = pathOrMatch("from");
        result = Rename{from, r.str("to"), matchText()};
    } else if (kind == "delete") {
        const std::string path = pathOrMatch("path");
        result = Delete{path, matchText()};
    } else if (kind == "graft") {
        Graft g;
        g.to = r.str("to");
        g.source = r.source("source");
        g.from = r.str("from", "");
        g.replace = r.boolean("replace", false);
        result = g;
    } else if (kind == "add") {
        AddLeaf a;
        a.path = r.str("path");
        const std::string fill = r.str("fill", "zeros");
        if (fill == "zeros")
            a.fill = AddLeaf::Fill::Zeros;
        else if (fill == "ones")
            a.fill = AddLeaf::Fill::Ones;
        else if (fill == "constant")
            a.fill = AddLeaf::Fill::Constant;
        else
            bad(r.where(), "\"fill\" must be zeros, ones or constant");
        if (a.fill == AddLeaf::Fill::Constant)
            a.value = r.raw("value");
        a.like = r.str("like", "");
        if (!a.like.empty() && (r.has("dtype") || r.has("shape")))
            bad(r.where(), "\"like\" excludes \"dtype\" and \"shape\"");
        a.dtype = r.str("dtype", "float32");
        a.shape = r.ints<uint64_t>("shape", false);
        result = a;
    } else if (kind == "cast") {
        const std::string path = pathOrMatch("path");
        result = Cast{path, r.str("dtype"), matchText()};
    } else if (kind == "reshape") {
        Reshape s{r.str("path"), {}};
        r.raw("shape");
        s.shape = r.ints<int64_t>("shape", true);
        result = s;
    } else if (kind == "transpose") {
        Transpose t{pathOrMatch("path"), {}, matchText()};
        t.axes = r.ints<size_t>("axes", false);
        result = t;
    } else if (kind == "stack") {
        Stack s;
        s.from = r.strings("from");
        s.to = r.str("to");
        s.axis = r.uint("axis", 0);
        result = s;
    } else if (kind == "unstack") {
        Unstack u;
        u.from = pathOrMatch("from");
        u.match = matchText();
        if (match)
            u.to = {r.str("to")};
        else
            u.to = r.strings("to");
        u.axis = r.uint("axis", 0);
        result = u;
    } else if (kind == "set") {
        SetValue s{r.str("path"), {}};
        s.value = r.raw("value");
        result = s;
    } else if (kind == "set_elements") {
        SetElements s;
        s.path = r.str("path");
        const json &els = r.raw("elements");
        if (!els.is_array())
            bad(r.where(), "\"elements\" must be a list");
        for (size_t i = 0; i < els.size(); ++i) {
            if (!els[i].is_object())
                bad(r.where(), "element " + std::to_string(i) + " must be an object");
            Reader er(els[i], r.where() + " element " + std::to_string(i));
            er.raw("index");
            SetElements::Element e{er.ints<uint64_t>("index", false), er.raw("value")};
            er.done();
            s.elements.push_back(std::move(e));
        }
        result = s;
    } else if (kind == "apply_target") {
        ApplyTarget a;
        a.target = r.source("target");
        a.renames = r.strings("renames", false);
        a.originalKeys = r.strings("original_keys", false);
        result = a;
    } else {
        bad(where, "unknown operation \"" + kind + "\"");
    }
    r.done();
    return result;
}

json recipeToJson(const Recipe &recipe)
{
    json ops = json::array();
    for (const edit::Operation &op : recipe.operations)
        ops.push_back(operationToJson(op));
    return {{"ckpt_recipe", kRecipeVersion}, {"operations", ops}};
}

Recipe recipeFromJson(const json &doc, const std::string &file)
{
    const std::string where = file.empty() ? "recipe" : file;
    if (!doc.is_object() || !doc.contains("ckpt_recipe"))
        fail(ErrorCategory::InvalidArgument, where + ": not a recipe (no \"ckpt_recipe\" version)", file);
    if (!doc["ckpt_recipe"].is_number_integer() || doc["ckpt_recipe"].get<int64_t>() != kRecipeVersion)
        fail(ErrorCategory::Unsupported,
            where + ": recipe version " + doc["ckpt_recipe"].dump() + " is not supported (this build reads "
                + std::to_string(kRecipeVersion) + ")",
            file);
    if (!doc.contains("operations") || !doc["operations"].is_array())
        fail(ErrorCategory::InvalidArgument, where + ": \"operations\" must be a list", file);
    for (const auto &[k, v] : doc.items())
        if (k != "ckpt_recipe" && k != "operations")
            fail(ErrorCategory::InvalidArgument, where + ": unknown member \"" + k + "\"", file);
    Recipe r;
    const json &ops = doc["operations"];
    for (size_t i = 0; i < ops.size(); ++i) {
        try {
            r.operations.push_back(operationFromJson(ops[i], "operation " + std::to_string(i)));
        } catch (const Exception &e) {
            Error err = e.error();
            err.file = file;
            throw Exception(err);
        }
    }
    return r;
}

Recipe loadRecipe(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        fail(ErrorCategory::Io, "cannot read the recipe", path);
    json doc;
    try {
        doc = json::parse(in);
    } catch (const json::parse_error &e) {
        fail(ErrorCategory::InvalidArgument, std::string("recipe is not valid JSON: ") + e.what(), path, e.byte);
    } catch (const json::exception &e) {
        // out_of_range: a number no JSON type holds (1e999).
        fail(ErrorCategory::InvalidArgument, std::string("recipe is not valid JSON: ") + e.what(), path);
    }
    return recipeFromJson(doc, path);
}

void saveRecipe(const Recipe &recipe, const std::string &path)
{
    const std::string text = recipeToJson(recipe).dump(2) + "\n";
    AtomicFileWriter w(path, true);
    w.write(text.data(), text.size());
    w.commit();
}

NodePtr replay(const NodePtr &root, const Recipe &recipe, edit::Context &context)
{
    return edit::applyAll(root, recipe.operations, context);
}

} // namespace ckpt
