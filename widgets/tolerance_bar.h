#pragma once

#include "ops/diff/diff_array.h"

#include <QWidget>

class QCheckBox;
class QLineEdit;

/// A line edit (at most 90 px wide) accepting C-locale numbers >= `lo` in scientific notation,
/// with `tip` as its tooltip; the tolerance edits and other numeric fields next to them use it.
QLineEdit *numberEdit(QWidget *parent, double lo, const QString &tip);

/// The "atol [ ] rtol [ ] [NaN = NaN]" controls of a comparison, in one row. Both edits accept
/// numbers >= 0 in C-locale scientific notation; text that does not parse counts as 0.
/// UI-thread only.
class ToleranceBar : public QWidget {
    Q_OBJECT
public:
    /// `closeMeaning` ends the tooltips "|a-b| <= atol + rtol*|b| is <closeMeaning>".
    explicit ToleranceBar(const QString &closeMeaning, QWidget *parent = nullptr);

    /// `base` with atol, rtol and nanEqual taken from the controls.
    ckpt::ArrayCompareOptions options(ckpt::ArrayCompareOptions base = {}) const;
    /// Shows `o`'s atol, rtol (17 significant digits) and nanEqual.
    void setOptions(const ckpt::ArrayCompareOptions &o);

    QLineEdit *atolEdit() const { return m_atol; }
    QLineEdit *rtolEdit() const { return m_rtol; }
    QCheckBox *nanEqualBox() const { return m_nanEqual; }

private:
    QLineEdit *m_atol;
    QLineEdit *m_rtol;
    QCheckBox *m_nanEqual;
};
