// Checks of the ckpt::Exception a call throws, shared by the test folders.
#pragma once

#include "base/error.h"

#include <QTest>

#include <functional>

/// Runs `fn`, which must throw an Exception of `category` (a test failure otherwise, also when it
/// throws nothing); returns the error for more checks.
inline ckpt::Error expectError(const std::function<void()> &fn, ckpt::ErrorCategory category)
{
    try {
        fn();
    } catch (const ckpt::Exception &e) {
        if (e.error().category != category)
            qWarning("unexpected error: %s", e.what());
        [&] { QCOMPARE(int(e.error().category), int(category)); }();
        return e.error();
    }
    [] { QFAIL("no exception thrown"); }();
    return {};
}

/// The error `fn` throws; when it throws none, an InvalidArgument error "no error thrown" (so a
/// check of the expected category fails).
inline ckpt::Error captureError(const std::function<void()> &fn)
{
    try {
        fn();
    } catch (const ckpt::Exception &e) {
        return e.error();
    }
    return ckpt::Error{ckpt::ErrorCategory::InvalidArgument, "no error thrown", {}, {}, {}};
}

/// The category of the Exception `fn` throws; ErrorCategory(-1), which is no category, when it
/// throws none.
inline ckpt::ErrorCategory categoryOf(const std::function<void()> &fn)
{
    try {
        fn();
    } catch (const ckpt::Exception &e) {
        return e.error().category;
    }
    return ckpt::ErrorCategory(-1);
}
