#pragma once

#include <regex>
#include <string>
#include <vector>

namespace ckpt {

/// One path rename rule, written `REGEX=REPL`, applied to the `a/b/c` key path of side A so that
/// renamed leaves line up with side B (as Orbax restore maps a new key to its `original_key`).
///
/// Syntax (shared with the repair operations; never change its meaning):
///  - The text is split at the first `=` that is not escaped; `\=` is a literal `=` in REGEX
///    or REPL. REGEX may not be empty.
///  - REGEX is an ECMAScript regular expression that must match the WHOLE path (like Python's
///    re.fullmatch); paths use `/` between keys and sequence indices in decimal (`opt/0/mu`).
///  - REPL is literal text in which `\1` .. `\9` insert capture groups and `\\` is a backslash.
///    A `\` before any other character is kept as written; `$` has no special meaning.
///  - Rules are tried in the order given; the first whose REGEX matches renames the path and no
///    later rule is tried. A path no rule matches keeps its name.
/// Example: `params/Dense_(\d+)/(.*)=model/layers/\1/linear/\2`.
struct RenameRule {
    std::string text; ///< as written, for messages
    std::string regexText; ///< REGEX after `\=` unescaping (what Orbax would see as the transforms key)
    std::regex pattern;
    std::string replacement; ///< in std::regex format syntax (`$1`, `$$`)

    /// Parses `REGEX=REPL`; throws Exception{InvalidArgument} naming the rule on bad syntax.
    static RenameRule parse(const std::string &text);
};

/// The path after the first matching rule, or `path` unchanged. `matched` (if given) is set to
/// whether a rule applied.
std::string applyRenames(const std::vector<RenameRule> &rules, const std::string &path, bool *matched = nullptr);

} // namespace ckpt

namespace ckpt {

/// `text` with every ECMAScript regex metacharacter and `=` escaped, so that as the REGEX of a
/// rule it matches exactly `text`.
std::string escapeRuleRegex(const std::string &text);

/// `text` as the REPL (or original-key TEMPLATE) of a rule: `\` doubled and `=` escaped.
std::string escapeRuleReplacement(const std::string &text);

/// The rule `REGEX=REPL` that renames exactly `from` to `to`.
std::string exactRenameRule(const std::string &from, const std::string &to);

/// A rule generalising the alignment `from` -> `to` (paths `a/b/c`): the longest common run of
/// trailing keys becomes `(.*)`, and each decimal number in the rest of `from` that also appears
/// (as a whole number, left to right) in the rest of `to` becomes `(\d+)` with a back-reference.
/// Everything else is literal. E.g. `params/Dense_0/kernel` -> `model/layers/0/kernel` gives
/// `params/Dense_(\d+)/(.*)=model/layers/\1/\2`. The rule always maps `from` to `to`.
std::string suggestRenameRule(const std::string &from, const std::string &to);

} // namespace ckpt
