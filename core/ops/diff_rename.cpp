#include "ops/diff_rename.h"

#include "tree/error.h"

namespace ckpt {

RenameRule RenameRule::parse(const std::string &text)
{
    std::string regexText, repl;
    bool seenEquals = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        std::string &dst = seenEquals ? repl : regexText;
        if (c == '\\' && i + 1 < text.size() && text[i + 1] == '=') {
            dst += '=';
            ++i;
        } else if (c == '=' && !seenEquals) {
            seenEquals = true;
        } else if (c == '\\' && i + 1 < text.size() && !seenEquals) {
            dst += text.substr(i, 2); // regex escapes pass through untouched
            ++i;
        } else {
            dst += c;
        }
    }
    if (!seenEquals)
        fail(ErrorCategory::InvalidArgument, "rename rule '" + text + "' has no '=' (write REGEX=REPL)");
    if (regexText.empty())
        fail(ErrorCategory::InvalidArgument, "rename rule '" + text + "' has an empty REGEX");
    RenameRule r;
    r.text = text;
    try {
        r.pattern = std::regex(regexText, std::regex::ECMAScript);
    } catch (const std::regex_error &e) {
        fail(ErrorCategory::InvalidArgument, "rename rule '" + text + "': bad REGEX: " + e.what());
    }
    const unsigned groups = unsigned(r.pattern.mark_count());
    for (size_t i = 0; i < repl.size(); ++i) {
        const char c = repl[i];
        if (c == '\\' && i + 1 < repl.size() && repl[i + 1] >= '1' && repl[i + 1] <= '9') {
            const unsigned g = unsigned(repl[i + 1] - '0');
            if (g > groups)
                fail(ErrorCategory::InvalidArgument,
                    "rename rule '" + text + "' refers to group \\" + std::to_string(g) + " but REGEX has "
                        + std::to_string(groups));
            // `$0N` is unambiguous even when a digit follows in the replacement.
            r.replacement += "$0";
            r.replacement += repl[i + 1];
            ++i;
        } else if (c == '\\' && i + 1 < repl.size() && repl[i + 1] == '\\') {
            r.replacement += '\\';
            ++i;
        } else if (c == '$') {
            r.replacement += "$$";
        } else {
            r.replacement += c;
        }
    }
    return r;
}

std::string applyRenames(const std::vector<RenameRule> &rules, const std::string &path, bool *matched)
{
    for (const RenameRule &r : rules) {
        std::smatch m;
        if (std::regex_match(path, m, r.pattern)) {
            if (matched)
                *matched = true;
            return m.format(r.replacement);
        }
    }
    if (matched)
        *matched = false;
    return path;
}

} // namespace ckpt
