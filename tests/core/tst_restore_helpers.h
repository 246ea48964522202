#pragma once

// Shared by the apply-target tests (tst_restore*.cpp): looking up report leaves and rules.

#include "ops/edit/restore.h"

#include <QTest>

#include <initializer_list>
#include <string>
#include <vector>

namespace restoretest {

/// The report's leaf at target path `path`; fails the running test when there is none.
inline const ckpt::RestoreLeaf &leafOf(const ckpt::RestoreReport &r, const std::string &path)
{
    for (const ckpt::RestoreLeaf &l : r.leaves)
        if (l.path == path)
            return l;
    static ckpt::RestoreLeaf none;
    [&] { QFAIL(qPrintable(QString::fromStdString("no report for " + path))); }();
    return none;
}

/// True when `l` has a problem of `kind` that is (or is not) fatal.
inline bool hasProblem(const ckpt::RestoreLeaf &l, const std::string &kind, bool fatal)
{
    for (const ckpt::RestoreProblem &p : l.problems)
        if (p.kind == kind && p.fatal == fatal)
            return true;
    return false;
}

/// Parsed rename rules (ckpt::RenameRule syntax), in order.
inline std::vector<ckpt::RenameRule> rules(std::initializer_list<const char *> texts)
{
    std::vector<ckpt::RenameRule> r;
    for (const char *t : texts)
        r.push_back(ckpt::RenameRule::parse(t));
    return r;
}

} // namespace restoretest
