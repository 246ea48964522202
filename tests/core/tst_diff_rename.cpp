// Rename rules `REGEX=REPL`: parsing, back-references, escapes, first match wins, errors.
#include "base/error.h"
#include "ops/diff/diff_rename.h"

#include <QTest>

using namespace ckpt;

namespace {

std::string rename1(const std::string &rule, const std::string &path, bool *matched = nullptr)
{
    return applyRenames({RenameRule::parse(rule)}, path, matched);
}

ErrorCategory parseError(const std::string &rule, std::string *message = nullptr)
{
    try {
        RenameRule::parse(rule);
    } catch (const Exception &e) {
        if (message)
            *message = e.error().message;
        return e.error().category;
    }
    return ErrorCategory::Io; // "no error"
}

} // namespace

class TestDiffRename : public QObject {
    Q_OBJECT
private slots:
    void backReferences()
    {
        bool matched = false;
        QCOMPARE(rename1(R"(params/Dense_(\d+)/(.*)=model/layer\1/\2)", "params/Dense_12/kernel", &matched),
            std::string("model/layer12/kernel"));
        QVERIFY(matched);
        // A group followed by a digit stays that group.
        QCOMPARE(rename1(R"((a)(b)=\10\2)", "ab"), std::string("a0b"));
        // Groups may be reordered and repeated.
        QCOMPARE(rename1(R"((\w+)/(\w+)=\2/\1/\2)", "x/y"), std::string("y/x/y"));
    }

    void wholePathMustMatch()
    {
        bool matched = true;
        QCOMPARE(rename1("Dense=Linear", "params/Dense/kernel", &matched), std::string("params/Dense/kernel"));
        QVERIFY(!matched);
        QCOMPARE(rename1("(.*)/Dense/(.*)=\\1/Linear/\\2", "params/Dense/kernel"), std::string("params/Linear/kernel"));
    }

    void escapes()
    {
        // \= is a literal '=' on either side; \\ is a backslash in REPL; $ is literal in REPL.
        QCOMPARE(rename1(R"(a\=b=c\=d)", "a=b"), std::string("c=d"));
        QCOMPARE(rename1(R"(x=$1\\y)", "x"), std::string("$1\\y"));
        // Regex escapes in REGEX pass through.
        QCOMPARE(rename1(R"(a\.b=ok)", "a.b"), std::string("ok"));
        QCOMPARE(rename1(R"(a\.b=ok)", "axb"), std::string("axb"));
        // Only the first unescaped '=' splits: later ones belong to REPL.
        QCOMPARE(rename1("a=b=c", "a"), std::string("b=c"));
    }

    void firstMatchWins()
    {
        const std::vector<RenameRule> rules = {RenameRule::parse("opt/(.*)=optimizer/\\1"),
            RenameRule::parse("(.*)/kernel=\\1/w"), RenameRule::parse("opt/mu=never")};
        QCOMPARE(applyRenames(rules, "opt/mu"), std::string("optimizer/mu"));
        QCOMPARE(applyRenames(rules, "dense/kernel"), std::string("dense/w"));
        QCOMPARE(applyRenames(rules, "opt/kernel"), std::string("optimizer/kernel"));
        QCOMPARE(applyRenames(rules, "other"), std::string("other"));
        QCOMPARE(applyRenames({}, "other"), std::string("other"));
    }

    void errors()
    {
        std::string msg;
        QCOMPARE(parseError("no-equals", &msg), ErrorCategory::InvalidArgument);
        QVERIFY(msg.find("no-equals") != std::string::npos);
        QCOMPARE(parseError("=x"), ErrorCategory::InvalidArgument);
        QCOMPARE(parseError("a\\=b"), ErrorCategory::InvalidArgument); // the only '=' is escaped
        QCOMPARE(parseError("(unclosed=x"), ErrorCategory::InvalidArgument);
        QCOMPARE(parseError("(a)=\\2", &msg), ErrorCategory::InvalidArgument);
        QVERIFY(msg.find("group") != std::string::npos);
        QCOMPARE(parseError("a=\\1"), ErrorCategory::InvalidArgument);
        QCOMPARE(parseError("a="), ErrorCategory::Io); // empty REPL is allowed
        QCOMPARE(rename1("(.*)/bias=", "x/bias"), std::string());
    }
};

QTEST_GUILESS_MAIN(TestDiffRename)
#include "tst_diff_rename.moc"
