#include "tolerance_bar.h"

#include <QCheckBox>
#include <QDoubleValidator>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>

QLineEdit *numberEdit(QWidget *parent, double lo, const QString &tip)
{
    auto *edit = new QLineEdit(parent);
    auto *validator = new QDoubleValidator(lo, 1e300, 17, edit);
    validator->setNotation(QDoubleValidator::ScientificNotation);
    validator->setLocale(QLocale::c());
    edit->setValidator(validator);
    edit->setToolTip(tip);
    edit->setMaximumWidth(90);
    return edit;
}

namespace {
QLineEdit *toleranceEdit(QWidget *parent, const QString &tip)
{
    QLineEdit *edit = numberEdit(parent, 0, tip);
    edit->setText(QStringLiteral("0"));
    return edit;
}

double numberIn(const QLineEdit *edit)
{
    bool ok = false;
    const double v = QLocale::c().toDouble(edit->text().trimmed(), &ok);
    return ok ? v : 0;
}
} // namespace

ToleranceBar::ToleranceBar(const QString &closeMeaning, QWidget *parent)
    : QWidget(parent)
    , m_atol(toleranceEdit(this, tr("Absolute tolerance: |a-b| <= atol + rtol*|b| is %1").arg(closeMeaning)))
    , m_rtol(toleranceEdit(this, tr("Relative tolerance: |a-b| <= atol + rtol*|b| is %1").arg(closeMeaning)))
    , m_nanEqual(new QCheckBox(tr("NaN = NaN"), this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("atol"), this));
    layout->addWidget(m_atol);
    layout->addWidget(new QLabel(tr("rtol"), this));
    layout->addWidget(m_rtol);
    layout->addWidget(m_nanEqual);
}

ckpt::ArrayCompareOptions ToleranceBar::options(ckpt::ArrayCompareOptions base) const
{
    base.atol = numberIn(m_atol);
    base.rtol = numberIn(m_rtol);
    base.nanEqual = m_nanEqual->isChecked();
    return base;
}

void ToleranceBar::setOptions(const ckpt::ArrayCompareOptions &o)
{
    m_atol->setText(QString::number(o.atol, 'g', 17));
    m_rtol->setText(QString::number(o.rtol, 'g', 17));
    m_nanEqual->setChecked(o.nanEqual);
}
