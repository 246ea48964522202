#include "ops/diff/diff_rename.h"

#include "base/error.h"

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
    r.regexText = regexText;
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

namespace ckpt {
namespace {

std::vector<std::string> splitKeys(const std::string &path)
{
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        const size_t slash = path.find('/', start);
        out.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos)
            return out;
        start = slash + 1;
    }
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

/// A maximal run of decimal digits in `s`: [begin, end).
struct DigitRun {
    size_t begin, end;
};

std::vector<DigitRun> digitRuns(const std::string &s)
{
    std::vector<DigitRun> out;
    for (size_t i = 0; i < s.size();) {
        if (!isDigit(s[i])) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < s.size() && isDigit(s[j]))
            ++j;
        out.push_back({i, j});
        i = j;
    }
    return out;
}

} // namespace

std::string escapeRuleRegex(const std::string &text)
{
    std::string out;
    for (const char c : text) {
        if (std::string_view("\\^$.|?*+()[]{}=").find(c) != std::string_view::npos)
            out += '\\';
        out += c;
    }
    return out;
}

std::string escapeRuleReplacement(const std::string &text)
{
    std::string out;
    for (const char c : text) {
        if (c == '\\' || c == '=')
            out += '\\';
        out += c;
    }
    return out;
}

std::string exactRenameRule(const std::string &from, const std::string &to)
{
    return escapeRuleRegex(from) + "=" + escapeRuleReplacement(to);
}

std::string suggestRenameRule(const std::string &from, const std::string &to)
{
    const std::vector<std::string> a = splitKeys(from), b = splitKeys(to);
    size_t common = 0;
    while (common < a.size() && common < b.size() && a[a.size() - 1 - common] == b[b.size() - 1 - common])
        ++common;
    if (common == a.size() || common == b.size())
        --common; // keep at least one key on each side literal so the rule is anchored
    auto join = [](const std::vector<std::string> &keys, size_t n) {
        std::string s;
        for (size_t i = 0; i < n; ++i)
            s += (i ? "/" : "") + keys[i];
        return s;
    };
    const std::string headA = join(a, a.size() - common), headB = join(b, b.size() - common);
    const std::vector<DigitRun> runsA = digitRuns(headA), runsB = digitRuns(headB);
    std::vector<int> groupOfB(runsB.size(), 0);
    std::string regex, repl;
    size_t posA = 0;
    int groups = 0;
    for (const DigitRun &ra : runsA) {
        const std::string number = headA.substr(ra.begin, ra.end - ra.begin);
        for (size_t k = 0; k < runsB.size(); ++k) {
            if (groupOfB[k] || headB.substr(runsB[k].begin, runsB[k].end - runsB[k].begin) != number)
                continue;
            if (groups == 9)
                break;
            groupOfB[k] = ++groups;
            regex += escapeRuleRegex(headA.substr(posA, ra.begin - posA)) + "(\\d+)";
            posA = ra.end;
            break;
        }
    }
    regex += escapeRuleRegex(headA.substr(posA));
    size_t posB = 0;
    for (size_t k = 0; k < runsB.size(); ++k) {
        if (!groupOfB[k])
            continue;
        repl += escapeRuleReplacement(headB.substr(posB, runsB[k].begin - posB)) + "\\" + std::to_string(groupOfB[k]);
        posB = runsB[k].end;
    }
    repl += escapeRuleReplacement(headB.substr(posB));
    if (common > 0 && groups < 9) {
        regex += "/(.*)";
        repl += "/\\" + std::to_string(++groups);
    }
    return regex + "=" + repl;
}

} // namespace ckpt
